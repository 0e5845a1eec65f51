//! A worker set up for production:
//!
//! - **connection and TLS from the environment**, as the `temporal` CLI and every SDK read it: a
//!   `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`), then `TEMPORAL_ADDRESS`,
//!   `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY` (Temporal Cloud; turns TLS on),
//!   `TEMPORAL_TLS_SERVER_CA_CERT_PATH`, `TEMPORAL_TLS_SERVER_NAME`,
//!   `TEMPORAL_TLS_CLIENT_CERT_PATH` and `TEMPORAL_TLS_CLIENT_KEY_PATH` (mTLS). A bad setting
//!   fails at start with a message naming it (a missing certificate file names the file);
//! - **metrics**: the worker core's and the runtime's, in the Prometheus format at
//!   `METRICS_ADDRESS` (default `0.0.0.0:9464`), labelled `service="batches"`;
//! - **logs** through `tracing`, JSON lines with `LOG_FORMAT=json`, filtered by `RUST_LOG`;
//! - **traces**: with `OTEL_EXPORTER_OTLP_ENDPOINT`, each attempt's span goes to that
//!   OpenTelemetry collector (OTLP/gRPC), in the trace of the workflow that scheduled it;
//! - it waits for a server that starts after it, stops on SIGTERM (as Docker, systemd and
//!   Kubernetes stop a process) within a bound, and serves a long, heartbeating activity that
//!   ends cleanly when cancelled.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin production_worker
//! curl -s localhost:9464/metrics | grep temporal_activity_execution_latency
//! kill -TERM <pid>     # running batches are cancelled and retried at once by another worker
//!
//! # Temporal Cloud with an API key:
//! TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_NAMESPACE=my-ns.a1b2c \
//!     TEMPORAL_API_KEY=... cargo run -p examples --bin production_worker
//! # A self-hosted server with mTLS:
//! TEMPORAL_ADDRESS=temporal.internal:7233 TEMPORAL_TLS_SERVER_CA_CERT_PATH=certs/ca.pem \
//!     TEMPORAL_TLS_CLIENT_CERT_PATH=certs/worker.pem TEMPORAL_TLS_CLIENT_KEY_PATH=certs/worker.key \
//!     cargo run -p examples --bin production_worker
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use activity_runtime::{ActivityContext, ActivityError, Metrics, Worker, activities, activity};
use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// Processes `items` items, one every 100 ms, heartbeating its progress so that a retry resumes
/// where this attempt stopped. Returns how many items it processed and in which attempt it
/// finished.
#[activity]
async fn process_batch(ctx: ActivityContext, items: u32) -> Result<(u32, u32), ActivityError> {
    let mut done: u32 = ctx.heartbeat_details()?.unwrap_or(0);
    println!(
        "process_batch {} attempt {} started at item {done}",
        ctx.info().activity_id,
        ctx.info().attempt
    );
    // A metric of its own, exported beside the worker's (labelled with the activity type).
    let processed = ctx
        .metric_meter()
        .counter("batch_items_processed", "Items processed by process_batch");
    while done < items {
        tokio::select! {
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        done += 1;
        processed.add(1);
        ctx.heartbeat(&done)?;
    }
    // Logged with the activity's span fields (type, id, attempt, workflow id).
    tracing::info!(items, "batch done");
    Ok((done, ctx.info().attempt))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tracer_provider = init_telemetry()?;
    let task_queue = examples::task_queue();
    // Prometheus scrapes `GET /metrics` here (port 0: a free port, printed below).
    let metrics_address: SocketAddr = std::env::var("METRICS_ADDRESS")
        .as_deref()
        .unwrap_or("0.0.0.0:9464")
        .parse()
        .context("METRICS_ADDRESS is not an address like 0.0.0.0:9464")?;
    // The server, namespace, TLS and API key come from the environment, as for the `temporal`
    // CLI (see the module docs): nothing about the connection is set here.
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .register(activities![process_batch])
        .metrics(Metrics::prometheus(metrics_address).label("service", "batches"))
        // Wait up to a minute for the server (it may start after us).
        .connect_retry(Duration::from_secs(60))
        // On SIGTERM: let running batches go on for 5 s, then cancel them; any still running
        // 10 s later is reported failed (retryable) and abandoned. Keep the sum below the
        // orchestrator's grace (Kubernetes' terminationGracePeriodSeconds, 30 s by default).
        .graceful_shutdown_period(Duration::from_secs(5))
        .shutdown_abandon_after(Duration::from_secs(10))
        .build()
        .await?;
    println!(
        "worker serving task queue `{task_queue}` in namespace `{}`; SIGTERM or Ctrl-C to stop",
        worker.namespace()
    );
    if let Some(address) = worker.metrics_address() {
        println!("metrics at http://{address}/metrics");
    }
    let stopped = worker.run().await;
    println!("worker stopped");
    // Export the last spans, even when the worker stopped on an error.
    if let Some(provider) = tracer_provider {
        provider.shutdown()?;
    }
    Ok(stopped?)
}

/// Log events to stderr from `INFO` (or as `RUST_LOG` says), one JSON object per line when
/// `LOG_FORMAT=json` (what log collectors ingest), each with the activity's span fields
/// (`activity_type`, `activity_id`, `attempt`, `workflow_id`).
///
/// With `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://otel-collector:4317`), the spans also go
/// to that OpenTelemetry collector over OTLP/gRPC: one `activity` span per attempt, which
/// continues the trace of the workflow or client that scheduled it when they trace too. The
/// returned provider flushes them at shutdown.
fn init_telemetry() -> anyhow::Result<Option<SdkTracerProvider>> {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    let logs = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let logs = if std::env::var("LOG_FORMAT").is_ok_and(|format| format == "json") {
        logs.json().boxed()
    } else {
        logs.boxed()
    };
    let provider = match std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Some(_) => Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(SpanExporter::builder().with_tonic().build()?)
                .with_resource(Resource::builder().with_service_name("batches").build())
                .build(),
        ),
        None => None,
    };
    // `INFO` spans only: the `activity` span of each attempt and your own, not the worker core's
    // internal `DEBUG` and `TRACE` spans.
    let spans = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("batches"))
            .with_filter(LevelFilter::INFO)
    });
    tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(spans)
        .init();
    Ok(provider)
}
