//! Shared set-up for the integration tests: one dev server per test binary, a worker per test on
//! its own task queue, and a client.
#![allow(dead_code)]

pub mod memory_store;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::storage::ExternalStorage;
use activity_runtime::{Activities, ShutdownHandle, Worker, WorkerBuilder};
use temporal_dev_server::testing::process;

pub use temporal_dev_server::testing::shared_server as server;
pub use temporal_dev_server::testing::tools::python;
pub use temporal_dev_server::testing::unique_task_queue;

/// A running worker; shut down (and awaited) on [`RunningWorker::stop`].
pub struct RunningWorker {
    pub task_queue: String,
    /// Where it serves metrics, when configured.
    pub metrics_address: Option<std::net::SocketAddr>,
    shutdown: ShutdownHandle,
    serving: tokio::task::JoinHandle<Result<(), activity_runtime::WorkerError>>,
}

impl RunningWorker {
    pub async fn stop(self) {
        self.shutdown.shutdown();
        tokio::time::timeout(Duration::from_secs(30), self.serving)
            .await
            .expect("worker stops within 30 s")
            .expect("worker task does not panic")
            .expect("worker stops cleanly");
    }
}

/// Starts a worker serving `activities` on a fresh task queue of the shared server.
pub async fn start_worker(prefix: &str, activities: Activities) -> RunningWorker {
    start_worker_with(prefix, activities, |builder| builder).await
}

/// Like [`start_worker`], with more settings on the builder.
pub async fn start_worker_with(
    prefix: &str,
    activities: Activities,
    configure: impl FnOnce(WorkerBuilder) -> WorkerBuilder,
) -> RunningWorker {
    let server = server().await;
    let task_queue = unique_task_queue(prefix);
    let builder = Worker::builder()
        .target(server.address())
        .task_queue(&task_queue)
        .register(activities);
    let worker = configure(builder)
        .build()
        .await
        .expect("worker builds against the dev server");
    let shutdown = worker.shutdown_handle();
    let metrics_address = worker.metrics_address();
    let serving = tokio::spawn(worker.run());
    RunningWorker {
        task_queue,
        metrics_address,
        shutdown,
        serving,
    }
}

/// A client of the shared server.
pub async fn client() -> Client {
    Client::connect(server().await.address(), "default")
        .await
        .expect("client connects to the dev server")
}

/// A client of the shared server with a connection of its own, that stores and reads large
/// payloads through `storage`.
pub async fn client_with_storage(storage: ExternalStorage) -> Client {
    Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server().await.address())
            .namespace("default")
            .external_storage(storage),
    )
    .await
    .expect("client connects to the dev server")
}

/// Options for one attempt only, so failures come back at once.
pub fn one_attempt(task_queue: &str) -> ActivityOptions {
    ActivityOptions::new(task_queue)
        .maximum_attempts(1)
        .start_to_close_timeout(Duration::from_secs(30))
}

/// Everything a `tracing_subscriber::fmt` subscriber writes, shared with the test that reads it:
/// pass `move || captured.clone()` as its writer.
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// What has been written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("log output is UTF-8")
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How long one run of the Python script may take, start-up included.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `tests/python/interop.py` (a Python workflow calling Rust activities) with workflow `workflow` against the shared dev server, its
/// activities on `activity_task_queue`, and returns the JSON line it prints.
pub async fn run_python_workflow(workflow: &str, activity_task_queue: &str) -> serde_json::Value {
    let server = server().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py");
    let workflow_task_queue = unique_task_queue(&format!("py-{workflow}-workflows"));
    let mut command = Command::new(python());
    command
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--workflow", workflow])
        .args(["--activity-task-queue", activity_task_queue])
        .args(["--workflow-task-queue", &workflow_task_queue]);
    run_json_script(command, &format!("the Python `{workflow}` workflow")).await
}

/// Runs `command` (a script that prints one JSON line last) to its end, within
/// [`SCRIPT_TIMEOUT`], and returns that line; fails with the script's output when it fails, times
/// out or prints no JSON. `what` names it in messages.
pub async fn run_json_script(command: Command, what: &str) -> serde_json::Value {
    let stdout = process::run_to_end(command, what, SCRIPT_TIMEOUT).await;
    process::last_json_line(&stdout, what)
}

/// Every sample a worker's metrics endpoint at `address` serves, as the reference parser of the
/// Prometheus text format reads it (Python's `prometheus_client`, `tests/python/parse_metrics.py`):
/// objects with `name`, `labels` and `value`. Blocking: call it off a runtime that serves the
/// endpoint.
pub fn scrape_metrics(address: std::net::SocketAddr) -> Vec<serde_json::Value> {
    parse_metrics(&get_metrics(address))
}

/// `GET /metrics`, the body.
fn get_metrics(address: std::net::SocketAddr) -> String {
    use std::io::Write as _;
    let mut stream =
        std::net::TcpStream::connect(address).expect("connects to the metrics endpoint");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// Every sample of the exposition, as the reference parser reads it.
fn parse_metrics(text: &str) -> Vec<serde_json::Value> {
    use std::io::Write as _;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/parse_metrics.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts the Python parser");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser failed: {}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the parser prints JSON")
}
