//! What the worker exports: the worker core's metrics (`temporal_activity_execution_latency`,
//! slots, polls...), the runtime's own (`activity_runtime_*`), and what activities record with
//! [`crate::ActivityContext::metric_meter`], all through one Prometheus scrape endpoint.

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
use crate::meter::MetricMeter;

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
    prometheus: SocketAddr,
    labels: HashMap<String, String>,
}

impl Metrics {
    /// A Prometheus scrape endpoint, `GET http://<address>/metrics` in the text format. Port 0
    /// picks a free port: [`crate::Worker::metrics_address`] says which.
    pub fn prometheus(address: SocketAddr) -> Self {
        Self {
            prometheus: address,
            labels: HashMap::new(),
        }
    }

    /// A label on every metric the worker exports (e.g. `service`, `region`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
}

/// The worker's exporter, running; the endpoint closes when it is dropped.
pub(super) struct Telemetry {
    meter: Arc<dyn CoreMeter>,
    address: SocketAddr,
    server: AbortHandle,
}

impl Telemetry {
    /// Starts the scrape endpoint. Needs the tokio runtime.
    pub(super) fn start(metrics: &Metrics) -> Result<Self, WorkerError> {
        let options = PrometheusExporterOptions::builder()
            .socket_addr(metrics.prometheus)
            .global_tags(metrics.labels.clone())
            .build();
        let started =
            start_prometheus_metric_exporter(options).map_err(|err| WorkerError::Metrics {
                address: metrics.prometheus,
                source: err.into(),
            })?;
        Ok(Self {
            meter: started.meter,
            address: started.bound_addr,
            server: started.abort_handle,
        })
    }

    pub(super) fn address(&self) -> SocketAddr {
        self.address
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
        self.server.abort();
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

    fn count(&self, (name, description): (&'static str, &'static str), activity_type: &str) {
        self.meter
            .with_labels([("activity_type", activity_type)])
            .counter(name, description)
            .add(1);
    }
}
