//! Blocking (`fn`) activities run on the worker's own bounded pool of named threads, never on the
//! async threads: a saturated pool does not hold up async activities, N activities on a pool of N
//! run in parallel, and heartbeats and cancellation reach a blocking activity.

use crate::common;

use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, ClientError};
use activity_runtime::testing::ActivityEnvironment;
use activity_runtime::{ActivityContext, ActivityError, activities, activity};

/// What happened, in order, across the activities of the saturation test.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static SPINNING: AtomicUsize = AtomicUsize::new(0);
static RELEASE_SPIN: AtomicBool = AtomicBool::new(false);
static RELEASE_QUICK: AtomicBool = AtomicBool::new(false);

fn event(what: impl Into<String>) {
    EVENTS.lock().unwrap().push(what.into());
}

fn events() -> Vec<String> {
    EVENTS.lock().unwrap().clone()
}

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned()
}

/// CPU-bound until the test releases it; returns the name of the thread it ran on.
#[activity]
fn spin(id: u32) -> String {
    event(format!("spin {id} started"));
    SPINNING.fetch_add(1, Ordering::SeqCst);
    let mut x = u64::from(id);
    while !RELEASE_SPIN.load(Ordering::SeqCst) {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
    }
    event(format!("spin {id} done"));
    thread_name()
}

/// Heartbeats a growing counter until the test releases it; returns the last one.
#[activity]
async fn quick(ctx: ActivityContext) -> Result<u32, ActivityError> {
    let mut beat = 0;
    while !RELEASE_QUICK.load(Ordering::SeqCst) {
        beat += 1;
        ctx.heartbeat(&beat)?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    event("quick done");
    Ok(beat)
}

static ARRIVED: AtomicUsize = AtomicUsize::new(0);

/// Records when it ran, after waiting (up to 20 s) until `n` of its kind have started: only
/// activities that run at the same time all get past the wait.
#[activity]
fn meet(n: usize) -> Result<(u128, u128, String), ActivityError> {
    let epoch = *EPOCH.get_or_init(Instant::now);
    let started = epoch.elapsed().as_micros();
    ARRIVED.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(20);
    while ARRIVED.load(Ordering::SeqCst) < n {
        if Instant::now() > deadline {
            return Err(ActivityError::new(
                "the others never started: not run in parallel",
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((started, epoch.elapsed().as_micros(), thread_name()))
}

static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

static CANCEL_SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
static BLOCKING_STARTED: AtomicBool = AtomicBool::new(false);

/// The name of the thread it ran on.
#[activity]
fn where_am_i() -> String {
    thread_name()
}

/// Heartbeats from its pool thread and waits for cancellation with a timeout between beats.
#[activity]
fn blocking_until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    let mut beat = 0u32;
    while !ctx.wait_cancelled_timeout(Duration::from_millis(100)) {
        beat += 1;
        ctx.heartbeat(&beat)?;
        BLOCKING_STARTED.store(true, Ordering::SeqCst);
    }
    let mut seen = CANCEL_SEEN.lock().unwrap();
    seen.push(format!("{:?}", ctx.cancellation_reason().unwrap()));
    seen.push(thread_name());
    Err(ActivityError::cancelled())
}

fn started_on_pool(name: &str) -> bool {
    name.starts_with("activity-blocking-")
}

/// The server's view of an activity, through the CLI.
fn describe(activity_id: &str, address: &str, cli: &std::path::Path) -> String {
    let output = Command::new(cli)
        .args(["activity", "describe", "--activity-id", activity_id])
        .args(["--address", address, "--output", "json"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn options(task_queue: &str, id: &str) -> ActivityOptions {
    ActivityOptions::new(task_queue)
        .id(id)
        .maximum_attempts(1)
        .start_to_close_timeout(Duration::from_secs(60))
}

/// Two CPU-bound blocking activities fill a pool of two and a third waits for a thread; an async
/// activity started afterwards heartbeats (the server records its details) and completes while
/// all three are still running or waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_blocking_pool_does_not_hold_up_async_activities() {
    let worker = common::start_worker_with("saturated", activities![spin, quick], |b| {
        b.blocking_threads(2)
    })
    .await;
    let client = common::client().await;
    let server = common::server().await;

    let mut spins = Vec::new();
    for id in 1..=3u32 {
        let handle = client
            .start_activity(
                "spin",
                (id,),
                options(&worker.task_queue, &format!("spin-{id}")),
            )
            .await
            .unwrap();
        spins.push(handle);
    }
    wait_until("two spinning activities", || {
        SPINNING.load(Ordering::SeqCst) == 2
    })
    .await;

    let quick = client
        .start_activity(
            "quick",
            (),
            options(&worker.task_queue, "quick-1").heartbeat_timeout(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    // The server holds the async activity's heartbeat details: its heartbeats were delivered.
    let (address, cli) = (server.address().to_owned(), server.cli_path().to_owned());
    let mut described = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !described.contains("heartbeatDetails") {
        assert!(
            Instant::now() < deadline,
            "no heartbeat details on the server: {described}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (address, cli) = (address.clone(), cli.clone());
        described = tokio::task::spawn_blocking(move || describe("quick-1", &address, &cli))
            .await
            .unwrap();
    }
    RELEASE_QUICK.store(true, Ordering::SeqCst);
    let beats: u32 = quick.result().await.unwrap();
    assert!(beats >= 1);

    // The async activity finished first; the pool still runs only two, the third waits.
    let before_release = events();
    assert_eq!(before_release.len(), 3, "{before_release:?}");
    assert_eq!(before_release[2], "quick done", "{before_release:?}");
    assert!(
        before_release[..2].iter().all(|e| e.ends_with("started")),
        "{before_release:?}"
    );
    assert_eq!(SPINNING.load(Ordering::SeqCst), 2);

    RELEASE_SPIN.store(true, Ordering::SeqCst);
    for spin in spins {
        let thread: String = spin.result().await.unwrap();
        assert!(started_on_pool(&thread), "ran on `{thread}`");
    }
    assert_eq!(SPINNING.load(Ordering::SeqCst), 3);
    worker.stop().await;
}

/// Three blocking activities on a pool of three run at the same time: their run intervals overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_blocking_activities_on_a_pool_of_n_run_in_parallel() {
    const N: usize = 3;
    let worker =
        common::start_worker_with("parallel", activities![meet], |b| b.blocking_threads(N)).await;
    let client = common::client().await;
    let mut handles = Vec::new();
    for i in 0..N {
        let handle = client
            .start_activity(
                "meet",
                (N,),
                options(&worker.task_queue, &format!("meet-{i}")),
            )
            .await
            .unwrap();
        handles.push(handle);
    }
    let mut runs = Vec::new();
    for handle in handles {
        let run: (u128, u128, String) = handle.result().await.unwrap();
        runs.push(run);
    }
    let latest_start = runs.iter().map(|r| r.0).max().unwrap();
    let earliest_end = runs.iter().map(|r| r.1).min().unwrap();
    assert!(
        latest_start <= earliest_end,
        "intervals do not overlap: {runs:?}"
    );
    let mut threads: Vec<_> = runs.iter().map(|r| r.2.clone()).collect();
    threads.sort();
    threads.dedup();
    assert_eq!(threads.len(), N, "{runs:?}");
    assert!(threads.iter().all(|t| started_on_pool(t)), "{threads:?}");
    worker.stop().await;
}

/// Cancellation through a real client reaches a heartbeating blocking activity waiting on
/// `wait_cancelled_timeout`; it ends as cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cancels_a_heartbeating_blocking_activity() {
    let worker =
        common::start_worker("blocking-cancel", activities![blocking_until_cancelled]).await;
    let client = common::client().await;
    let handle = client
        .start_activity(
            "blocking_until_cancelled",
            (),
            options(&worker.task_queue, "blocking-cancel-1")
                .heartbeat_timeout(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    wait_until("the first heartbeat", || {
        BLOCKING_STARTED.load(Ordering::SeqCst)
    })
    .await;
    handle.cancel("test").await.unwrap();
    let result = handle.result::<()>().await;
    assert!(matches!(result, Err(ClientError::Cancelled)), "{result:?}");
    let seen = CANCEL_SEEN.lock().unwrap().clone();
    assert_eq!(seen[0], "CancelRequested");
    assert!(started_on_pool(&seen[1]), "ran on `{}`", seen[1]);
    worker.stop().await;
}

/// Without a server: an `ActivityEnvironment` runs blocking activities on its own pool.
#[tokio::test(flavor = "current_thread")]
async fn the_test_environment_has_its_own_blocking_pool() {
    let env = ActivityEnvironment::new();
    let thread: String = env.run::<where_am_i, _>(()).await.unwrap();
    assert!(thread.starts_with("activity-env-blocking-"), "{thread}");
}

/// Collects the messages of warnings logged on this thread.
struct Warnings(std::sync::Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            let mut message = String::new();
            event.record(
                &mut |field: &tracing::field::Field, value: &dyn std::fmt::Debug| {
                    if field.name() == "message" {
                        message = format!("{value:?}");
                    }
                },
            );
            self.0.lock().unwrap().push(message);
        }
    }
}

/// A worker that may start more activities than its blocking pool runs says so when it is built,
/// naming its blocking activities; one without blocking activities does not.
#[tokio::test(flavor = "current_thread")]
async fn a_pool_smaller_than_max_concurrent_activities_is_warned_about() {
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = std::sync::Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(Warnings(warnings.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = common::server().await;
    for (activities, expected) in [(activities![where_am_i, quick], 1), (activities![quick], 0)] {
        warnings.lock().unwrap().clear();
        let _worker = activity_runtime::Worker::builder()
            .target(server.address())
            .task_queue(common::unique_task_queue("warn"))
            .register(activities)
            .max_concurrent_activities(10)
            .blocking_threads(2)
            .build()
            .await
            .unwrap();
        let seen: Vec<String> = warnings
            .lock()
            .unwrap()
            .iter()
            .filter(|w| w.contains("blocking"))
            .cloned()
            .collect();
        assert_eq!(seen.len(), expected, "{seen:?}");
        if expected == 1 {
            assert!(
                seen[0]
                    .contains("10 activities at once but only 2 blocking activities (where_am_i)"),
                "{seen:?}"
            );
        }
    }
}
