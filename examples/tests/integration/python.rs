//! Running the Python scripts of `tests/python/` and the Node.js scripts of `tests/typescript/`:
//! each prints one JSON report as its last line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Python interpreter with the pinned SDK, or a failure that says how to get it.
fn python() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fallback = workspace.join(".tools/venv/bin/python");
    let from_env = std::env::var_os("TEMPORAL_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    if let Some(path) = from_env.iter().find(|p| p.exists()) {
        return path.clone();
    }
    if fallback.exists() {
        return fallback;
    }
    panic!(
        "the Python interop tests need Python with temporalio 1.35.0, cryptography and msgpack: \
         run `make tools` in {}",
        workspace.display(),
    );
}

/// Runs `tests/python/<script>` with `args` (flag, value) and returns the JSON of the last line
/// it prints; fails the test, with its output, when it fails or runs over two minutes.
pub(crate) async fn run_script(script: &str, args: &[(&str, &str)]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let mut command = Command::new(python());
    command.arg(&script);
    for (flag, value) in args {
        command.args([flag, value]);
    }
    run(command, &script.display().to_string()).await
}

/// The pinned TypeScript packages (`TEMPORAL_NODE_MODULES`, else `.tools/ts/node_modules`), or a
/// failure that says how to get them.
fn node_modules() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = std::env::var_os("TEMPORAL_NODE_MODULES")
        .filter(|p| !p.is_empty())
        .map_or_else(|| workspace.join(".tools/ts/node_modules"), PathBuf::from);
    assert!(
        path.join("@temporalio/worker/package.json").exists(),
        "the TypeScript interop tests need @temporalio/* 1.24 in {} (TEMPORAL_NODE_MODULES): run \
         `make tools` in {}",
        path.display(),
        workspace.display()
    );
    path
}

/// Runs `tests/typescript/<script>` with Node.js (`TEMPORAL_NODE`, else `node`) and `args`, as
/// [`run_script`] does.
pub(crate) async fn run_node_script(script: &str, args: &[(&str, &str)]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/typescript")
        .join(script);
    let node = std::env::var_os("TEMPORAL_NODE")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let modules = node_modules();
    let mut command = Command::new(node);
    // `NODE_PATH` too: modules the script writes elsewhere (a payload converter the SDK loads by
    // path) find the packages there.
    command
        .env("TEMPORAL_NODE_MODULES", &modules)
        .env("NODE_PATH", &modules)
        .arg(&script);
    for (flag, value) in args {
        command.args([flag, value]);
    }
    run(command, &script.display().to_string()).await
}

async fn run(mut command: Command, script: &str) -> Value {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {script}: {err}"));
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
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    let status = status.unwrap_or_else(|| panic!("{script} timed out\n{stdout}\n{stderr}"));
    assert!(
        status.success(),
        "{script} failed ({status})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {line}\n--- stderr ---\n{stderr}"))
}
