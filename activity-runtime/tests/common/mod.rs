//! Shared set-up for the integration tests: one dev server per test binary, a worker per test on
//! its own task queue, and a client.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::{Activities, ShutdownHandle, Worker, WorkerBuilder};
use temporal_dev_server::DevServer;
use tokio::sync::OnceCell;

static SERVER: OnceCell<DevServer> = OnceCell::const_new();

/// The dev server shared by the tests of this binary. It stops when the process exits.
pub async fn server() -> &'static DevServer {
    SERVER
        .get_or_init(|| async {
            DevServer::start()
                .await
                .unwrap_or_else(|err| panic!("integration tests need a Temporal dev server: {err}"))
        })
        .await
}

/// A task queue no other test uses.
pub fn unique_task_queue(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

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

/// The Python interpreter with the pinned SDK, or a failure that says how to get it.
pub fn python() -> std::path::PathBuf {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fallback = workspace.join(".tools/venv/bin/python");
    let from_env = std::env::var_os("TEMPORAL_PYTHON")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from);
    if let Some(path) = from_env.iter().find(|p| p.exists()) {
        return path.clone();
    }
    if fallback.exists() {
        return fallback;
    }
    panic!(
        "this test needs Python with temporalio 1.35.0, but TEMPORAL_PYTHON ({}) \
         and {} do not exist: run `make tools` in {}",
        from_env.map_or("unset".to_owned(), |p| p.display().to_string()),
        fallback.display(),
        workspace.display(),
    );
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
pub async fn run_json_script(mut command: Command, what: &str) -> serde_json::Value {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {what} ({command:?}): {err}"));

    // Drain both pipes on their own threads so the script never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));

    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the script") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");

    let Some(status) = status else {
        panic!(
            "{what} did not finish within {SCRIPT_TIMEOUT:?}\n\
             --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        );
    };
    assert!(
        status.success(),
        "{what} script failed ({status})\n\
         --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    if !stderr.trim().is_empty() {
        eprintln!("--- stderr of {what} ---\n{stderr}");
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("{what} printed nothing\n--- stderr ---\n{stderr}"));
    serde_json::from_str(line).unwrap_or_else(|err| {
        panic!("{what}: the last line is not JSON ({err}): {line}\n--- stderr ---\n{stderr}")
    })
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
