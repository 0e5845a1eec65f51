//! The `production_worker` example stopped as orchestrators stop it: SIGTERM fails its running
//! attempts as the retryable `WorkerShutdown` failure, which the server records at once, and a
//! second worker finishes them long before their heartbeat timeout; a second SIGTERM ends the
//! graceful period at once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::DevServer;

use crate::common::{self, WorkerProcess};

/// The `production_worker` example on `task_queue`, its metrics on a free port.
fn start_worker(server: &DevServer, task_queue: &str) -> WorkerProcess {
    WorkerProcess::start(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        task_queue,
        &[("METRICS_ADDRESS", "127.0.0.1:0")],
    )
}

fn batch_options(task_queue: &str, id: &str) -> ActivityOptions {
    ActivityOptions::new(task_queue)
        .id(id)
        .heartbeat_timeout(Duration::from_secs(60))
        .start_to_close_timeout(Duration::from_secs(300))
        .initial_retry_interval(Duration::from_secs(1))
}

/// The last failure the server recorded for activity `id`, from `temporal activity describe`.
fn last_failure(server: &DevServer, id: &str) -> String {
    let output = Command::new(server.cli_path())
        .args(["activity", "describe", "--activity-id", id])
        .args([
            "--address",
            server.address(),
            "--namespace",
            server.namespace(),
        ])
        .args(["--output", "json"])
        .output()
        .expect("the temporal CLI runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_fails_running_attempts_for_another_worker_to_finish_at_once() {
    let server = DevServer::start().await.expect("a dev server");
    let task_queue = "production-sigterm";
    let mut first = start_worker(&server, task_queue);
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let ids = ["batch-0", "batch-1", "batch-2"];
    let mut handles = Vec::new();
    for id in ids {
        handles.push(
            client
                .start_activity("process_batch", (100u32,), batch_options(task_queue, id))
                .await
                .unwrap(),
        );
    }
    first.wait_for_line("attempt 1 started", ids.len());

    let signalled = Instant::now();
    first.signal("-TERM");
    // The graceful period is 5 s; the batches return their cancellation at once after it.
    let stopped_in = first.wait_exit(Duration::from_secs(15));
    assert!(
        stopped_in >= Duration::from_secs(4),
        "the worker stopped after {stopped_in:?}, before its graceful period"
    );
    for id in ids {
        let described = last_failure(&server, id);
        assert!(
            described.contains("WorkerShutdown"),
            "the server recorded no WorkerShutdown failure for {id}: {described}"
        );
    }

    let _second = start_worker(&server, task_queue);
    for handle in handles {
        let (items, attempt): (u32, u32) =
            tokio::time::timeout(Duration::from_secs(30), handle.result())
                .await
                .expect("the second worker finishes the batch")
                .unwrap();
        assert_eq!(items, 100);
        assert_eq!(attempt, 2);
    }
    let finished_in = signalled.elapsed();
    assert!(
        finished_in < Duration::from_secs(40),
        "the batches finished {finished_in:?} after SIGTERM; their heartbeat timeout is 60 s"
    );
    println!("stopped {stopped_in:?} after SIGTERM; all batches done {finished_in:?} after it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_stops_at_once() {
    let server = DevServer::start().await.expect("a dev server");
    let task_queue = "production-second-signal";
    let mut worker = start_worker(&server, task_queue);
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let handle = client
        .start_activity(
            "process_batch",
            (100u32,),
            batch_options(task_queue, "batch-twice"),
        )
        .await
        .unwrap();
    worker.wait_for_line("attempt 1 started", 1);
    worker.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    worker.signal("-TERM");
    let stopped_in = worker.wait_exit(Duration::from_secs(4));
    let described = last_failure(&server, "batch-twice");
    assert!(described.contains("WorkerShutdown"), "{described}");
    let _again = start_worker(&server, task_queue);
    let (items, _attempt): (u32, u32) =
        tokio::time::timeout(Duration::from_secs(30), handle.result())
            .await
            .expect("another worker finishes the batch")
            .unwrap();
    assert_eq!(items, 100);
    println!("stopped {stopped_in:?} after the first of two signals");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_json_logs_of_a_finished_batch() {
    let server = common::server().await;
    let task_queue = common::unique_task_queue("production-observability");
    let worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        &task_queue,
        &[("METRICS_ADDRESS", "127.0.0.1:0"), ("LOG_FORMAT", "json")],
    );
    let metrics_line = worker.wait_for_line("metrics at http://", 1);
    let metrics_url = metrics_line.split_whitespace().last().unwrap().to_owned();
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let (items, attempt): (u32, u32) = client
        .execute_activity(
            "process_batch",
            (5u32,),
            batch_options(&task_queue, &common::unique_task_queue("batch")),
        )
        .await
        .unwrap();
    assert_eq!((items, attempt), (5, 1));

    // One JSON object per line, with the activity's span fields.
    let line = worker.wait_for_line("batch done", 1);
    let log: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
    assert_eq!(log["level"], "INFO", "{log:#}");
    assert_eq!(log["fields"]["items"], 5, "{log:#}");
    assert_eq!(log["span"]["activity_type"], "process_batch", "{log:#}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let exposition = reqwest::get(&metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sample = |name: &str| {
        exposition
            .lines()
            .find(|line| line.starts_with(name) && line.contains(&task_queue))
            .unwrap_or_else(|| panic!("no {name} for {task_queue} in:\n{exposition}"))
            .to_owned()
    };
    // The activity's own counter, with the label set in `main`.
    let processed = sample("batch_items_processed");
    assert!(processed.contains(r#"service="batches""#), "{processed}");
    assert!(processed.ends_with(" 5"), "{processed}");
    // The worker core's latency histogram.
    let latency = sample("temporal_activity_execution_latency_count");
    assert!(
        latency.contains(r#"activity_type="process_batch""#),
        "{latency}"
    );
    assert!(latency.ends_with(" 1"), "{latency}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_settings_come_from_the_environment() {
    let server = common::server().await;
    let missing = std::env::temp_dir().join("no-such-dir/ca.pem");
    let stderr = common::start_failure(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        &[
            ("METRICS_ADDRESS", "127.0.0.1:0"),
            (
                "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
                missing.to_str().unwrap(),
            ),
        ],
    );
    assert!(
        stderr.contains(&format!(
            "Error: cannot read the TLS CA certificate file `{}`",
            missing.display()
        )),
        "{stderr}"
    );
    let stderr = common::start_failure(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        &[("METRICS_ADDRESS", "localhost")],
    );
    assert!(
        stderr.contains("Error: METRICS_ADDRESS is not an address like 0.0.0.0:9464"),
        "{stderr}"
    );
}

/// A CA, a server certificate for `localhost` and a client certificate it signed, as PEM files in
/// a fresh directory.
fn make_pki() -> PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    let dir = std::env::temp_dir().join(common::unique_task_queue("production-pki"));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, pem: String| std::fs::write(dir.join(name), pem).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Test CA");
    let ca = params.self_signed(&ca_key).unwrap();
    write("ca.pem", ca.pem());
    for name in ["server", "worker"] {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        write(
            &format!("{name}.pem"),
            params.signed_by(&key, &ca, &ca_key).unwrap().pem(),
        );
        write(&format!("{name}.key"), key.serialize_pem());
    }
    dir
}

/// nginx terminating mTLS in front of the dev server (the client certificate must be signed by
/// the test CA, else it answers the gRPC status `UNAUTHENTICATED`, as a TLS gateway or Temporal
/// Cloud does); killed when dropped.
struct TlsProxy {
    child: std::process::Child,
    port: u16,
}

impl TlsProxy {
    fn start(pki: &Path, upstream: &str) -> Self {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("the TLS test needs nginx (Debian `nginx-light`): run `make test-tools`");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let d = |name: &str| pki.join(name).display().to_string();
        let config = format!(
            "worker_processes 1; pid {pid}; error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert}; ssl_certificate_key {key};
        ssl_client_certificate {ca}; ssl_verify_client on;
        error_page 495 496 = @refused;
        location @refused {{
            internal; default_type application/grpc; add_header grpc-status 16 always;
            add_header grpc-message \"client certificate required\" always; return 200;
        }}
        location / {{ grpc_pass grpc://{upstream}; grpc_read_timeout 300s; grpc_send_timeout 300s; }}
    }}
}}",
            pid = d("nginx.pid"),
            dir = pki.display(),
            cert = d("server.pem"),
            key = d("server.key"),
            ca = d("ca.pem"),
        );
        std::fs::write(pki.join("nginx.conf"), config).unwrap();
        let child = Command::new(nginx)
            .args(["-p", &pki.display().to_string()])
            .args(["-c", &d("nginx.conf")])
            .args(["-g", "daemon off; master_process off;"])
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts");
        let proxy = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        proxy
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_connects_with_mtls_from_the_environment() {
    let server = common::server().await;
    let pki = make_pki();
    let proxy = TlsProxy::start(&pki, server.address());
    let address = format!("127.0.0.1:{}", proxy.port);
    let path = |name: &str| pki.join(name).display().to_string();
    let (ca, cert, key) = (path("ca.pem"), path("worker.pem"), path("worker.key"));
    let tls = [
        ("METRICS_ADDRESS", "127.0.0.1:0"),
        ("TEMPORAL_ADDRESS", address.as_str()),
        ("TEMPORAL_TLS_SERVER_CA_CERT_PATH", ca.as_str()),
        ("TEMPORAL_TLS_SERVER_NAME", "localhost"),
        ("TEMPORAL_TLS_CLIENT_CERT_PATH", cert.as_str()),
        ("TEMPORAL_TLS_CLIENT_KEY_PATH", key.as_str()),
    ];

    // Through the proxy with its client certificate: it serves.
    let task_queue = common::unique_task_queue("production-mtls");
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        &task_queue,
        &tls,
    );
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let (items, _): (u32, u32) = client
        .execute_activity(
            "process_batch",
            (3u32,),
            batch_options(&task_queue, &common::unique_task_queue("batch")),
        )
        .await
        .unwrap();
    assert_eq!(items, 3);

    // Without the client certificate the proxy refuses it, and it says so at start.
    let stderr = common::start_failure(env!("CARGO_BIN_EXE_production_worker"), server, &tls[..4]);
    assert!(
        stderr.contains("Error: the Temporal server at")
            && stderr.contains("rejected the client certificate")
            && stderr.contains("TEMPORAL_TLS_CLIENT_CERT_PATH"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&pki);
}

/// An OpenTelemetry collector's trace service: keeps every span it receives.
#[derive(Clone, Default)]
struct SpanCollector(
    std::sync::Arc<std::sync::Mutex<Vec<opentelemetry_proto::tonic::trace::v1::Span>>>,
);

#[tonic::async_trait]
impl opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceService
    for SpanCollector
{
    async fn export(
        &self,
        request: tonic::Request<
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
        >,
    ) -> Result<
        tonic::Response<
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse,
        >,
        tonic::Status,
    > {
        let spans = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans);
        self.0.lock().unwrap().extend(spans);
        Ok(tonic::Response::new(Default::default()))
    }
}

impl SpanCollector {
    /// Serves OTLP/gRPC on a free loopback port; its URL.
    async fn start(&self) -> String {
        use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let incoming = futures_util::stream::unfold(listener, |listener| async move {
            Some((listener.accept().await.map(|(stream, _)| stream), listener))
        });
        let service = TraceServiceServer::new(self.clone());
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .serve_with_incoming(service, incoming)
                .await
                .expect("the OTLP collector serves");
        });
        format!("http://{address}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_spans_go_to_the_otlp_collector() {
    let collector = SpanCollector::default();
    let endpoint = collector.start().await;
    let server = common::server().await;
    let task_queue = common::unique_task_queue("production-traces");
    let mut worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_production_worker"),
        server,
        &task_queue,
        &[
            ("METRICS_ADDRESS", "127.0.0.1:0"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ],
    );
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let id = common::unique_task_queue("traced-batch");
    let _: (u32, u32) = client
        .execute_activity("process_batch", (2u32,), batch_options(&task_queue, &id))
        .await
        .unwrap();
    // The spans are exported in batches; shutting down flushes them.
    worker.signal("-TERM");
    worker.wait_exit(Duration::from_secs(15));

    let spans = collector.0.lock().unwrap().clone();
    let span = spans
        .iter()
        .find(|span| span.name == "activity")
        .unwrap_or_else(|| panic!("no `activity` span among {spans:#?}"));
    let attribute = |key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.clone())
            .map(|value| format!("{value:?}"))
            .unwrap_or_else(|| panic!("no attribute {key} in {span:#?}"))
    };
    assert!(
        attribute("activity_type").contains("process_batch"),
        "{span:#?}"
    );
    assert!(attribute("activity_id").contains(&id), "{span:#?}");
}
