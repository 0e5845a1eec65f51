//! The `production_worker` example's health probes through a whole life, as a kubelet sees them:
//! not ready while it waits for a server that is not there yet, ready while it polls, not ready
//! while the server is down for longer than its limit and ready again when it returns, not ready
//! within a second of SIGTERM; live throughout; every body JSON with a reason.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::{DevServer, DevServerOptions};

/// What a probe answered: the HTTP status and the JSON body.
#[derive(Debug)]
pub(crate) struct Probe {
    pub(crate) status: u16,
    pub(crate) body: serde_json::Value,
}

impl Probe {
    pub(crate) fn field(&self, name: &str) -> &str {
        self.body[name].as_str().unwrap_or_default()
    }
}

/// `GET path` on `address` (1 s timeout): the status, the head and the body.
pub(crate) fn http_get(address: SocketAddr, path: &str) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: kube-probe/1.33\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {response:?}"));
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP body in {response:?}"));
    Ok((status, head.to_owned(), body.to_owned()))
}

/// `GET path` on `address`, as a kubelet's HTTP probe sends it.
pub(crate) fn probe(address: SocketAddr, path: &str) -> std::io::Result<Probe> {
    let (status, head, body) = http_get(address, path)?;
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body = serde_json::from_str(&body)
        .unwrap_or_else(|err| panic!("the body of {path} is not JSON ({err}): {body:?}"));
    Ok(Probe { status, body })
}

/// Probes `path` until `accept` takes the answer; panics with the last answer after `within`.
pub(crate) fn probe_until(
    address: SocketAddr,
    path: &str,
    within: Duration,
    accept: impl Fn(&Probe) -> bool,
) -> (Probe, Duration) {
    let started = Instant::now();
    loop {
        let answer = probe(address, path);
        match &answer {
            Ok(probe) if accept(probe) => return (answer.unwrap(), started.elapsed()),
            _ if started.elapsed() > within => {
                panic!("{path} did not answer as expected within {within:?}; last: {answer:?}")
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Asserts a probe's status matches its body, and that the body says why.
fn check(probe: &Probe, path: &str) {
    let up = probe.body[if path == "/livez" { "live" } else { "ready" }]
        .as_bool()
        .unwrap_or_else(|| panic!("{path} has no boolean: {:?}", probe.body));
    assert_eq!(probe.status, if up { 200 } else { 503 }, "{probe:?}");
    assert!(!probe.field("reason").is_empty(), "{probe:?}");
    assert!(!probe.field("status").is_empty(), "{probe:?}");
}

fn live(health: SocketAddr) {
    let answer = probe(health, "/livez").expect("/livez answers");
    check(&answer, "/livez");
    assert_eq!(answer.status, 200, "{answer:?}");
}

fn not_ready(health: SocketAddr, status: &str) -> Probe {
    let answer = probe(health, "/readyz").expect("/readyz answers");
    check(&answer, "/readyz");
    assert_eq!(
        (answer.status, answer.field("status")),
        (503, status),
        "{answer:?}"
    );
    answer
}

fn wait_ready(health: SocketAddr, within: Duration) -> Duration {
    let (answer, after) = probe_until(health, "/readyz", within, |p| p.status == 200);
    check(&answer, "/readyz");
    assert_eq!(answer.field("status"), "polling", "{answer:?}");
    after
}

const UNREACHABLE_AFTER: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_follow_the_worker_through_an_outage_and_a_sigterm() {
    let port = free_port();
    let health: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let db = std::env::temp_dir().join(format!("health-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let server_options = DevServerOptions {
        port: Some(port),
        db_filename: Some(db.clone()),
        ..Default::default()
    };
    let task_queue = "health-probes";

    // The worker starts first and waits for its server (`connect_retry`).
    let mut worker = Command::new(env!("CARGO_BIN_EXE_production_worker"))
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{port}"))
        .env("TEMPORAL_NAMESPACE", "default")
        .env("EXAMPLE_TASK_QUEUE", task_queue)
        .env("HEALTH_ADDRESS", health.to_string())
        .env("METRICS_ADDRESS", "127.0.0.1:0")
        .env(
            "SERVER_UNREACHABLE_AFTER_SECS",
            UNREACHABLE_AFTER.as_secs().to_string(),
        )
        .env("HOME", std::env::temp_dir())
        .env_remove("TEMPORAL_PROFILE")
        .env_remove("TEMPORAL_CONFIG_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the production_worker example starts");
    let stdout = worker.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("worker: {line}");
        }
    });
    let _kill = KillOnDrop(&mut worker);

    let (connecting, _) = probe_until(health, "/readyz", Duration::from_secs(20), |_| true);
    check(&connecting, "/readyz");
    assert_eq!(
        (connecting.status, connecting.field("status")),
        (503, "connecting"),
        "{connecting:?}"
    );
    assert!(
        connecting.field("reason").contains(&port.to_string()),
        "{connecting:?}"
    );
    live(health);

    let server = DevServer::start_with(server_options.clone())
        .await
        .expect("a dev server");
    let ready_after = wait_ready(health, Duration::from_secs(60));
    live(health);
    println!("ready {ready_after:?} after the server started");

    // The server goes away: ready until the limit, not ready past it, live all along.
    server.stop();
    let stopped = Instant::now();
    let (unreachable, _) = probe_until(
        health,
        "/readyz",
        UNREACHABLE_AFTER + Duration::from_secs(5),
        |p| p.status == 503,
    );
    let flipped_after = stopped.elapsed();
    check(&unreachable, "/readyz");
    assert_eq!(
        unreachable.field("status"),
        "server_unreachable",
        "{unreachable:?}"
    );
    assert!(
        unreachable.field("reason").contains("has not answered"),
        "{unreachable:?}"
    );
    live(health);
    // Still not ready well past the limit.
    tokio::time::sleep(UNREACHABLE_AFTER).await;
    not_ready(health, "server_unreachable");
    live(health);
    println!("not ready {flipped_after:?} after the server stopped");

    let _server = DevServer::start_with(server_options)
        .await
        .expect("the dev server restarts");
    let ready_again = wait_ready(health, Duration::from_secs(60));
    live(health);
    println!("ready again {ready_again:?} after the server returned");

    // A batch keeps the worker in its graceful period after SIGTERM (5 s).
    let client = Client::connect(&format!("127.0.0.1:{port}"), "default")
        .await
        .unwrap();
    let options = ActivityOptions::new(task_queue)
        .id("health-batch")
        .heartbeat_timeout(Duration::from_secs(60))
        .start_to_close_timeout(Duration::from_secs(300));
    client
        .start_activity("process_batch", (100u32,), options)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pid = _kill.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let signalled = Instant::now();
    let (shutting_down, after) = probe_until(health, "/readyz", Duration::from_secs(1), |p| {
        p.status == 503
    });
    check(&shutting_down, "/readyz");
    assert_eq!(
        shutting_down.field("status"),
        "shutting_down",
        "{shutting_down:?}"
    );
    live(health);
    assert!(
        signalled.elapsed() < Duration::from_secs(4),
        "the graceful period is 5 s"
    );
    println!("not ready {after:?} after SIGTERM");
    let _ = std::fs::remove_file(&db);
}

struct KillOnDrop<'a>(&'a mut Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
