//! The activity context against a real dev server: heartbeats across attempts, cancellation
//! through the CLI, timeouts, retries, async completion and graceful shutdown.

use crate::common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use activity_runtime::client::{ActivityOptions, ClientError};
use activity_runtime::{ActivityContext, ActivityError, Worker, activities, activity};
use serde::{Deserialize, Serialize};

/// What activities observed, by activity id, for the tests to assert on.
static SEEN: Mutex<Option<HashMap<String, Vec<String>>>> = Mutex::new(None);

fn record(ctx: &ActivityContext, what: impl Into<String>) {
    SEEN.lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .entry(ctx.info().activity_id.clone())
        .or_default()
        .push(what.into());
}

fn seen(activity_id: &str) -> Vec<String> {
    SEEN.lock()
        .unwrap()
        .as_ref()
        .and_then(|m| m.get(activity_id).cloned())
        .unwrap_or_default()
}

#[derive(Debug, Serialize, Deserialize)]
struct Progress {
    rows_done: u32,
}

/// Attempt 1 heartbeats progress and fails; attempt 2 resumes from the typed details.
#[activity]
async fn resumable(ctx: ActivityContext) -> Result<u32, ActivityError> {
    let previous: Option<Progress> = ctx.heartbeat_details()?;
    record(
        &ctx,
        format!("attempt {} saw {previous:?}", ctx.info().attempt),
    );
    match previous {
        None => {
            ctx.heartbeat(&Progress { rows_done: 40 })?;
            // Give core's throttled heartbeat time to reach the server before failing.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Err(ActivityError::new("interrupted after 40 rows"))
        }
        Some(progress) => Ok(progress.rows_done + 60),
    }
}

/// Heartbeats until cancelled, then records the reason and ends as cancelled.
#[activity]
async fn heartbeat_until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    loop {
        ctx.heartbeat(&"working")?;
        tokio::select! {
            _ = ctx.cancelled() => {
                record(&ctx, format!("{:?}", ctx.cancellation_reason().unwrap()));
                record(&ctx, now_millis().to_string());
                return Err(ActivityError::cancelled());
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// The same from a blocking thread.
#[activity]
fn blocking_heartbeat_until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    while !ctx.wait_cancelled_timeout(Duration::from_millis(200)) {
        ctx.heartbeat(&"working")?;
    }
    record(&ctx, format!("{:?}", ctx.cancellation_reason().unwrap()));
    record(&ctx, now_millis().to_string());
    Err(ActivityError::cancelled())
}

static NON_RETRYABLE_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn fails_for_good() -> Result<(), ActivityError> {
    NON_RETRYABLE_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    Err(ActivityError::new("card expired")
        .with_type("CardExpired")
        .non_retryable())
}

/// Fails attempt 1 asking for a 3 s delay; attempt 2 reports when attempt 1 was scheduled.
#[activity]
async fn retries_later(ctx: ActivityContext) -> Result<u64, ActivityError> {
    let now = SystemTime::now();
    record(
        &ctx,
        format!(
            "{}",
            now.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        ),
    );
    if ctx.info().attempt == 1 {
        return Err(ActivityError::new("busy").next_retry_delay(Duration::from_secs(3)));
    }
    Ok(ctx.info().attempt.into())
}

/// Completes later: hands its task token out and returns at once.
#[activity]
async fn completes_later(ctx: ActivityContext) -> Result<String, ActivityError> {
    record(&ctx, hex(&ctx.info().task_token));
    Err(ActivityError::complete_async())
}

/// Finishes one second after the worker begins shutting down.
#[activity]
async fn finishes_during_grace(ctx: ActivityContext) -> String {
    ctx.worker_shutdown().await;
    record(&ctx, "saw shutdown");
    tokio::time::sleep(Duration::from_secs(1)).await;
    "finished in time".to_owned()
}

/// Outlives the grace period: sees shutdown, then cancellation.
#[activity]
async fn outlives_grace(ctx: ActivityContext) -> Result<(), ActivityError> {
    ctx.worker_shutdown().await;
    record(&ctx, "saw shutdown");
    ctx.cancelled().await;
    record(&ctx, format!("{:?}", ctx.cancellation_reason().unwrap()));
    Err(ActivityError::cancelled())
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn all() -> activity_runtime::Activities {
    activities![
        resumable,
        heartbeat_until_cancelled,
        blocking_heartbeat_until_cancelled,
        fails_for_good,
        retries_later,
        completes_later,
    ]
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_details_of_attempt_one_are_read_typed_by_attempt_two() {
    let worker = common::start_worker("resume", all()).await;
    let client = common::client().await;
    let out: u32 = client
        .execute_activity(
            "resumable",
            (),
            ActivityOptions::new(&worker.task_queue)
                .id("resume-1")
                .maximum_attempts(2)
                .initial_retry_interval(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    assert_eq!(out, 100);
    assert_eq!(
        seen("resume-1"),
        [
            "attempt 1 saw None",
            "attempt 2 saw Some(Progress { rows_done: 40 })"
        ]
    );
    worker.stop().await;
}

/// `temporal activity cancel` reaches a heartbeating async and a heartbeating blocking activity
/// within the heartbeat timeout; each sees reason cancel-requested and ends as cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_cancels_heartbeating_async_and_blocking_activities() {
    let worker = common::start_worker("cancel", all()).await;
    let client = common::client().await;
    let server = common::server().await;

    let heartbeat_timeout = Duration::from_secs(4);
    for (activity_type, id) in [
        ("heartbeat_until_cancelled", "cancel-async"),
        ("blocking_heartbeat_until_cancelled", "cancel-blocking"),
    ] {
        let handle = client
            .start_activity(
                activity_type,
                (),
                ActivityOptions::new(&worker.task_queue)
                    .id(id)
                    .heartbeat_timeout(heartbeat_timeout)
                    .start_to_close_timeout(Duration::from_secs(60)),
            )
            .await
            .unwrap();
        // Let it start and heartbeat once.
        tokio::time::sleep(Duration::from_millis(500)).await;

        let requested = now_millis();
        let output = Command::new(server.cli_path())
            .args([
                "activity",
                "cancel",
                "--activity-id",
                id,
                "--reason",
                "test",
            ])
            .args(["--address", server.address()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let result = handle.result::<()>().await;
        assert!(matches!(result, Err(ClientError::Cancelled)), "{result:?}");
        let seen = seen(id);
        assert_eq!(seen[0], "CancelRequested");
        // The activity learns of the cancel on its next heartbeat, which core sends within
        // 0.8 × the heartbeat timeout: it must arrive before the heartbeat timeout runs out.
        let delay = seen[1].parse::<u128>().unwrap() - requested;
        assert!(
            delay < heartbeat_timeout.as_millis(),
            "cancel reached the activity after {delay} ms"
        );
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_to_close_timeout_shows_reason_timed_out() {
    let worker = common::start_worker("timeout", all()).await;
    let client = common::client().await;
    let result = client
        .execute_activity::<()>(
            "heartbeat_until_cancelled",
            (),
            ActivityOptions::new(&worker.task_queue)
                .id("timeout-1")
                .maximum_attempts(1)
                .start_to_close_timeout(Duration::from_secs(2)),
        )
        .await;
    assert!(
        matches!(result, Err(ClientError::TimedOut(_))),
        "{result:?}"
    );
    wait_until("the activity to see its timeout", || {
        !seen("timeout-1").is_empty()
    })
    .await;
    assert_eq!(seen("timeout-1")[0], "TimedOut");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_retryable_error_stops_after_attempt_one() {
    let worker = common::start_worker("non-retryable", all()).await;
    let client = common::client().await;
    let result = client
        .execute_activity::<()>(
            "fails_for_good",
            (),
            ActivityOptions::new(&worker.task_queue)
                .maximum_attempts(5)
                .initial_retry_interval(Duration::from_millis(100)),
        )
        .await;
    let Err(ClientError::Failed(failure)) = result else {
        panic!("expected a failure, got {result:?}")
    };
    assert_eq!(failure.error_type, "CardExpired");
    assert!(failure.non_retryable);
    assert_eq!(NON_RETRYABLE_ATTEMPTS.load(Ordering::SeqCst), 1);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_retry_delay_separates_attempts_by_at_least_three_seconds() {
    let worker = common::start_worker("retry-delay", all()).await;
    let client = common::client().await;
    let attempts: u64 = client
        .execute_activity(
            "retries_later",
            (),
            ActivityOptions::new(&worker.task_queue)
                .id("retry-delay-1")
                .maximum_attempts(3)
                .initial_retry_interval(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    assert_eq!(attempts, 2);
    let starts: Vec<u128> = seen("retry-delay-1")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(starts.len(), 2);
    let gap = starts[1] - starts[0];
    assert!(gap >= 3000, "attempts only {gap} ms apart");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_completed_asynchronously_by_task_token() {
    let worker = common::start_worker("async-completion", all()).await;
    let client = common::client().await;
    let handle = client
        .start_activity(
            "completes_later",
            (),
            ActivityOptions::new(&worker.task_queue).id("async-1"),
        )
        .await
        .unwrap();
    wait_until("the task token", || !seen("async-1").is_empty()).await;
    let token = unhex(&seen("async-1")[0]);

    // Another client (as another program would) completes it.
    let other = common::client().await;
    other
        .complete_activity(&token, "done elsewhere")
        .await
        .unwrap();
    let out: String = handle.result().await.unwrap();
    assert_eq!(out, "done elsewhere");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_one_finish_and_cancels_the_one_that_outlives_it() {
    let server = common::server().await;
    let task_queue = common::unique_task_queue("graceful");
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(&task_queue)
        .graceful_shutdown_period(Duration::from_secs(3))
        .register(activities![finishes_during_grace, outlives_grace])
        .build()
        .await
        .unwrap();
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    let client = common::client().await;
    let options = |id: &str| {
        ActivityOptions::new(&task_queue)
            .id(id)
            .maximum_attempts(1)
            .start_to_close_timeout(Duration::from_secs(60))
    };
    let finishing = client
        .start_activity("finishes_during_grace", (), options("grace-finishes"))
        .await
        .unwrap();
    let outliving = client
        .start_activity("outlives_grace", (), options("grace-outlives"))
        .await
        .unwrap();
    // Both are running (they wait for the shutdown signal) before shutdown begins.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    shutdown.shutdown();

    let out: String = finishing.result().await.unwrap();
    assert_eq!(out, "finished in time");
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .expect("the worker stops after the grace period")
        .unwrap()
        .unwrap();
    assert_eq!(seen("grace-finishes"), ["saw shutdown"]);
    assert_eq!(seen("grace-outlives"), ["saw shutdown", "WorkerShutdown"]);
    // `run` returned, so core had an answer for every task it handed out, the cancelled one
    // included (core's shutdown waits for all outstanding activities). Core reports the
    // worker-shutdown cancellation as a retryable failed attempt, not as a cancellation nobody
    // asked for.
    let result = tokio::time::timeout(Duration::from_secs(10), outliving.result::<()>())
        .await
        .expect("the outliving activity has an outcome");
    let Err(ClientError::Failed(failure)) = result else {
        panic!("expected a worker-shutdown failure, got {result:?}")
    };
    assert_eq!(failure.error_type, "WorkerShutdown");
    assert!(!failure.non_retryable, "another worker may retry it");
}

/// What the attempt's info says of its timeouts and deadline, in seconds from now.
#[activity]
async fn deadline_info(ctx: ActivityContext) -> (Option<u64>, Option<u64>, Option<f64>) {
    let info = ctx.info();
    let left = info.deadline().map(|deadline| {
        deadline
            .duration_since(SystemTime::now())
            .map_or(-1.0, |d| d.as_secs_f64())
    });
    (
        info.schedule_to_close_timeout.map(|d| d.as_secs()),
        info.start_to_close_timeout.map(|d| d.as_secs()),
        left,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_is_right_with_and_without_schedule_to_close() {
    let worker = common::start_worker("deadline", activities![deadline_info]).await;
    let client = common::client().await;
    let queue = &worker.task_queue;

    // A standalone activity without schedule-to-close: the server sends a zero duration, which
    // means "not set"; the deadline is start-to-close after the start.
    let (schedule, start, left): (Option<u64>, Option<u64>, Option<f64>) = client
        .execute_activity(
            "deadline_info",
            (),
            common::one_attempt(queue).start_to_close_timeout(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(schedule, None);
    assert_eq!(start, Some(60));
    let left = left.expect("a deadline");
    assert!((50.0..=60.0).contains(&left), "{left} s left of 60");

    // With a schedule-to-close, the server sends it (and caps start-to-close to it).
    let (schedule, start, left): (Option<u64>, Option<u64>, Option<f64>) = client
        .execute_activity(
            "deadline_info",
            (),
            common::one_attempt(queue)
                .start_to_close_timeout(Duration::from_secs(60))
                .schedule_to_close_timeout(Duration::from_secs(20)),
        )
        .await
        .unwrap();
    assert_eq!(schedule, Some(20));
    assert!(start.is_some_and(|s| s <= 20), "{start:?}");
    let left = left.expect("a deadline");
    assert!((10.0..=20.0).contains(&left), "{left} s left of 20");
    worker.stop().await;
}
