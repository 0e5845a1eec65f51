//! Operators read what workers encrypted, through a codec server
//! (`activity_runtime::codec_server`):
//!
//! - A Python workflow with the Temporal Python sample's AES-GCM codec (`tests/python/
//!   codec_server.py`) calls a Rust activity on a worker with [`EncryptionCodec`]. Beside the
//!   worker, in the same process and the same axum app, two codec servers count their requests
//!   in the worker's metrics: `/ui` for the Web UI (CORS for its origin) and `/ops` for the CLI
//!   (an `Authorization` it must send).
//! - `temporal workflow show --output json` without a codec endpoint shows only ciphertext; with
//!   `--codec-endpoint http://…/ops/{namespace}` and `--codec-auth` it shows the activity's input
//!   and result; without `--codec-auth` it is refused and shows nothing.
//! - `temporal workflow start --codec-endpoint …` with a plaintext input leaves only ciphertext
//!   in the history; the Rust activity decrypts and reads it.
//! - The dev server's Web UI, started with `--ui-codec-endpoint`, opened in headless Chromium
//!   (`tests/python/web_ui.py`), shows the decoded activity result; with the codec server down it
//!   shows none of it. Both screenshots go to `target/codec-server-screenshots/`.
//!
//! And the ready binary (`codec-server`): refused authorization, malformed bodies, wrong paths
//! and methods, the body limit, CORS preflights and its metrics, over real HTTP.
//!
//! Needs the pinned CLI and Python SDK, Selenium, and Debian's `chromium` and `chromium-driver`
//! (`make tools`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use activity_runtime::codec_server::CodecServer;
use activity_runtime::{Metrics, Worker, activities, activity};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use examples::encryption::EncryptionCodec;
use serde::Deserialize;
use serde_json::Value;
use temporal_dev_server::testing::tools::python;
use temporal_dev_server::{DevServer, DevServerOptions};

/// What the CLI sends as `Authorization` (`--codec-auth`) and `/ops` requires.
const OPERATOR_TOKEN: &str = "Bearer operators-only";

#[derive(Deserialize)]
struct Secret {
    greeting: String,
    name: String,
}

#[activity]
async fn secret_greeting(secret: Secret) -> String {
    format!("{}, {}!", secret.greeting, secret.name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_read_the_encrypted_history_through_the_codec_server() {
    let started = Instant::now();
    // The codec servers' port first: the Web UI is started pointing at it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let codec_address = listener.local_addr().unwrap();
    let server = DevServer::start_with(DevServerOptions {
        ui: true,
        ui_codec_endpoint: Some(format!("http://{codec_address}/ui")),
        ..Default::default()
    })
    .await
    .expect("a dev server (run `make tools`)");
    let ui_address = server.ui_address().unwrap().to_owned();

    let task_queue = format!("codec-server-{}", std::process::id());
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(&task_queue)
        .codec(EncryptionCodec::sample())
        .metrics(Metrics::prometheus("127.0.0.1:0".parse().unwrap()))
        .register(activities![secret_greeting])
        .build()
        .await
        .expect("worker builds");
    let metrics_address = worker.metrics_address().unwrap();
    let ui_codec = CodecServer::builder(EncryptionCodec::sample())
        .cors_origin(format!("http://{ui_address}"))
        .metric_meter(worker.metric_meter().with_labels([("endpoint", "ui")]))
        .build()
        .unwrap();
    let ops_codec = CodecServer::builder(EncryptionCodec::sample())
        .require_authorization(OPERATOR_TOKEN)
        .metric_meter(worker.metric_meter())
        .build()
        .unwrap();
    let app = axum::Router::new()
        .nest("/ui", ui_codec.router())
        .nest("/ops", ops_codec.router());
    let (stop_codec, codec_stopped) = tokio::sync::oneshot::channel::<()>();
    let codec_serving = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = codec_stopped.await;
            })
            .into_future(),
    );
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    // A Python workflow with the encryption codec calls the Rust activity.
    let secret = format!("SECRET-{}", std::process::id());
    let mut python = PythonWorkflows::start(&server, &task_queue, &secret);
    let report = python.report();
    assert_eq!(report["result"], format!("Hello, {secret}!"), "{report}");
    let workflow_id = report["workflow_id"].as_str().unwrap().to_owned();
    let run_id = report["run_id"].as_str().unwrap().to_owned();
    eprintln!("set-up and Python workflow: {:?}", started.elapsed());

    // Without the codec endpoint: ciphertext only.
    let cli = Cli::new(&server);
    let plain = cli
        .run(&["workflow", "show", "-w", &workflow_id, "--output", "json"])
        .await;
    assert!(plain.status.success(), "{}", describe(&plain));
    let history = payloads_of(&stdout_json(&plain));
    assert!(
        history.len() >= 4,
        "input, activity input and result, result: {history:?}"
    );
    for payload in &history {
        assert_eq!(payload.encoding, "binary/encrypted", "{history:?}");
        assert!(!payload.data.contains(&secret), "{history:?}");
    }
    assert!(!String::from_utf8_lossy(&plain.stdout).contains(&secret));

    // With it (and the operators' authorization): the activity's input and result.
    let ops = format!("http://{codec_address}/ops/{{namespace}}");
    let decoded = cli
        .run(&[
            "workflow",
            "show",
            "-w",
            &workflow_id,
            "--output",
            "json",
            "--codec-endpoint",
            &ops,
            "--codec-auth",
            OPERATOR_TOKEN,
        ])
        .await;
    assert!(decoded.status.success(), "{}", describe(&decoded));
    let events = stdout_json(&decoded);
    let scheduled = event_payloads(&events, "activityTaskScheduledEventAttributes", "input");
    assert_eq!(
        scheduled,
        vec![Plain::json(format!(
            r#"{{"greeting":"Hello","name":"{secret}"}}"#
        ))],
        "{events:#}"
    );
    let completed = event_payloads(&events, "activityTaskCompletedEventAttributes", "result");
    assert_eq!(
        completed,
        vec![Plain::json(format!(r#""Hello, {secret}!""#))],
        "{events:#}"
    );

    // The same from the codec settings of a `temporal.toml` profile.
    let config = std::env::temp_dir().join(format!("codec-server-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!("[profile.default.codec]\nendpoint = \"{ops}\"\nauth = \"{OPERATOR_TOKEN}\"\n"),
    )
    .unwrap();
    let configured = cli
        .run_configured(
            &["workflow", "show", "-w", &workflow_id, "--output", "json"],
            "30s",
            Some(&config),
        )
        .await;
    let _ = std::fs::remove_file(&config);
    assert!(configured.status.success(), "{}", describe(&configured));
    assert_eq!(
        event_payloads(
            &stdout_json(&configured),
            "activityTaskCompletedEventAttributes",
            "result"
        ),
        completed
    );

    // Without the authorization the operators' endpoint requires: refused (401, counted below;
    // the CLI retries until its deadline), nothing decoded.
    let refused = cli
        .run_within(
            &[
                "workflow",
                "show",
                "-w",
                &workflow_id,
                "--output",
                "json",
                "--codec-endpoint",
                &ops,
            ],
            "2s",
        )
        .await;
    assert!(!refused.status.success(), "{}", describe(&refused));
    assert!(
        !describe(&refused).contains(&secret),
        "{}",
        describe(&refused)
    );

    // An operator starts a workflow with a plaintext input through the codec server.
    let cli_secret = format!("CLI-SECRET-{}", std::process::id());
    let cli_workflow = format!("{workflow_id}-from-cli");
    let start = cli
        .run(&[
            "workflow",
            "start",
            "-w",
            &cli_workflow,
            "--type",
            "PassToActivity",
            "--task-queue",
            &python.workflow_task_queue,
            "--input",
            &format!("\"{task_queue}\""),
            "--input",
            &format!(r#"{{"greeting":"Hi","name":"{cli_secret}"}}"#),
            "--codec-endpoint",
            &ops,
            "--codec-auth",
            OPERATOR_TOKEN,
        ])
        .await;
    assert!(start.status.success(), "{}", describe(&start));
    let result = cli
        .run(&[
            "workflow",
            "result",
            "-w",
            &cli_workflow,
            "--output",
            "json",
            "--codec-endpoint",
            &ops,
            "--codec-auth",
            OPERATOR_TOKEN,
        ])
        .await;
    assert!(result.status.success(), "{}", describe(&result));
    // The Rust activity read the decrypted input.
    assert!(
        String::from_utf8_lossy(&result.stdout).contains(&format!("Hi, {cli_secret}!")),
        "{}",
        describe(&result)
    );
    let stored = cli
        .run(&["workflow", "show", "-w", &cli_workflow, "--output", "json"])
        .await;
    assert!(stored.status.success(), "{}", describe(&stored));
    let stored_payloads = payloads_of(&stdout_json(&stored));
    assert!(stored_payloads.len() >= 4, "{stored_payloads:?}");
    for payload in &stored_payloads {
        assert_eq!(payload.encoding, "binary/encrypted", "{stored_payloads:?}");
        assert!(!payload.data.contains(&cli_secret), "{stored_payloads:?}");
    }
    assert!(!String::from_utf8_lossy(&stored.stdout).contains(&cli_secret));
    eprintln!("CLI checks done: {:?}", started.elapsed());

    // The Web UI decodes through `/ui` in the browser.
    let screenshots = screenshot_dir();
    let history_url = format!(
        "http://{ui_address}/namespaces/{}/workflows/{workflow_id}/{run_id}/history",
        server.namespace()
    );
    let greeting = format!("\"Hello, {secret}!\"");
    let with_codec = open_in_browser(
        &history_url,
        &screenshots.join("with-codec-server.png"),
        &["Activity Task Completed", &greeting],
    )
    .await;
    let text = with_codec["text"].as_str().unwrap();
    assert_eq!(with_codec["waits_met"], true, "{with_codec:#}");
    let completed_row = &text[text.find("Activity Task Completed").unwrap()..];
    assert!(
        completed_row[..200.min(completed_row.len())].contains(&greeting),
        "the activity's result is not in its row:\n{text}"
    );
    eprintln!("browser with the codec server: {:?}", started.elapsed());

    // The worker's metrics counted the codec servers' requests.
    let scraped = tokio::task::spawn_blocking(move || {
        http(metrics_address, "GET /metrics HTTP/1.1\r\n", b"").body
    })
    .await
    .unwrap();
    let count = |operation: &str, status: &str, ui: bool| {
        scraped
            .lines()
            .filter(|line| is_request_count(line))
            .filter(|line| line.contains("endpoint=\"ui\"") == ui)
            .filter(|line| {
                line.contains(&format!("operation=\"{operation}\""))
                    && line.contains(&format!("status=\"{status}\""))
                    && line.contains(&format!("task_queue=\"{task_queue}\""))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    // The CLI's: `show`, `start` (encode), `result`; the refused `show`. The browser's.
    assert!(count("decode", "200", false) >= 2.0, "{scraped}");
    assert!(count("encode", "200", false) >= 1.0, "{scraped}");
    assert!(count("decode", "401", false) >= 1.0, "{scraped}");
    assert!(count("decode", "200", true) >= 1.0, "{scraped}");
    assert!(count("preflight", "200", true) >= 1.0, "{scraped}");

    // With the codec server down, the Web UI shows ciphertext only.
    let _ = stop_codec.send(());
    tokio::time::timeout(Duration::from_secs(10), codec_serving)
        .await
        .expect("the codec server stops")
        .unwrap()
        .unwrap();
    let without_codec = open_in_browser(
        &history_url,
        &screenshots.join("without-codec-server.png"),
        &["Activity Task Completed", "Codec Server could not connect"],
    )
    .await;
    assert_eq!(without_codec["waits_met"], true, "{without_codec:#}");
    let text = without_codec["text"].as_str().unwrap();
    assert!(
        !text.contains(&secret),
        "plaintext without the codec server:\n{text}"
    );
    eprintln!("browser without the codec server: {:?}", started.elapsed());

    python.stop();
    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codec_server_binary_refuses_bad_requests_and_keeps_serving() {
    let dir = std::env::temp_dir().join(format!("codec-server-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("key.hex");
    let key: String = examples::encryption::SAMPLE_KEY
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let binary = CodecServerBinary::start(&[
        "--listen",
        "127.0.0.1:0",
        "--key-file",
        key_file.to_str().unwrap(),
        "--cors-origin",
        "http://127.0.0.1:8233",
        "--body-limit",
        "4096",
        "--metrics",
        "127.0.0.1:0",
    ]);
    let (address, metrics) = (binary.address, binary.metrics);
    let post = |path: &str, authorization: Option<&str>, body: &str| {
        let auth = authorization
            .map(|value| format!("Authorization: {value}\r\n"))
            .unwrap_or_default();
        http(
            address,
            &format!("POST {path} HTTP/1.1\r\nContent-Type: application/json\r\n{auth}"),
            body.as_bytes(),
        )
    };
    let plain =
        r#"{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"InRvcCBzZWNyZXQi"}]}"#;

    let encoded = post("/default/encode", Some(OPERATOR_TOKEN), plain);
    assert_eq!(encoded.status, 200, "{encoded:?}");
    let ciphertext: Value = serde_json::from_str(&encoded.body).unwrap();
    assert_eq!(
        ciphertext["payloads"][0]["metadata"]["encoding"],
        BASE64.encode("binary/encrypted"),
        "{encoded:?}"
    );

    for authorization in [None, Some("Bearer guessed")] {
        let refused = post("/decode", authorization, &encoded.body);
        assert_eq!(refused.status, 401, "{refused:?}");
        assert!(!refused.body.contains("InRvcCBzZWNyZXQi"), "{refused:?}");
    }

    let malformed = post(
        "/decode",
        Some(OPERATOR_TOKEN),
        r#"{"payloads":[{"data":"%%"}]}"#,
    );
    assert_eq!(malformed.status, 400, "{malformed:?}");
    assert!(
        malformed.body.contains("malformed body") && malformed.body.contains("line 1 column"),
        "{malformed:?}"
    );
    let not_json = post("/decode", Some(OPERATOR_TOKEN), "payloads please");
    assert_eq!(not_json.status, 400, "{not_json:?}");
    assert!(not_json.body.contains("expected"), "{not_json:?}");

    // The next request still works, under the namespace header as the Web UI sends it.
    let decoded = http(
        address,
        &format!(
            "POST /decode HTTP/1.1\r\nX-Namespace: default\r\nAuthorization: {OPERATOR_TOKEN}\r\n"
        ),
        encoded.body.as_bytes(),
    );
    assert_eq!(decoded.status, 200, "{decoded:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&decoded.body).unwrap(),
        serde_json::from_str::<Value>(plain).unwrap()
    );

    let other_key = EncryptionCodec::new("another-key", [9; 32])
        .encrypt(&activity_runtime::payload::to_payload(&"x").unwrap())
        .unwrap();
    let wrong_key = post(
        "/decode",
        Some(OPERATOR_TOKEN),
        &format!(
            r#"{{"payloads":[{{"metadata":{{"encoding":"{}","encryption-key-id":"{}"}},"data":"{}"}}]}}"#,
            BASE64.encode(&other_key.metadata["encoding"]),
            BASE64.encode(&other_key.metadata["encryption-key-id"]),
            BASE64.encode(&other_key.data)
        ),
    );
    assert_eq!(wrong_key.status, 422, "{wrong_key:?}");
    assert!(wrong_key.body.contains("another-key"), "{wrong_key:?}");

    let too_large = post("/decode", Some(OPERATOR_TOKEN), &" ".repeat(5000));
    assert_eq!(too_large.status, 413, "{too_large:?}");
    assert_eq!(post("/nope/decode/x", None, plain).status, 404);
    let get = http(address, "GET /decode HTTP/1.1\r\n", b"");
    assert_eq!(get.status, 405, "{get:?}");

    let preflight = |origin: &str| {
        http(
            address,
            &format!(
                "OPTIONS /decode HTTP/1.1\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\n\
                 Access-Control-Request-Headers: content-type,x-namespace,authorization\r\n"
            ),
            b"",
        )
    };
    let allowed = preflight("http://127.0.0.1:8233");
    assert!(
        allowed
            .head
            .contains("access-control-allow-origin: http://127.0.0.1:8233")
            && allowed
                .head
                .contains("access-control-allow-credentials: true"),
        "{allowed:?}"
    );
    let other = preflight("http://evil.example");
    assert!(
        !other.head.contains("access-control-allow-origin"),
        "{other:?}"
    );

    let scraped = http(metrics, "GET /metrics HTTP/1.1\r\n", b"").body;
    for (operation, status) in [
        ("decode", "401"),
        ("decode", "400"),
        ("decode", "200"),
        ("decode", "413"),
        ("decode", "422"),
        ("encode", "200"),
        ("preflight", "200"),
        ("other", "404"),
        ("other", "405"),
    ] {
        assert!(
            scraped.lines().any(|line| is_request_count(line)
                && line.contains(&format!("operation=\"{operation}\""))
                && line.contains(&format!("status=\"{status}\""))),
            "no {operation} {status} in\n{scraped}"
        );
    }
    binary.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A line of the Prometheus text format with a codec server request count.
fn is_request_count(line: &str) -> bool {
    ["{", "_total{"].iter().any(|rest| {
        line.strip_prefix("activity_runtime_codec_server_requests")
            .is_some_and(|after| after.starts_with(rest))
    })
}

/// A payload as the CLI prints it, decoded from base64.
#[derive(Debug, PartialEq)]
struct Plain {
    encoding: String,
    data: String,
}

impl Plain {
    fn json(data: String) -> Self {
        Self {
            encoding: "json/plain".to_owned(),
            data,
        }
    }

    fn from_json(payload: &Value) -> Option<Self> {
        let decode = |value: &Value| {
            BASE64
                .decode(value.as_str()?)
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        };
        Some(Self {
            encoding: decode(&payload["metadata"]["encoding"])?,
            data: decode(payload.get("data").unwrap_or(&Value::String(String::new())))?,
        })
    }
}

/// Every payload in the CLI's JSON (objects with `metadata` and `data`, at any depth).
fn payloads_of(value: &Value) -> Vec<Plain> {
    let mut found = Vec::new();
    match value {
        Value::Object(map) if map.contains_key("metadata") && map["metadata"].is_object() => {
            found.extend(Plain::from_json(value));
        }
        Value::Object(map) => map.values().for_each(|v| found.extend(payloads_of(v))),
        Value::Array(items) => items.iter().for_each(|v| found.extend(payloads_of(v))),
        _ => {}
    }
    found
}

/// The payloads of `field` in the events with `attributes`.
fn event_payloads(history: &Value, attributes: &str, field: &str) -> Vec<Plain> {
    history["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|event| event.get(attributes))
        .flat_map(|attrs| payloads_of(&attrs[field]))
        .collect()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", describe(output)))
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `temporal` CLI against one dev server.
struct Cli {
    path: PathBuf,
    address: String,
    namespace: String,
}

impl Cli {
    fn new(server: &DevServer) -> Self {
        Self {
            path: server.cli_path().to_owned(),
            address: server.address().to_owned(),
            namespace: server.namespace().to_owned(),
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_within(args, "30s").await
    }

    /// Runs the CLI off the runtime's threads (the codec server it calls may be on them), with
    /// no configuration file.
    async fn run_within(&self, args: &[&str], timeout: &str) -> Output {
        self.run_configured(args, timeout, None).await
    }

    /// Runs the CLI with `config` as its `temporal.toml` (and none when `None`).
    async fn run_configured(&self, args: &[&str], timeout: &str, config: Option<&Path>) -> Output {
        let mut command = Command::new(&self.path);
        command
            .args(args)
            .args(["--address", &self.address, "--namespace", &self.namespace])
            .args(["--command-timeout", timeout])
            .arg("--disable-config-env")
            .stdin(Stdio::null());
        match config {
            Some(file) => command.arg("--config-file").arg(file),
            None => command.arg("--disable-config-file"),
        };
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TEMPORAL_") {
                command.env_remove(key);
            }
        }
        tokio::task::spawn_blocking(move || command.output().expect("the temporal CLI runs"))
            .await
            .unwrap()
    }
}

/// `tests/python/codec_server.py`, serving its workflow until stopped.
struct PythonWorkflows {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    workflow_task_queue: String,
}

impl PythonWorkflows {
    fn start(server: &DevServer, activity_task_queue: &str, secret: &str) -> Self {
        let script = python_dir().join("codec_server.py");
        let workflow_task_queue = format!("{activity_task_queue}-workflows");
        let mut child = Command::new(python())
            .arg(&script)
            .args(["--address", server.address()])
            .args(["--namespace", server.namespace()])
            .args(["--activity-task-queue", activity_task_queue])
            .args(["--workflow-task-queue", &workflow_task_queue])
            .args(["--secret", secret])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {}: {err}", script.display()));
        let (send, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let mut pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        });
        Self {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            workflow_task_queue,
        }
    }

    /// The JSON line about the workflow it ran.
    fn report(&mut self) -> Value {
        match self.lines.recv_timeout(Duration::from_secs(90)) {
            Ok(line) => {
                serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"))
            }
            Err(_) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                drop(self.stdin.take());
                let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
                panic!(
                    "the Python workflow reported nothing\n--- stderr ---\n{}",
                    stderr.join().unwrap_or_default()
                );
            }
        }
    }

    /// Closes its standard input and waits (bounded) for it to exit.
    fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `codec-server` binary of this package, on the ports it reports.
struct CodecServerBinary {
    child: Child,
    address: std::net::SocketAddr,
    metrics: std::net::SocketAddr,
}

impl CodecServerBinary {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codec-server"))
            .args(args)
            .env("CODEC_SERVER_AUTHORIZATION", OPERATOR_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the codec-server binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut address = None;
        let mut metrics = None;
        while address.is_none() {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("codec-server exited: {:?}", child.wait());
            };
            let url = |prefix: &str| line.strip_prefix(prefix).map(|rest| rest.to_owned());
            if let Some(rest) = url("metrics at http://") {
                metrics = rest.trim_end_matches("/metrics").parse().ok();
            } else if let Some(rest) = url("codec server listening on http://") {
                address = rest.parse().ok();
            }
        }
        Self {
            child,
            address: address.unwrap(),
            metrics: metrics.expect("the binary reports its metrics endpoint"),
        }
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut status = None;
        while status.is_none() && Instant::now() < deadline {
            status = self.child.try_wait().ok().flatten();
            std::thread::sleep(Duration::from_millis(20));
        }
        if status.is_none() {
            let _ = self.child.kill();
        }
        let status = status.or_else(|| self.child.wait().ok());
        assert!(
            status.is_some_and(|s| s.success()),
            "codec-server did not stop cleanly on SIGTERM: {status:?}"
        );
    }
}

/// An HTTP/1.1 answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The status line and headers, header names in lower case.
    head: String,
    body: String,
}

/// Sends one request (`head`: the request line and headers, each ending in CRLF) and reads the
/// answer; the connection closes after it.
fn http(address: std::net::SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "{head}Host: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_lowercase(),
        body: body.to_owned(),
    }
}

/// Opens `url` in headless Chromium until every `wait_for` text shows (or 30 s pass), with a
/// screenshot; the report of `tests/python/web_ui.py`.
async fn open_in_browser(url: &str, screenshot: &Path, wait_for: &[&str]) -> Value {
    let mut command = Command::new(python());
    command
        .arg(python_dir().join("web_ui.py"))
        .args(["--url", url])
        .args(["--screenshot", screenshot.to_str().unwrap()]);
    for text in wait_for {
        command.args(["--wait-for", text]);
    }
    let output = tokio::task::spawn_blocking(move || command.output().expect("Python runs"))
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "the browser script failed: {}",
        describe(&output)
    );
    assert!(
        screenshot.exists(),
        "no screenshot at {}",
        screenshot.display()
    );
    stdout_json(&output)
}

/// `target/codec-server-screenshots/`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("codec-server-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}
