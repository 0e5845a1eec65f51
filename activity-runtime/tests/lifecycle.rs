//! Stopping and pausing as production does, against a real dev server: a shutdown that ends
//! within its bound whatever the activities do, and pause, unpause and reset (through the
//! `temporal` CLI, and pause through the Python SDK's activity handle) ending an attempt as the retryable `ActivityPause` / `ActivityReset` failure
//! the server records at once, for async, blocking and process-isolated activities.
//!
//! A test binary of its own with `harness = false`: process-isolated activities re-execute it.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use activity_runtime::client::ClientError;
use activity_runtime::{ActivityContext, ActivityError, activities, activity};

/// Ignores cancellation: sleeps for two minutes on the async threads.
#[activity]
async fn stubborn_async(started: String) -> String {
    std::fs::write(&started, "").unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    "finished".to_owned()
}

/// Ignores cancellation: sleeps for two minutes on a blocking thread.
#[activity]
fn stubborn_blocking(started: String) -> String {
    std::fs::write(&started, "").unwrap();
    std::thread::sleep(Duration::from_secs(120));
    "finished".to_owned()
}

/// Ignores cancellation: sleeps for two minutes in a child process.
#[activity(isolation = "process")]
fn stubborn_process(started: String) -> String {
    std::fs::write(&started, "").unwrap();
    std::thread::sleep(Duration::from_secs(120));
    "finished".to_owned()
}

/// The first run (marked by creating `marker`) heartbeats until it is cancelled and then returns
/// a cancellation, as the README advises; a later run returns its attempt number at once.
async fn beat_until_cancelled(ctx: &ActivityContext, marker: &str) -> Result<u32, ActivityError> {
    if std::fs::metadata(marker).is_ok() {
        return Ok(ctx.info().attempt);
    }
    std::fs::write(marker, "").unwrap();
    loop {
        ctx.heartbeat(&"working")?;
        tokio::select! {
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

#[activity]
async fn beat_async(ctx: ActivityContext, marker: String) -> Result<u32, ActivityError> {
    beat_until_cancelled(&ctx, &marker).await
}

/// The blocking form of [`beat_until_cancelled`]; this one returns an ordinary error when
/// cancelled, which must end the attempt as paused or reset all the same.
fn beat_blocking_body(ctx: &ActivityContext, marker: &str) -> Result<u32, ActivityError> {
    if std::fs::metadata(marker).is_ok() {
        return Ok(ctx.info().attempt);
    }
    std::fs::write(marker, "").unwrap();
    loop {
        ctx.heartbeat(&"working")?;
        if ctx.wait_cancelled_timeout(Duration::from_millis(100)) {
            return Err(ActivityError::new("stopped: I was told to"));
        }
    }
}

#[activity]
fn beat_blocking(ctx: ActivityContext, marker: String) -> Result<u32, ActivityError> {
    beat_blocking_body(&ctx, &marker)
}

#[activity(isolation = "process")]
fn beat_process(ctx: ActivityContext, marker: String) -> Result<u32, ActivityError> {
    beat_blocking_body(&ctx, &marker)
}

fn temp_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("lifecycle-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

async fn wait_for_file(path: &PathBuf, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(path).is_err() {
        assert!(Instant::now() < deadline, "{what} never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `temporal activity <args>` against the shared server; its JSON output, parsed.
async fn cli(args: &[&str]) -> serde_json::Value {
    let server = common::server().await;
    let output = Command::new(server.cli_path())
        .arg("activity")
        .args(args)
        .args(["--address", server.address(), "--output", "json"])
        .output()
        .expect("the temporal CLI runs");
    assert!(
        output.status.success(),
        "temporal activity {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null)
}

/// Polls `temporal activity describe` until its last failure has type `error_type`.
async fn wait_for_last_failure(activity_id: &str, error_type: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let described = cli(&["describe", "--activity-id", activity_id]).await;
        let text = described.to_string();
        if text.contains(&format!("\"{error_type}\"")) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the server recorded no `{error_type}` failure for {activity_id} within {within:?}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An activity that ignores its cancellation does not keep the worker alive: each attempt still
/// running past the bound is reported as the retryable `WorkerShutdown` failure and `run` returns.
async fn shutdown_is_bounded() {
    let worker = common::start_worker_with(
        "bounded",
        activities![stubborn_async, stubborn_blocking, stubborn_process],
        |b| {
            b.shutdown_abandon_after(Duration::from_secs(2))
                .process_grace_period(Duration::from_secs(1))
        },
    )
    .await;
    let client = common::client().await;
    let mut handles = Vec::new();
    for activity in ["stubborn_async", "stubborn_blocking", "stubborn_process"] {
        let started = temp_path(activity);
        let handle = client
            .start_activity(
                activity,
                (started.to_str().unwrap(),),
                common::one_attempt(&worker.task_queue)
                    .start_to_close_timeout(Duration::from_secs(300)),
            )
            .await
            .unwrap();
        wait_for_file(&started, activity).await;
        handles.push((activity, handle));
    }
    let stopping = Instant::now();
    worker.stop().await;
    let stopped_in = stopping.elapsed();
    assert!(
        stopped_in < Duration::from_secs(8),
        "the worker took {stopped_in:?} to stop; the bound is 2 s after the cancellation"
    );
    for (activity, handle) in handles {
        let result = tokio::time::timeout(Duration::from_secs(10), handle.result::<String>())
            .await
            .unwrap_or_else(|_| panic!("{activity}: no result 10 s after the worker stopped"));
        let Err(ClientError::Failed(failure)) = result else {
            panic!("{activity}: expected a WorkerShutdown failure, got {result:?}");
        };
        let failure = failure.cause.as_deref().unwrap_or(&failure);
        assert_eq!(
            failure.error_type, "WorkerShutdown",
            "{activity}: {failure}"
        );
        assert!(!failure.non_retryable, "{activity}: {failure}");
    }
    println!("shutdown_is_bounded: the worker stopped in {stopped_in:?}");
}

/// Pause, then unpause, and reset, through the CLI: the attempt ends as the failure the server
/// expects, which `describe` shows at once, and the next run completes.
async fn pause_and_reset(activity: &str) {
    let worker = common::start_worker_with(
        "pause",
        activities![beat_async, beat_blocking, beat_process],
        |b| b.process_grace_period(Duration::from_secs(5)),
    )
    .await;
    let client = common::client().await;
    // A heartbeat timeout of 3 s makes core send heartbeats (and so learn of a pause) every
    // 2.4 s; one of 120 s keeps the server from ending the attempt by timeout meanwhile, so
    // the failure it records is the worker's.
    let options = |id: &str| {
        common::one_attempt(&worker.task_queue)
            .maximum_attempts(0)
            .id(id)
            .heartbeat_timeout(Duration::from_secs(3))
            .start_to_close_timeout(Duration::from_secs(120))
            .initial_retry_interval(Duration::from_secs(1))
    };
    // Starts `activity` under an id of its own for `case` and waits until its first run is on.
    let start_running = |case: &'static str| {
        let client = client.clone();
        let id = format!("{activity}-{case}-{}", std::process::id());
        let options = options(&id);
        async move {
            let marker = temp_path(&id);
            let handle = client
                .start_activity(activity, (marker.to_str().unwrap(),), options)
                .await
                .unwrap();
            wait_for_file(&marker, &id).await;
            (id, handle)
        }
    };

    let (id, handle) = start_running("pause").await;
    let paused_at = Instant::now();
    cli(&["pause", "--activity-id", &id]).await;
    wait_for_last_failure(&id, "ActivityPause", Duration::from_secs(10)).await;
    let recorded_in = paused_at.elapsed();
    cli(&["unpause", "--activity-id", &id]).await;
    let unpaused_at = Instant::now();
    let attempt: u32 = tokio::time::timeout(Duration::from_secs(15), handle.result())
        .await
        .expect("the unpaused activity runs again within its retry interval")
        .unwrap();
    assert!(attempt >= 2, "{activity}: attempt {attempt}");
    println!(
        "{activity}: pause recorded in {recorded_in:?}, completed {:?} after unpause",
        unpaused_at.elapsed()
    );

    // The same through the Python SDK's activity handle: pause, describe, unpause.
    let (id, handle) = start_running("python-pause").await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/pause.py");
    let server = common::server().await;
    let mut command = Command::new(common::python());
    command
        .arg(&script)
        .args(["--address", server.address(), "--activity-id", &id]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the Python pause script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pause.py failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let described: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|err| panic!("pause.py printed no JSON ({err}): {stdout}"));
    assert_eq!(described["type"], "ActivityPause", "{described}");
    assert_eq!(
        described["message"], "Unhandled activity cancel error produced by activity pause",
        "{described}"
    );
    assert_eq!(described["non_retryable"], false, "{described}");
    let attempt: u32 = tokio::time::timeout(Duration::from_secs(15), handle.result())
        .await
        .expect("the activity unpaused by Python runs again within its retry interval")
        .unwrap();
    assert!(attempt >= 2, "{activity}: attempt {attempt}");
    println!(
        "{activity}: Python's describe() showed ActivityPause {:.1} s after pause()",
        described["recorded_after_s"].as_f64().unwrap_or(f64::NAN)
    );

    let (id, handle) = start_running("reset").await;
    let reset_at = Instant::now();
    cli(&["reset", "--activity-id", &id]).await;
    wait_for_last_failure(&id, "ActivityReset", Duration::from_secs(10)).await;
    tokio::time::timeout(Duration::from_secs(15), handle.result::<u32>())
        .await
        .expect("the reset activity runs again at once")
        .unwrap();
    println!(
        "{activity}: reset and completed in {:?}",
        reset_at.elapsed()
    );
    worker.stop().await;
}

fn main() {
    activity_runtime::process::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        shutdown_is_bounded().await;
        for activity in ["beat_async", "beat_blocking", "beat_process"] {
            pause_and_reset(activity).await;
        }
        println!("lifecycle: {:.1} s", started.elapsed().as_secs_f64());
        println!("lifecycle: 4 passed, 0 failed");
    });
}
