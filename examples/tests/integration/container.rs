//! The `production_worker` example in its container image (`examples/deploy/Dockerfile`), run by
//! podman as Kubernetes would run it (PID 1, uid 65532, read-only root, a tmpfs /tmp): the
//! image's runtime stage is built around the binary this test build made (the `prebuilt` target,
//! seconds), the demo's activities and a process-isolated one run through it against a dev server
//! on the host, and SIGTERM stops it within the Deployment's `terminationGracePeriodSeconds`.
//!
//! Needs podman and the runtime base image (`make image-base`); podman runs with
//! `examples/deploy/podman.conf` unless CONTAINERS_CONF says otherwise.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::DevServer;

use crate::health::{free_port, http_get, probe, probe_until};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// podman, with this repository's containers.conf unless one is set.
fn podman() -> Command {
    let mut command = Command::new(std::env::var_os("PODMAN").unwrap_or_else(|| "podman".into()));
    if std::env::var_os("CONTAINERS_CONF").is_none() {
        command.env("CONTAINERS_CONF", deploy_dir().join("podman.conf"));
    }
    command
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?} did not start ({err}): is podman installed?"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `terminationGracePeriodSeconds` of the Deployment.
fn termination_grace_period() -> Duration {
    let manifest =
        std::fs::read_to_string(deploy_dir().join("kubernetes/deployment.yaml")).unwrap();
    let seconds = manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix("terminationGracePeriodSeconds:"))
        .expect("the Deployment sets terminationGracePeriodSeconds")
        .trim()
        .parse()
        .unwrap();
    Duration::from_secs(seconds)
}

/// A container built for this test, removed at the end.
struct Container {
    name: String,
    image: String,
    child: Option<Child>,
    lines: Receiver<String>,
}

impl Container {
    fn wait_for_line(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return,
                Ok(_) => {}
                Err(err) => panic!("the container never printed {text:?}: {err}"),
            }
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman()
            .args(["rm", "--force", "--time", "0", &self.name])
            .output();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = podman().args(["rmi", "--force", &self.image]).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_serves_the_demo_as_pid_1_and_stops_on_sigterm_within_its_grace_period() {
    let id = std::process::id();
    let image = format!("localhost/production-worker:test-{id}");
    let name = format!("production-worker-test-{id}");

    // The runtime stage around the binary this build made: no second compile.
    let context = std::env::temp_dir().join(format!("image-context-{id}"));
    std::fs::create_dir_all(&context).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_production_worker"),
        context.join("production_worker"),
    )
    .unwrap();
    let built = Instant::now();
    run(podman()
        .args([
            "build",
            "--quiet",
            "--network",
            "none",
            "--target",
            "prebuilt",
        ])
        .arg("--file")
        .arg(deploy_dir().join("Dockerfile"))
        .args(["--tag", &image])
        .arg(&context));
    let _ = std::fs::remove_dir_all(&context);
    println!("runtime stage built in {:?}", built.elapsed());

    let server = DevServer::start().await.expect("a dev server");
    let task_queue = "container";
    let health: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let metrics: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    // As the Deployment runs it: its user, a read-only root, a writable /tmp.
    let mut child = podman()
        .args(["run", "--rm", "--name", &name, "--network", "host"])
        .args([
            "--read-only",
            "--tmpfs",
            "/tmp:rw,mode=1777",
            "--user",
            "65532:65532",
        ])
        .args(["--env", &format!("TEMPORAL_ADDRESS={}", server.address())])
        .args([
            "--env",
            &format!("TEMPORAL_NAMESPACE={}", server.namespace()),
        ])
        .args(["--env", &format!("EXAMPLE_TASK_QUEUE={task_queue}")])
        .args(["--env", &format!("HEALTH_ADDRESS={health}")])
        .args(["--env", &format!("METRICS_ADDRESS={metrics}")])
        .arg(&image)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("podman runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("container: {line}");
            let _ = tx.send(line);
        }
    });
    let mut container = Container {
        name,
        image,
        child: Some(child),
        lines,
    };
    let (ready, _) = probe_until(health, "/readyz", Duration::from_secs(60), |p| {
        p.status == 200
    });
    assert_eq!(ready.field("status"), "polling", "{ready:?}");

    // The worker is PID 1 of its container (its NSpid ends in 1).
    let host_pid = run(podman().args(["inspect", "--format", "{{.State.Pid}}", &container.name]));
    let status = std::fs::read_to_string(format!("/proc/{host_pid}/status")).unwrap();
    let nspid = status
        .lines()
        .find(|line| line.starts_with("NSpid:"))
        .unwrap();
    assert!(nspid.trim_end().ends_with("\t1"), "{nspid}");
    let exe = std::fs::read_link(format!("/proc/{host_pid}/exe")).unwrap();
    assert!(exe.ends_with("production_worker"), "{exe:?}");
    let uid = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .unwrap();
    assert!(uid.contains("65532"), "{uid}");

    // The demo's activities, and a process-isolated one (a child of PID 1 in the container).
    examples::run_client(server.address(), task_queue)
        .await
        .expect("the demo's activities run in the container");
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let (checksum, child_pid): (u64, u32) = client
        .execute_activity("checksum", ("hello",), ActivityOptions::new(task_queue))
        .await
        .expect("the process-isolated activity runs in the container");
    assert_eq!(checksum, 0xa430_d846_80aa_bd0b, "FNV-1a of \"hello\"");
    assert!(
        child_pid > 1,
        "the child's pid in the container: {child_pid}"
    );
    let (scraped, _, text) = http_get(metrics, "/metrics").expect("the metrics endpoint answers");
    assert_eq!(scraped, 200);
    assert!(
        text.contains("temporal_activity_execution_latency"),
        "the metrics endpoint: {text}"
    );

    // SIGTERM with a batch running: not ready at once, gone within the grace period.
    let options = ActivityOptions::new(task_queue)
        .id(format!("container-batch-{id}"))
        .heartbeat_timeout(Duration::from_secs(60))
        .start_to_close_timeout(Duration::from_secs(300));
    client
        .start_activity("process_batch", (100u32,), options)
        .await
        .unwrap();
    container.wait_for_line("attempt 1 started");
    run(podman().args(["kill", "--signal", "TERM", &container.name]));
    let signalled = Instant::now();
    if let Ok(answer) = probe(health, "/readyz") {
        assert_eq!(answer.status, 503, "{answer:?}");
    }
    let bound = termination_grace_period();
    let mut child = container.child.take().unwrap();
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < bound,
            "the container still ran {bound:?} after SIGTERM (terminationGracePeriodSeconds)"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let stopped_in = signalled.elapsed();
    assert!(exit.success(), "the worker exited with {exit}");
    assert!(
        stopped_in >= Duration::from_secs(4),
        "stopped {stopped_in:?} after SIGTERM, before its graceful period (5 s)"
    );
    println!("stopped {stopped_in:?} after SIGTERM (bound {bound:?})");
}
