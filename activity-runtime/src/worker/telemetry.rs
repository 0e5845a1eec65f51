//! What the worker exports: the worker core's metrics (`temporal_activity_execution_latency`,
//! slots, polls...), the runtime's own (`activity_runtime_*`), and what activities record with
//! [`crate::ActivityContext::metric_meter`], all through one Prometheus scrape endpoint or one
//! OTLP exporter (feature `otel`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use temporalio_common::protos::coresdk::activity_result::{
    ActivityExecutionResult, activity_execution_result,
};
use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
use temporalio_common::telemetry::metrics::{CoreMeter, NewAttributes, TemporalMeter};
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TaskQueueLabelStrategy, TelemetryOptions,
    start_prometheus_metric_exporter,
};
use tokio::task::AbortHandle;

use super::WorkerError;
use crate::meter::{MetricGauge, MetricMeter};
#[cfg(unix)]
use crate::process::{ChildObserver, ChildUsage};

/// Where and how a worker exports its metrics ([`crate::WorkerBuilder::metrics`]).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use activity_runtime::{Metrics, Worker};
/// let worker = Worker::builder()
///     .task_queue("images")
///     .metrics(Metrics::prometheus("0.0.0.0:9464".parse()?).label("service", "images"))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Metrics {
    exporter: Exporter,
    labels: HashMap<String, String>,
}

#[derive(Debug, Clone)]
enum Exporter {
    Prometheus(SocketAddr),
    #[cfg(feature = "otel")]
    Otlp {
        endpoint: String,
        http: bool,
        headers: HashMap<String, String>,
        period: std::time::Duration,
    },
}

impl Metrics {
    /// A Prometheus scrape endpoint, `GET http://<address>/metrics` in the text format. Port 0
    /// picks a free port: [`crate::Worker::metrics_address`] says which.
    pub fn prometheus(address: SocketAddr) -> Self {
        Self {
            exporter: Exporter::Prometheus(address),
            labels: HashMap::new(),
        }
    }

    /// Pushes the metrics every second over OTLP/gRPC to `endpoint`, an OpenTelemetry
    /// Collector's (`http://localhost:4317`; `https://` for TLS with the system's roots).
    /// Durations are in milliseconds, as on the Prometheus endpoint.
    #[cfg(feature = "otel")]
    #[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
    pub fn otlp(endpoint: impl Into<String>) -> Self {
        Self {
            exporter: Exporter::Otlp {
                endpoint: endpoint.into(),
                http: false,
                headers: HashMap::new(),
                period: std::time::Duration::from_secs(1),
            },
            labels: HashMap::new(),
        }
    }

    /// Like [`otlp`](Self::otlp), over OTLP/HTTP with protobuf bodies: `endpoint` is the full
    /// URL, e.g. `http://localhost:4318/v1/metrics`.
    #[cfg(feature = "otel")]
    #[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
    pub fn otlp_http(endpoint: impl Into<String>) -> Self {
        let mut metrics = Self::otlp(endpoint);
        if let Exporter::Otlp { http, .. } = &mut metrics.exporter {
            *http = true;
        }
        metrics
    }

    /// A header on every OTLP export request (e.g. a collector's API key). Ignored by the
    /// Prometheus endpoint.
    #[cfg(feature = "otel")]
    #[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Exporter::Otlp { headers, .. } = &mut self.exporter {
            headers.insert(name.into(), value.into());
        }
        self
    }

    /// How often metrics are pushed over OTLP (default: every second). Ignored by the
    /// Prometheus endpoint, which is scraped.
    #[cfg(feature = "otel")]
    #[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
    pub fn export_interval(mut self, interval: std::time::Duration) -> Self {
        if let Exporter::Otlp { period, .. } = &mut self.exporter {
            *period = interval;
        }
        self
    }

    /// A label on every metric the worker exports (e.g. `service`, `region`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Starts exporting without a worker, for a process that serves something else (a codec
    /// server, `codec_server` with feature `codec-server`): what
    /// [`MetricsExporter::meter`] records goes here. Needs the tokio runtime.
    ///
    /// # Errors
    /// [`WorkerError::Metrics`] when the endpoint cannot be bound or the exporter built.
    pub fn start(&self) -> Result<MetricsExporter, WorkerError> {
        Telemetry::start(self).map(MetricsExporter)
    }
}

/// Metrics exported without a worker ([`Metrics::start`]); the scrape endpoint closes (OTLP
/// export stops) when it is dropped.
pub struct MetricsExporter(Telemetry);

impl MetricsExporter {
    /// A meter that records where this exports.
    pub fn meter(&self) -> MetricMeter {
        MetricMeter::new(
            TemporalMeter::new(
                self.0.meter.clone(),
                NewAttributes::default(),
                TaskQueueLabelStrategy::UseNormal,
            ),
            Vec::new(),
        )
    }

    /// Where the scrape endpoint listens (the port bound for port 0), for Prometheus.
    pub fn address(&self) -> Option<SocketAddr> {
        self.0.address()
    }
}

impl std::fmt::Debug for MetricsExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsExporter")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

/// The worker's exporter, running; a scrape endpoint closes when it is dropped, and OTLP export
/// stops.
pub(super) struct Telemetry {
    meter: Arc<dyn CoreMeter>,
    /// Where the scrape endpoint listens, and its server.
    prometheus: Option<(SocketAddr, AbortHandle)>,
}

impl Telemetry {
    /// Starts the scrape endpoint or the OTLP exporter. Needs the tokio runtime.
    pub(super) fn start(metrics: &Metrics) -> Result<Self, WorkerError> {
        match &metrics.exporter {
            Exporter::Prometheus(address) => {
                let options = PrometheusExporterOptions::builder()
                    .socket_addr(*address)
                    .global_tags(metrics.labels.clone())
                    .build();
                let started = start_prometheus_metric_exporter(options).map_err(|err| {
                    WorkerError::Metrics {
                        endpoint: address.to_string(),
                        source: err.into(),
                    }
                })?;
                Ok(Self {
                    meter: started.meter,
                    prometheus: Some((started.bound_addr, started.abort_handle)),
                })
            }
            #[cfg(feature = "otel")]
            Exporter::Otlp {
                endpoint,
                http,
                headers,
                period,
            } => {
                use temporalio_common::telemetry::{OtelCollectorOptions, OtlpProtocol};
                let failed =
                    |source: Box<dyn std::error::Error + Send + Sync>| WorkerError::Metrics {
                        endpoint: endpoint.clone(),
                        source,
                    };
                let url = url::Url::parse(endpoint).map_err(|err| failed(err.into()))?;
                let options = OtelCollectorOptions::builder()
                    .url(url)
                    .headers(headers.clone())
                    .metric_periodicity(*period)
                    .global_tags(metrics.labels.clone())
                    .protocol(if *http {
                        OtlpProtocol::Http
                    } else {
                        OtlpProtocol::Grpc
                    })
                    .build();
                let meter = temporalio_common::telemetry::build_otlp_metric_exporter(options)
                    .map_err(|err| failed(err.into()))?;
                Ok(Self {
                    meter: Arc::new(meter),
                    prometheus: None,
                })
            }
        }
    }

    /// Where the scrape endpoint listens, when there is one.
    pub(super) fn address(&self) -> Option<SocketAddr> {
        self.prometheus.as_ref().map(|(address, _)| *address)
    }

    /// The worker core's telemetry options, exporting through this meter.
    pub(super) fn telemetry_options(&self) -> TelemetryOptions {
        TelemetryOptions::builder()
            .metrics(self.meter.clone())
            .build()
    }

    /// The meter activities of this worker record with, labelled with its namespace and task
    /// queue (the context adds the activity type).
    pub(super) fn activity_meter(&self, namespace: &str, task_queue: &str) -> MetricMeter {
        let meter = TemporalMeter::new(
            self.meter.clone(),
            NewAttributes::default(),
            TaskQueueLabelStrategy::UseNormal,
        );
        MetricMeter::new(
            meter,
            vec![
                ("namespace", namespace.to_owned()),
                ("task_queue", task_queue.to_owned()),
            ],
        )
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some((_, server)) = &self.prometheus {
            server.abort();
        }
    }
}

/// The runtime's own counters, each labelled with `activity_type` (and the worker's namespace and
/// task queue).
#[derive(Clone)]
pub(super) struct RuntimeMetrics {
    meter: MetricMeter,
}

/// The counters, their names and what they count.
const ARGUMENT_DECODE_FAILED: (&str, &str) = (
    "activity_runtime_argument_decode_failed",
    "Attempts failed because an argument did not decode (ArgumentError)",
);
const PAYLOADS_TOO_LARGE: (&str, &str) = (
    "activity_runtime_payloads_too_large",
    "Attempts failed because a result or heartbeat was over the payload size limit",
);
const PROCESS_CHILD_DIED: (&str, &str) = (
    "activity_runtime_process_child_died",
    "Attempts of process-isolated activities whose child process died",
);
const RESULT_LOST: (&str, &str) = (
    "activity_runtime_result_lost",
    "Attempt results the worker could not report to the server",
);
const RESULT_RESENT: (&str, &str) = (
    "activity_runtime_result_resent",
    "Attempt results the worker re-sent after the worker core gave them up, and the server recorded",
);
const PROCESS_CHILD_STARTED: (&str, &str) = (
    "activity_runtime_process_child_started",
    "Child processes started for process-isolated activities, by the activity type that started one",
);
const PROCESS_RESOURCE_LIMIT: (&str, &str) = (
    "activity_runtime_process_resource_limit",
    "Attempts of process-isolated activities failed by a limit of their child process, by `limit` (memory_limit, cpu_time)",
);
const PROCESS_PEAK_MEMORY: (&str, &str) = (
    "activity_runtime_process_peak_memory",
    "Peak resident memory of the child process during each attempt of a process-isolated activity, in bytes",
);
const PROCESS_CPU_TIME: (&str, &str) = (
    "activity_runtime_process_cpu_time",
    "CPU time of the child process during each attempt of a process-isolated activity",
);
const BLOCKING_QUEUE_LENGTH: (&str, &str) = (
    "activity_runtime_blocking_queue_length",
    "Blocking activities waiting for a thread of the worker's blocking pool",
);

impl RuntimeMetrics {
    pub(super) fn new(meter: MetricMeter) -> Self {
        Self { meter }
    }

    /// Counts what `result` says went wrong, if it is one of the runtime's failures.
    pub(super) fn observe(&self, activity_type: &str, result: &ActivityExecutionResult) {
        let Some(activity_execution_result::Status::Failed(failed)) = &result.status else {
            return;
        };
        let error_type = match failed
            .failure
            .as_ref()
            .and_then(|f| f.failure_info.as_ref())
        {
            Some(FailureInfo::ApplicationFailureInfo(info)) => info.r#type.as_str(),
            _ => return,
        };
        let counter = match error_type {
            "ArgumentError" => ARGUMENT_DECODE_FAILED,
            "PayloadsTooLarge" => PAYLOADS_TOO_LARGE,
            "ProcessExited" => PROCESS_CHILD_DIED,
            _ => return,
        };
        self.count(counter, activity_type);
    }

    /// Counts a result the server never received.
    pub(super) fn result_lost(&self, activity_type: &str) {
        self.count(RESULT_LOST, activity_type);
    }

    /// Counts a result re-sent, and recorded, after core gave it up.
    pub(super) fn result_resent(&self, activity_type: &str) {
        self.count(RESULT_RESENT, activity_type);
    }

    /// The gauge of blocking activities waiting for a thread (labelled with the worker's
    /// namespace and task queue only: the pool is shared).
    pub(super) fn blocking_queue_length(&self) -> MetricGauge {
        let (name, description) = BLOCKING_QUEUE_LENGTH;
        self.meter.gauge(name, description)
    }

    fn count(&self, (name, description): (&'static str, &'static str), activity_type: &str) {
        self.meter
            .with_labels([("activity_type", activity_type)])
            .counter(name, description)
            .add(1);
    }
}

/// Children started, what each attempt used (histograms to size the limits with) and the limits
/// hit, labelled with the activity type.
#[cfg(unix)]
impl ChildObserver for RuntimeMetrics {
    fn child_started(&self, activity_type: &str) {
        self.count(PROCESS_CHILD_STARTED, activity_type);
    }

    fn attempt_measured(&self, activity_type: &str, usage: &ChildUsage) {
        let meter = self.meter.with_labels([("activity_type", activity_type)]);
        let (name, description) = PROCESS_CPU_TIME;
        meter
            .duration_histogram(name, description)
            .record(usage.cpu_time);
        if let Some(bytes) = usage.peak_memory {
            let (name, description) = PROCESS_PEAK_MEMORY;
            meter.histogram(name, description, "bytes").record(bytes);
        }
    }

    fn limit_exceeded(&self, activity_type: &str, limit: &'static str) {
        let (name, description) = PROCESS_RESOURCE_LIMIT;
        self.meter
            .with_labels([("activity_type", activity_type), ("limit", limit)])
            .counter(name, description)
            .add(1);
    }
}
