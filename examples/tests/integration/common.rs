//! What the example tests share: one dev server for the tests that need no server of their own,
//! the example binaries as processes, the Python interpreter with the pinned SDK, and scripts run
//! to their end.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use temporal_dev_server::DevServer;

pub use temporal_dev_server::testing::process::run_to_end;
pub use temporal_dev_server::testing::shared_server as server;
pub use temporal_dev_server::testing::tools::{
    node, python, sdk_node_modules, workspace_root as workspace,
};
pub use temporal_dev_server::testing::unique_task_queue;

/// An example binary running as its own process, and the lines it prints and logs; killed when
/// dropped.
pub struct WorkerProcess {
    child: Child,
    lines: Receiver<String>,
    name: String,
}

impl WorkerProcess {
    /// Starts `binary` (a `CARGO_BIN_EXE_…` path) against `server` on `task_queue`, with the
    /// extra environment `env`, and waits until it prints that it is serving.
    pub fn start(binary: &str, server: &DevServer, task_queue: &str, env: &[(&str, &str)]) -> Self {
        let name = Path::new(binary)
            .file_name()
            .map_or_else(|| binary.to_owned(), |n| n.to_string_lossy().into_owned());
        let mut child = Command::new(binary)
            .env("TEMPORAL_ADDRESS", server.address())
            .env("TEMPORAL_NAMESPACE", server.namespace())
            .env("EXAMPLE_TASK_QUEUE", task_queue)
            .env("HOME", std::env::temp_dir())
            .env_remove("TEMPORAL_PROFILE")
            .env_remove("TEMPORAL_CONFIG_FILE")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("the `{name}` example does not start: {err}"));
        // What it prints and what it logs, in one stream of lines.
        let (tx, lines) = std::sync::mpsc::channel();
        let pipes: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for pipe in pipes {
            let tx = tx.clone();
            let prefix = format!("{name} {}", std::process::id());
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    println!("{prefix}: {line}");
                    let _ = tx.send(line);
                }
            });
        }
        let worker = Self { child, lines, name };
        worker.wait_for_line("serving", 1);
        worker
    }

    /// Waits until `count` lines containing `text` have been printed or logged; the last one.
    pub fn wait_for_line(&self, text: &str, count: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => {
                    seen += 1;
                    if seen == count {
                        return line;
                    }
                }
                Ok(_) => {}
                Err(err) => panic!(
                    "`{}` printed {seen} of {count} lines with {text:?}: {err}",
                    self.name
                ),
            }
        }
    }

    /// Sends the process a signal (`-TERM`, `-INT`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Waits for the process to end successfully; how long it took.
    pub fn wait_exit(&mut self, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "`{}` exited with {status}", self.name);
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "`{}` was still running {within:?} after the signal",
                self.name
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

/// Runs example `binary` against `server` with the extra environment `env`, expecting it to
/// refuse to start: it must exit with status 1 within 30 s. Its stderr.
pub fn start_failure(binary: &str, server: &DevServer, env: &[(&str, &str)]) -> String {
    let mut child = Command::new(binary)
        .env("TEMPORAL_ADDRESS", server.address())
        .env("TEMPORAL_NAMESPACE", server.namespace())
        .env("HOME", std::env::temp_dir())
        .env_remove("TEMPORAL_PROFILE")
        .env_remove("TEMPORAL_CONFIG_FILE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{binary} does not start: {err}"));
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{binary} was still running after 30 s: {}",
                reader.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    assert_eq!(status.code(), Some(1), "{binary}: {status}\n{stderr}");
    stderr
}
