//! The `production_worker` example stopped as orchestrators stop it: SIGTERM fails its running
//! attempts as the retryable `WorkerShutdown` failure, which the server records at once, and a
//! second worker finishes them long before their heartbeat timeout; a second SIGTERM ends the
//! graceful period at once.

use std::process::Command;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::DevServer;

use crate::common::WorkerProcess;

/// The `production_worker` example on `task_queue`, its metrics on a free port.
fn start_worker(server: &DevServer, task_queue: &str) -> WorkerProcess {
    WorkerProcess::start(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        task_queue,
        &[("METRICS_ADDRESS", "127.0.0.1:0")],
    )
}

fn batch_options(task_queue: &str, id: &str) -> ActivityOptions {
    ActivityOptions::new(task_queue)
        .id(id)
        .heartbeat_timeout(Duration::from_secs(60))
        .start_to_close_timeout(Duration::from_secs(300))
        .initial_retry_interval(Duration::from_secs(1))
}

/// The last failure the server recorded for activity `id`, from `temporal activity describe`.
fn last_failure(server: &DevServer, id: &str) -> String {
    let output = Command::new(server.cli_path())
        .args(["activity", "describe", "--activity-id", id])
        .args([
            "--address",
            server.address(),
            "--namespace",
            server.namespace(),
        ])
        .args(["--output", "json"])
        .output()
        .expect("the temporal CLI runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_fails_running_attempts_for_another_worker_to_finish_at_once() {
    let server = DevServer::start().await.expect("a dev server");
    let task_queue = "production-sigterm";
    let mut first = start_worker(&server, task_queue);
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let ids = ["batch-0", "batch-1", "batch-2"];
    let mut handles = Vec::new();
    for id in ids {
        handles.push(
            client
                .start_activity("process_batch", (100u32,), batch_options(task_queue, id))
                .await
                .unwrap(),
        );
    }
    first.wait_for_line("attempt 1 started", ids.len());

    let signalled = Instant::now();
    first.signal("-TERM");
    // The graceful period is 5 s; the batches return their cancellation at once after it.
    let stopped_in = first.wait_exit(Duration::from_secs(15));
    assert!(
        stopped_in >= Duration::from_secs(4),
        "the worker stopped after {stopped_in:?}, before its graceful period"
    );
    for id in ids {
        let described = last_failure(&server, id);
        assert!(
            described.contains("WorkerShutdown"),
            "the server recorded no WorkerShutdown failure for {id}: {described}"
        );
    }

    let _second = start_worker(&server, task_queue);
    for handle in handles {
        let (items, attempt): (u32, u32) =
            tokio::time::timeout(Duration::from_secs(30), handle.result())
                .await
                .expect("the second worker finishes the batch")
                .unwrap();
        assert_eq!(items, 100);
        assert_eq!(attempt, 2);
    }
    let finished_in = signalled.elapsed();
    assert!(
        finished_in < Duration::from_secs(40),
        "the batches finished {finished_in:?} after SIGTERM; their heartbeat timeout is 60 s"
    );
    println!("stopped {stopped_in:?} after SIGTERM; all batches done {finished_in:?} after it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_stops_at_once() {
    let server = DevServer::start().await.expect("a dev server");
    let task_queue = "production-second-signal";
    let mut worker = start_worker(&server, task_queue);
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let handle = client
        .start_activity(
            "process_batch",
            (100u32,),
            batch_options(task_queue, "batch-twice"),
        )
        .await
        .unwrap();
    worker.wait_for_line("attempt 1 started", 1);
    worker.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    worker.signal("-TERM");
    let stopped_in = worker.wait_exit(Duration::from_secs(4));
    let described = last_failure(&server, "batch-twice");
    assert!(described.contains("WorkerShutdown"), "{described}");
    let _again = start_worker(&server, task_queue);
    let (items, _attempt): (u32, u32) =
        tokio::time::timeout(Duration::from_secs(30), handle.result())
            .await
            .expect("another worker finishes the batch")
            .unwrap();
    assert_eq!(items, 100);
    println!("stopped {stopped_in:?} after the first of two signals");
}
