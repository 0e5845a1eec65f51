//! Programs run to their end within a time limit, their output read without blocking them, and
//! the JSON line a script prints last.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How often a running program is checked on.
const POLL: Duration = Duration::from_millis(50);

/// Runs `command` to its end within `limit` and returns its output, whatever its status; both
/// pipes are drained on threads of their own so that it never blocks on a full one. Panics with
/// what it printed when it does not end within `limit` (it is killed), or does not start. `what`
/// names it in messages.
pub async fn run(mut command: Command, limit: Duration, what: &str) -> Output {
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
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(POLL).await;
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        panic!(
            "{what} did not finish within {limit:?}\n{}",
            streams(&stdout, &stderr)
        );
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Like [`run`], and the program must succeed: its stdout. What it wrote to stderr is passed on
/// to the test's. Panics with what it printed when it fails.
pub async fn run_to_end(command: Command, what: &str, limit: Duration) -> String {
    let output = run(command, limit, what).await;
    assert!(
        output.status.success(),
        "{what} failed ({})\n{}",
        output.status,
        streams(&output.stdout, &output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.trim().is_empty() {
        eprintln!("--- stderr of {what} ---\n{stderr}");
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a program printed: its stdout, then its stderr.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Both streams under headings, for a failure's message.
fn streams(stdout: &[u8], stderr: &[u8]) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    )
}

/// The last line of `stdout` that is not blank, as JSON: how the test scripts report. Panics
/// when there is none or it is not JSON. `what` names the script in messages.
pub fn last_json_line(stdout: &str, what: &str) -> serde_json::Value {
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("{what} printed nothing"));
    serde_json::from_str(line)
        .unwrap_or_else(|err| panic!("{what}: the last line is not JSON ({err}): {line}"))
}
