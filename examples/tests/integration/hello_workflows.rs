//! The Python and TypeScript workflow examples run against the example worker (`--bin worker`,
//! as its own process): the guide's first program (`examples/python/hello_workflow.py`) prints
//! `Hello, World!`; `examples/python/calling_rust.py` and `examples/typescript/` print what the
//! Rust activities returned: a string, a struct argument, a blocking activity, and the blocking
//! activity that fails once and resumes from its last heartbeat.
//!
//! Needs the pinned Python SDK (`TEMPORAL_PYTHON`, else `.tools/venv/bin/python`) and the pinned
//! TypeScript SDK (`TEMPORAL_NODE_MODULES`, else `.tools/ts/node_modules`) with Node.js 20.3 or
//! later (`TEMPORAL_NODE`, else `node`); `make test-tools` installs them.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{self, WorkerProcess};

/// What both workflows print, after the name of the caller in `your_activity`'s line.
fn expected(caller: &str) -> Vec<String> {
    vec![
        "say_hello -> Hello, World!".to_owned(),
        format!("your_activity -> Hi, {caller}!"),
        "count_words -> 9".to_owned(),
        "import_rows -> 200 rows; attempt 2 resumed at row 120".to_owned(),
    ]
}

fn printed_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.contains(" -> "))
        .map(str::to_owned)
        .collect()
}

/// The guide's program as a reader runs it: the task queues are the ones in its text
/// (`hello-activities` for the Rust worker), the server comes from `TEMPORAL_ADDRESS`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_python_workflow_prints_hello_world() {
    let server = common::server().await;
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_worker"),
        server,
        "hello-activities",
        &[],
    );
    let mut command = Command::new(common::python());
    command
        .arg(common::workspace().join("examples/python/hello_workflow.py"))
        .env("TEMPORAL_ADDRESS", server.address());
    let stdout = common::run_to_end(
        command,
        "the guide's Python workflow",
        Duration::from_secs(90),
    )
    .await;
    assert_eq!(stdout.trim_end(), "Hello, World!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_workflow_example_calls_every_kind_of_activity() {
    let server = common::server().await;
    let rust_queue = common::unique_task_queue("hello-py");
    let _worker = WorkerProcess::start(env!("CARGO_BIN_EXE_worker"), server, &rust_queue, &[]);

    let script = common::workspace().join("examples/python/calling_rust.py");
    let mut command = Command::new(common::python());
    command
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--rust-task-queue", &rust_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("hello-py-workflows"),
        ]);
    let started = Instant::now();
    let stdout = common::run_to_end(
        command,
        "the Python workflow example",
        Duration::from_secs(90),
    )
    .await;
    eprintln!("the Python workflow example took {:?}", started.elapsed());
    assert_eq!(printed_lines(&stdout), expected("Python"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_workflow_example_calls_the_example_worker() {
    let (node, modules) = (common::node(), common::sdk_node_modules());
    let server = common::server().await;
    let rust_queue = common::unique_task_queue("hello-ts");
    let _worker = WorkerProcess::start(env!("CARGO_BIN_EXE_worker"), server, &rust_queue, &[]);

    let script = common::workspace().join("examples/typescript/run.js");
    let mut command = Command::new(node);
    command
        .env("TEMPORAL_NODE_MODULES", &modules)
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--rust-task-queue", &rust_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("hello-ts-workflows"),
        ]);
    let started = Instant::now();
    let stdout = common::run_to_end(
        command,
        "the TypeScript workflow example",
        Duration::from_secs(120),
    )
    .await;
    eprintln!(
        "the TypeScript workflow example took {:?}",
        started.elapsed()
    );
    assert_eq!(printed_lines(&stdout), expected("TypeScript"), "{stdout}");
}

/// The TypeScript example declares the versions the test runs it with: those of the runtime's
/// TypeScript test, which `make test-tools` installs into `.tools/ts`.
#[test]
fn the_typescript_example_pins_the_tested_sdk_versions() {
    let dependencies = |path: &str| {
        let text = std::fs::read_to_string(common::workspace().join(path)).unwrap();
        let package: serde_json::Value = serde_json::from_str(&text).unwrap();
        package["dependencies"].clone()
    };
    assert_eq!(
        dependencies("examples/typescript/package.json"),
        dependencies("activity-runtime/tests/typescript/package.json"),
        "update both package.json files (and their package-lock.json) together"
    );
}
