//! OpenTelemetry (feature `otel`):
//! - a worker exporting over OTLP/gRPC to a real OTLP receiver started here (the collector's
//!   `MetricsService`, from `opentelemetry-proto`) sends core's `activity_execution_latency`,
//!   counting each attempt with its activity type, what activities record with
//!   `ctx.metric_meter()`, the builder's labels, and the connection's RPC metrics
//!   (`temporal_request`, `temporal_request_latency`, `temporal_long_request`);
//! - a Python workflow traced with `temporalio.contrib.opentelemetry` calls a Rust activity: the
//!   worker's `activity` span, exported through `tracing-opentelemetry`, is in the workflow's
//!   trace, a child of its `StartActivity` span.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use activity_runtime::{ActivityContext, Metrics, activities, activity};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::common::v1::{AnyValue as AnyValueMessage, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as NumberValue;
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use parking_lot::Mutex;
use tracing_subscriber::layer::SubscriberExt as _;

/// Records a counter per call.
#[activity]
async fn pack_boxes(ctx: ActivityContext, count: u64) -> u64 {
    ctx.metric_meter()
        .counter("boxes_packed", "Boxes packed")
        .add(count);
    count
}

/// An OTLP receiver: keeps every export request.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<ExportMetricsServiceRequest>>>);

#[tonic::async_trait]
impl MetricsService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.lock().push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

impl Receiver {
    /// Serves the collector's metrics service on a free loopback port; returns its URL.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let incoming = futures_util::stream::unfold(listener, |listener| async move {
            Some((listener.accept().await.map(|(stream, _)| stream), listener))
        });
        let service = MetricsServiceServer::new(self.clone());
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .serve_with_incoming(service, incoming)
                .await
                .expect("the OTLP receiver serves");
        });
        format!("http://{address}")
    }

    /// The metrics of the latest export that has one named `*name` (cumulative: the latest is
    /// the total), with the resource's attributes.
    fn latest(&self, name: &str) -> Option<(Metric, Vec<KeyValue>)> {
        let requests = self.0.lock();
        requests.iter().rev().find_map(|request| {
            request.resource_metrics.iter().find_map(|resource| {
                let attributes = resource
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default();
                resource
                    .scope_metrics
                    .iter()
                    .flat_map(|scope| &scope.metrics)
                    .find(|metric| metric.name.ends_with(name))
                    .map(|metric| (metric.clone(), attributes.clone()))
            })
        })
    }
}

impl Receiver {
    /// The count of `name` (a sum's total, a histogram's count) for RPC `operation` in the
    /// latest export that has it; 0 when none has.
    fn count(&self, name: &str, operation: &str) -> u64 {
        let Some((metric, _)) = self.latest_exact(name) else {
            return 0;
        };
        let of_operation =
            |attributes: &[KeyValue]| attribute(attributes, "operation") == Some(operation);
        match metric.data {
            Some(metric::Data::Sum(sum)) => sum
                .data_points
                .iter()
                .filter(|p| of_operation(&p.attributes))
                .map(|p| match p.value {
                    Some(NumberValue::AsInt(v)) => v as u64,
                    Some(NumberValue::AsDouble(v)) => v as u64,
                    None => 0,
                })
                .sum(),
            Some(metric::Data::Histogram(histogram)) => histogram
                .data_points
                .iter()
                .filter(|p| of_operation(&p.attributes))
                .map(|p| p.count)
                .sum(),
            _ => 0,
        }
    }

    /// Like [`latest`](Self::latest), for the metric named exactly `name`.
    fn latest_exact(&self, name: &str) -> Option<(Metric, Vec<KeyValue>)> {
        let requests = self.0.lock();
        requests.iter().rev().find_map(|request| {
            request.resource_metrics.iter().find_map(|resource| {
                resource
                    .scope_metrics
                    .iter()
                    .flat_map(|scope| &scope.metrics)
                    .find(|metric| metric.name == name)
                    .map(|metric| (metric.clone(), Vec::new()))
            })
        })
    }
}

fn text(value: &Option<AnyValueMessage>) -> Option<&str> {
    match value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(text) => Some(text),
        _ => None,
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| text(&kv.value))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_export_reaches_a_real_receiver() {
    let receiver = Receiver::default();
    let endpoint = receiver.start().await;
    let worker = common::start_worker_with("otlp", activities![pack_boxes], |builder| {
        builder.metrics(
            Metrics::otlp(&endpoint)
                .export_interval(Duration::from_millis(200))
                .label("service", "otlp-test"),
        )
    })
    .await;
    let client = common::client().await;
    for count in [1u64, 2, 3] {
        let packed: u64 = client
            .execute_activity(
                "pack_boxes",
                (count,),
                common::one_attempt(&worker.task_queue),
            )
            .await
            .unwrap();
        assert_eq!(packed, count);
    }

    // Cumulative: the latest export of each metric holds the totals.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let (latency, boxes) = loop {
        let latency = receiver.latest("activity_execution_latency");
        let boxes = receiver.latest("boxes_packed");
        let counted = match &latency {
            Some((metric, _)) => match &metric.data {
                Some(metric::Data::Histogram(histogram)) => {
                    histogram.data_points.iter().map(|p| p.count).sum::<u64>() == 3
                }
                _ => false,
            },
            None => false,
        };
        if let (true, Some(latency), Some(boxes)) = (counted, &latency, &boxes) {
            break (latency.clone(), boxes.clone());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no export with 3 activity_execution_latency samples and boxes_packed within 20 s: \
             {} requests received",
            receiver.0.lock().len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let (metric, resource) = latency;
    let Some(metric::Data::Histogram(histogram)) = metric.data else {
        panic!("activity_execution_latency is a histogram: {metric:?}");
    };
    let point = &histogram.data_points[0];
    assert_eq!(
        attribute(&point.attributes, "activity_type"),
        Some("pack_boxes")
    );
    assert_eq!(
        attribute(&point.attributes, "task_queue"),
        Some(worker.task_queue.as_str())
    );
    assert_eq!(attribute(&resource, "service"), Some("otlp-test"));

    let (metric, _) = boxes;
    let Some(metric::Data::Sum(sum)) = metric.data else {
        panic!("boxes_packed is a sum: {metric:?}");
    };
    let total: i64 = sum
        .data_points
        .iter()
        .filter(|p| attribute(&p.attributes, "activity_type") == Some("pack_boxes"))
        .map(|p| match p.value {
            Some(opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsInt(v)) => v,
            Some(opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsDouble(
                v,
            )) => v as i64,
            None => 0,
        })
        .sum();
    assert_eq!(total, 6, "{sum:?}");

    // The connection's RPC metrics: the 3 completions sent, and the polls as long requests.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let completions = receiver.count("temporal_request", "RespondActivityTaskCompleted");
        let latencies = receiver.count("temporal_request_latency", "RespondActivityTaskCompleted");
        let polls = receiver.count("temporal_long_request", "PollActivityTaskQueue");
        let poll_latencies =
            receiver.count("temporal_long_request_latency", "PollActivityTaskQueue");
        if completions >= 3 && latencies >= 3 && polls >= 1 && poll_latencies >= 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no export with the RPC metrics within 20 s: temporal_request {completions}, \
             temporal_request_latency {latencies}, temporal_long_request {polls}, \
             temporal_long_request_latency {poll_latencies}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.stop().await;
}

#[activity]
async fn traced_greeting(name: String) -> String {
    tracing::info!("greeting {name}");
    format!("Hello, {name}!")
}

/// Keeps the spans the tracer provider exports.
#[derive(Clone, Debug, Default)]
struct SpansInMemory(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for SpansInMemory {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.lock().extend(batch);
        std::future::ready(Ok(()))
    }
}

/// Current-thread: the subscriber set for this thread sees the spans the worker opens.
#[tokio::test]
async fn a_python_workflows_trace_continues_in_the_rust_activity() {
    let spans = SpansInMemory::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("activity-runtime-test")));
    let _guard = tracing::subscriber::set_default(subscriber);

    let worker = common::start_worker("traced", activities![traced_greeting]).await;
    let result = common::run_python_workflow("traced", &worker.task_queue).await;
    worker.stop().await;
    assert_eq!(result["greeting"], "Hello, Ada!", "{result}");

    let python_spans = result["spans"].as_array().expect("the Python spans");
    let start_activity = python_spans
        .iter()
        .find(|span| span["name"] == "StartActivity:traced_greeting")
        .unwrap_or_else(|| panic!("no StartActivity span in {python_spans:?}"));
    let rust_spans = spans.0.lock().clone();
    let activity_span = rust_spans
        .iter()
        .find(|span| span.name == "activity")
        .unwrap_or_else(|| panic!("no `activity` span exported: {rust_spans:?}"));
    assert_eq!(
        activity_span.span_context.trace_id().to_string(),
        start_activity["trace_id"].as_str().unwrap(),
        "the Rust span is in the workflow's trace"
    );
    assert_eq!(
        activity_span.parent_span_id.to_string(),
        start_activity["span_id"].as_str().unwrap(),
        "the Rust span's parent is the workflow's StartActivity span"
    );
    assert!(activity_span.parent_span_is_remote);
    // And the whole trace is the workflow's: it started in the Python client.
    let workflow_trace = start_activity["trace_id"].as_str().unwrap();
    assert!(
        python_spans
            .iter()
            .any(|span| span["name"] == "StartWorkflow:TracedWorkflow"
                && span["trace_id"] == workflow_trace),
        "{python_spans:?}"
    );
}
