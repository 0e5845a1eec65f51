//! Running the Python scripts of `tests/python/` and the Node.js scripts of `tests/typescript/`:
//! each prints one JSON report as its last line (the process itself runs through
//! `common::run_to_end`).

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use temporal_dev_server::testing::process::last_json_line;

use crate::common;

/// How long one script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `tests/python/<script>` with `args` (flag, value) and returns the JSON of the last line
/// it prints; fails the test, with its output, when it fails or runs over two minutes.
pub(crate) async fn run_script(script: &str, args: &[(&str, &str)]) -> Value {
    let script = common::workspace()
        .join("examples/tests/python")
        .join(script);
    let mut command = Command::new(common::python());
    command.arg(&script);
    run(command, args, &script.display().to_string()).await
}

/// Runs `tests/typescript/<script>` with Node.js (`TEMPORAL_NODE`, else `node`) and `args`, as
/// [`run_script`] does.
pub(crate) async fn run_node_script(script: &str, args: &[(&str, &str)]) -> Value {
    let script = common::workspace()
        .join("examples/tests/typescript")
        .join(script);
    let modules = common::sdk_node_modules();
    let mut command = Command::new(common::node());
    // `NODE_PATH` too: modules the script writes elsewhere (a payload converter the SDK loads by
    // path) find the packages there.
    command
        .env("TEMPORAL_NODE_MODULES", &modules)
        .env("NODE_PATH", &modules)
        .arg(&script);
    run(command, args, &script.display().to_string()).await
}

async fn run(mut command: Command, args: &[(&str, &str)], what: &str) -> Value {
    for (flag, value) in args {
        command.args([flag, value]);
    }
    let stdout = common::run_to_end(command, what, SCRIPT_TIMEOUT).await;
    last_json_line(&stdout, what)
}
