//! What the tests share: one dev server, the example worker, the tools, and running a program
//! within a time limit.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use activity_runtime::ShutdownHandle;
use activity_runtime::contract::Contract;
use temporal_dev_server::DevServer;
use tokio::sync::OnceCell;

static SERVER: OnceCell<DevServer> = OnceCell::const_new();

/// The dev server shared by the tests of this binary.
pub async fn server() -> &'static DevServer {
    SERVER
        .get_or_init(|| async {
            DevServer::start()
                .await
                .unwrap_or_else(|err| panic!("these tests need a Temporal dev server: {err}"))
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

/// The example worker (`examples::worker`) on a fresh task queue of the shared server.
pub struct ExampleWorker {
    pub task_queue: String,
    shutdown: ShutdownHandle,
    serving: tokio::task::JoinHandle<Result<(), activity_runtime::WorkerError>>,
}

impl ExampleWorker {
    pub async fn start() -> Self {
        let server = server().await;
        let task_queue = unique_task_queue("typed-callers");
        let worker = examples::worker(server.address(), &task_queue)
            .await
            .expect("the example worker builds against the dev server");
        let shutdown = worker.shutdown_handle();
        let serving = tokio::spawn(worker.run());
        Self {
            task_queue,
            shutdown,
            serving,
        }
    }

    pub async fn stop(self) {
        self.shutdown.shutdown();
        tokio::time::timeout(Duration::from_secs(30), self.serving)
            .await
            .expect("the worker stops within 30 s")
            .expect("the worker task does not panic")
            .expect("the worker stops cleanly");
    }
}

/// The contract the example worker serves.
pub fn example_contract() -> Contract {
    examples::activities().contract()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `var`'s path if set, else `fallback` under the workspace; it must hold `probe`.
fn tool_path(var: &str, fallback: &str, probe: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .filter(|p| !p.is_empty())
        .map_or_else(|| workspace().join(fallback), PathBuf::from);
    assert!(
        path.join(probe).exists(),
        "these tests need {what} in {} ({var}): run `make test-tools` in {}",
        path.display(),
        workspace().display()
    );
    path
}

/// The Python interpreter of the pinned venv (the SDK, mypy, datamodel-code-generator).
pub fn python() -> PathBuf {
    let python = std::env::var_os("TEMPORAL_PYTHON")
        .filter(|p| !p.is_empty())
        .map_or_else(|| workspace().join(".tools/venv/bin/python"), PathBuf::from);
    assert!(
        python.exists(),
        "these tests need Python with temporalio, mypy and datamodel-code-generator: {} does \
         not exist; run `make test-tools`",
        python.display()
    );
    python
}

/// `datamodel-codegen` beside the venv's Python.
pub fn datamodel_codegen() -> PathBuf {
    let path = python().with_file_name("datamodel-codegen");
    assert!(
        path.exists(),
        "these tests need datamodel-code-generator: {} does not exist; run `make test-tools`",
        path.display()
    );
    path
}

/// The pinned TypeScript SDK.
pub fn sdk_node_modules() -> PathBuf {
    tool_path(
        "TEMPORAL_NODE_MODULES",
        ".tools/ts/node_modules",
        "@temporalio/worker/package.json",
        "@temporalio/worker, workflow and client 1.24",
    )
}

/// The pinned typescript and json-schema-to-typescript.
pub fn contract_node_modules() -> PathBuf {
    tool_path(
        "TEMPORAL_CONTRACT_NODE_MODULES",
        ".tools/contract-ts/node_modules",
        ".bin/json2ts",
        "typescript and json-schema-to-typescript",
    )
}

/// Node.js.
pub fn node() -> PathBuf {
    std::env::var_os("TEMPORAL_NODE")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("node"), PathBuf::from)
}

/// A fresh folder under the target's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique_task_queue(name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs `command` to its end within `limit` (killed after it) on a blocking thread, and returns
/// its output; `what` names it in messages.
pub async fn run(mut command: Command, limit: Duration, what: &str) -> Output {
    let what = what.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {what} ({command:?}): {err}"));
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for the child") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let err = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
                panic!("{what} did not finish within {limit:?}; stderr:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    })
    .await
    .expect("the runner thread does not panic")
}

/// What a program printed, both streams.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The last line of stdout, as JSON.
pub fn json_line(output: &Output, what: &str) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(output)
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("{what} printed no JSON:\n{}", printed(output)));
    serde_json::from_str(line).unwrap_or_else(|err| panic!("{what}: {err}: {line}"))
}
