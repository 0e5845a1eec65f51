//! Running the Python scripts of `tests/python/`: each prints one JSON report as its last line.

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
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {}: {err}", script.display()));
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
    let status =
        status.unwrap_or_else(|| panic!("the Python script timed out\n{stdout}\n{stderr}"));
    assert!(
        status.success(),
        "the Python script failed ({status})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {line}\n--- stderr ---\n{stderr}"))
}
