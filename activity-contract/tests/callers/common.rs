//! What the tests share: one dev server, the example worker, the tools, and running a program
//! within a time limit.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use activity_runtime::ShutdownHandle;
use activity_runtime::contract::Contract;
use temporal_dev_server::testing::{process, tools};

pub use temporal_dev_server::testing::process::{printed, run};
pub use temporal_dev_server::testing::shared_server as server;
pub use temporal_dev_server::testing::tools::{
    contract_node_modules, node, python, sdk_node_modules,
};
pub use temporal_dev_server::testing::unique_task_queue;

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

/// `datamodel-codegen` beside the venv's Python.
pub fn datamodel_codegen() -> PathBuf {
    tools::venv_program("datamodel-codegen")
}

/// A fresh folder under the target's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique_task_queue(name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// The last line of stdout, as JSON; the program must have succeeded.
pub fn json_line(output: &Output, what: &str) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(output)
    );
    process::last_json_line(&String::from_utf8_lossy(&output.stdout), what)
}
