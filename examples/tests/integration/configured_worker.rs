//! The `configured_worker` example gets its connection only from the environment, or only from a
//! `temporal.toml` profile: the variables are set on the child process, never on this one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use temporal_dev_server::DevServer;

/// The variables that could leak in from the environment of the test run.
const CONNECTION_VARS: &[&str] = &[
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_PROFILE",
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_TLS",
];

fn worker_command(task_queue: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_configured_worker"));
    for var in CONNECTION_VARS {
        command.env_remove(var);
    }
    command
        .env("EXAMPLE_TASK_QUEUE", task_queue)
        // No ~/.config/temporalio/temporal.toml of the machine: only what the test gives.
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command
}

/// Waits for the worker's "serving" line and returns it.
fn wait_ready(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains("serving")
        {
            return line;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the configured worker exited early: {status}");
        }
    }
    panic!("the configured worker did not start within 60 s");
}

/// `temporal activity execute` through the worker; returns the CLI's stdout.
fn say_hello_through_cli(server: &DevServer, task_queue: &str) -> String {
    let output = Command::new(server.cli_path())
        .args([
            "activity",
            "execute",
            "--activity-id",
            &format!("{task_queue}-1"),
        ])
        .args(["--type", "say_hello", "--task-queue", task_queue])
        .args(["--start-to-close-timeout", "30s", "--input", "\"Config\""])
        .args(["--address", server.address()])
        .env_remove("TEMPORAL_ADDRESS")
        .output()
        .expect("the temporal CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "CLI failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_connects_from_environment_variables_only() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("env-configured-{}", std::process::id());
    let mut child = worker_command(&task_queue)
        .env("TEMPORAL_ADDRESS", server.address())
        .env("TEMPORAL_NAMESPACE", server.namespace())
        .spawn()
        .expect("the configured worker starts");
    let ready = wait_ready(&mut child);
    assert!(
        ready.contains(&format!("namespace `{}`", server.namespace())),
        "{ready}"
    );
    let stdout = say_hello_through_cli(&server, &task_queue);
    let _ = child.kill();
    let _ = child.wait();
    assert!(stdout.contains("\"Hello, Config!\""), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_connects_from_a_config_profile_only() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("profile-configured-{}", std::process::id());
    let dir = std::env::temp_dir().join(format!("configured-worker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("temporal.toml");
    // The default profile points nowhere: only the selected one works.
    std::fs::write(
        &config,
        format!(
            "[profile.default]\naddress = \"127.0.0.1:1\"\n\n[profile.ci]\naddress = \"{}\"\nnamespace = \"{}\"\n",
            server.address(),
            server.namespace()
        ),
    )
    .unwrap();
    let mut child = worker_command(&task_queue)
        .env("TEMPORAL_CONFIG_FILE", &config)
        .env("TEMPORAL_PROFILE", "ci")
        .spawn()
        .expect("the configured worker starts");
    wait_ready(&mut child);
    let stdout = say_hello_through_cli(&server, &task_queue);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(stdout.contains("\"Hello, Config!\""), "{stdout}");
}

/// A bad setting ends the example with the error's message, as a person reads it: `Error:
/// invalid worker setting ...`, not the `Debug` form of the error (`Error: InvalidSetting {
/// setting: ..., reason: ... }`).
#[test]
fn a_bad_setting_prints_the_readable_message() {
    let output = worker_command(" ")
        // As a user runs it: no backtrace after the message.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("the configured worker runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "Error: invalid worker setting `task_queue`: it is empty; give the name of the task \
             queue to poll"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("InvalidSetting"), "{stderr}");
    assert!(!stderr.contains('{'), "{stderr}");
}
