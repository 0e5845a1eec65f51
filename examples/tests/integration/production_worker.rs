//! The `production_worker` example stopped as orchestrators stop it: SIGTERM fails its running
//! attempts as the retryable `WorkerShutdown` failure, which the server records at once, and a
//! second worker finishes them long before their heartbeat timeout; a second SIGTERM ends the
//! graceful period at once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::DevServer;

/// A worker process and the lines it prints.
struct WorkerProcess {
    child: Child,
    lines: Receiver<String>,
    /// What it logged on stderr (a pipe, as a log file or a container's log driver).
    logs: Arc<Mutex<String>>,
}

impl WorkerProcess {
    fn start(server: &DevServer, task_queue: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_production_worker"))
            .env("TEMPORAL_ADDRESS", server.address())
            .env("TEMPORAL_NAMESPACE", server.namespace())
            .env("EXAMPLE_TASK_QUEUE", task_queue)
            .env("HOME", std::env::temp_dir())
            .env_remove("TEMPORAL_PROFILE")
            .env_remove("TEMPORAL_CONFIG_FILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("NO_COLOR")
            .env_remove("RUST_LOG")
            .spawn()
            .expect("the production_worker example starts");
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(String::new()));
        let collected = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("worker log: {line}");
                let mut logs = collected.lock().unwrap();
                logs.push_str(&line);
                logs.push('\n');
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("worker {}: {line}", std::process::id());
                let _ = tx.send(line);
            }
        });
        let worker = Self { child, lines, logs };
        worker.wait_for_line("serving", 1);
        worker
    }

    /// Waits until `count` lines containing `text` have been printed.
    fn wait_for_line(&self, text: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = 0;
        while seen < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => seen += 1,
                Ok(_) => {}
                Err(err) => {
                    panic!("the worker printed {seen} of {count} lines with {text:?}: {err}")
                }
            }
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Waits for the process to end; how long it took.
    fn wait_exit(&mut self, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the worker exited with {status}");
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "the worker was still running {within:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let mut first = WorkerProcess::start(&server, task_queue);
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

    // Its logs went to a pipe: plain text, no terminal colour codes.
    let logs = first.logs.lock().unwrap().clone();
    for expected in ["INFO", "worker started", "SIGTERM received, shutting down"] {
        assert!(logs.contains(expected), "{expected:?} not logged: {logs}");
    }
    assert!(
        !logs.contains('\u{1b}'),
        "escape codes in the logs: {logs:?}"
    );

    let _second = WorkerProcess::start(&server, task_queue);
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
    let mut worker = WorkerProcess::start(&server, task_queue);
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
    let _again = WorkerProcess::start(&server, task_queue);
    let (items, _attempt): (u32, u32) =
        tokio::time::timeout(Duration::from_secs(30), handle.result())
            .await
            .expect("another worker finishes the batch")
            .unwrap();
    assert_eq!(items, 100);
    println!("stopped {stopped_in:?} after the first of two signals");
}
