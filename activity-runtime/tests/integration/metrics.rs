//! Metrics: a worker exporting to Prometheus is scraped over HTTP and the text is parsed with the
//! reference parser (Python's `prometheus_client`, `tests/python/parse_metrics.py`): core's
//! `activity_execution_latency` counts each attempt, labelled; what activities record with
//! `ctx.metric_meter()` is there; so are the runtime's own count of an argument that did not
//! decode and the length of the blocking pool's queue; and the connection's RPC metrics
//! (`temporal_request`, `temporal_request_latency`, `temporal_long_request` for the polls), each
//! series with core's `service_name` label, as a Python worker exports them.

use crate::common;

use activity_runtime::{ActivityContext, Metrics, activities, activity};
use serde_json::Value;

/// Records a counter and a histogram per call.
#[activity]
async fn make_widgets(ctx: ActivityContext, count: u64) -> u64 {
    let meter = ctx.metric_meter();
    meter.counter("widgets_made", "Widgets made").add(count);
    meter
        .histogram("widget_batch", "Widgets per batch", "widgets")
        .record(count);
    count
}

#[activity]
fn typed_argument(number: u32) -> u32 {
    number
}

/// Holds the worker's only blocking thread for `ms`.
#[activity]
fn hold_thread(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[tokio::test]
async fn prometheus_exports_core_runtime_and_activity_metrics() {
    let worker = common::start_worker_with(
        "metrics",
        activities![make_widgets, typed_argument, hold_thread],
        |builder| {
            builder.blocking_threads(1).metrics(
                Metrics::prometheus("127.0.0.1:0".parse().unwrap())
                    .label("service", "metrics-test"),
            )
        },
    )
    .await;
    let address = worker.metrics_address.expect("the worker serves metrics");
    let client = common::client().await;
    let queue = &worker.task_queue;
    for count in [1u64, 2, 3] {
        let made: u64 = client
            .execute_activity("make_widgets", (count,), common::one_attempt(queue))
            .await
            .unwrap();
        assert_eq!(made, count);
    }
    let failed = client
        .execute_activity::<u32>(
            "typed_argument",
            ("not a number",),
            common::one_attempt(queue),
        )
        .await;
    assert!(
        format!("{failed:?}").contains("ArgumentError"),
        "{failed:?}"
    );

    // Blocking I/O off the test's runtime, which also runs the metrics endpoint.
    let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
        .await
        .unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let matching: Vec<&Value> = samples
            .iter()
            .filter(|s| s["name"] == name)
            .filter(|s| labels.iter().all(|(k, v)| s["labels"][*k] == *v))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "one `{name}` sample with {labels:?}: {matching:?}"
        );
        matching[0]["value"].as_f64().unwrap()
    };
    let ours = [("task_queue", queue.as_str()), ("service", "metrics-test")];

    // Core's: every attempt's execution latency, by activity type and task queue.
    let widgets = [&ours[..], &[("activity_type", "make_widgets")]].concat();
    assert_eq!(
        value("temporal_activity_execution_latency_count", &widgets),
        3.0
    );
    // The activity's own, with the same labels and the namespace.
    let mine = [&widgets[..], &[("namespace", "default")]].concat();
    assert_eq!(value("widgets_made_total", &mine), 6.0);
    assert_eq!(value("widget_batch_count", &mine), 3.0);
    assert_eq!(value("widget_batch_sum", &mine), 6.0);
    // The runtime's own: the argument that did not decode.
    let typed = [&ours[..], &[("activity_type", "typed_argument")]].concat();
    assert_eq!(
        value("activity_runtime_argument_decode_failed_total", &typed),
        1.0
    );

    // Three blocking activities on one thread: two wait in the queue, then none.
    let queue_length = |samples: &[Value]| -> Option<f64> {
        samples
            .iter()
            .find(|s| {
                s["name"] == "activity_runtime_blocking_queue_length"
                    && s["labels"]["task_queue"] == queue.as_str()
            })
            .and_then(|s| s["value"].as_f64())
    };
    let mut holds = Vec::new();
    for _ in 0..3 {
        holds.push(
            client
                .start_activity("hold_thread", (3000u64,), common::one_attempt(queue))
                .await
                .unwrap(),
        );
    }
    // Until the gauge shows two waiting: the third task may reach the worker late on a busy
    // machine, but the first holds the thread for 3 s.
    let mut longest = 0.0f64;
    for _ in 0..50 {
        let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
            .await
            .unwrap();
        longest = longest.max(queue_length(&samples).unwrap_or(0.0));
        if longest >= 2.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        longest, 2.0,
        "two blocking activities waited for the thread"
    );
    for hold in holds {
        hold.result::<()>().await.unwrap();
    }
    let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
        .await
        .unwrap();
    assert_eq!(queue_length(&samples), Some(0.0));

    // The connection's RPC metrics, as a Python worker on the same core exports them: every
    // completion sent (3 `make_widgets`, 3 `hold_thread`), and the polls as long requests. The
    // client sees a result once the server has it; the worker records the call's latency when
    // the response reaches it, a moment later: scrape until the last one is in (or 5 s pass).
    let mut samples = samples;
    for _ in 0..50 {
        if rpc_metrics(&samples).total("temporal_request_latency", "RespondActivityTaskCompleted")
            >= 6.0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
            .await
            .unwrap();
    }
    let rpc = rpc_metrics(&samples);
    assert!(
        rpc.total("temporal_request", "RespondActivityTaskCompleted") >= 6.0,
        "{rpc:#?}"
    );
    assert!(
        rpc.total("temporal_request_latency", "RespondActivityTaskCompleted") >= 6.0,
        "{rpc:#?}"
    );
    assert!(
        rpc.total("temporal_long_request", "PollActivityTaskQueue") >= 1.0,
        "{rpc:#?}"
    );
    assert!(
        rpc.total("temporal_long_request_latency", "PollActivityTaskQueue") >= 1.0,
        "{rpc:#?}"
    );
    // Every series carries the runtime's `service_name` and the builder's label.
    for sample in rpc.0.iter().chain(
        samples
            .iter()
            .filter(|s| s["name"] == "temporal_activity_execution_latency_count"),
    ) {
        assert_eq!(
            sample["labels"]["service_name"], "temporal-core-sdk",
            "{sample}"
        );
        assert_eq!(sample["labels"]["service"], "metrics-test", "{sample}");
    }
    // Schedule-to-start latency has no `activity_type` (core records it per task queue).
    let schedule_to_start: Vec<&Value> = samples
        .iter()
        .filter(|s| s["name"] == "temporal_activity_schedule_to_start_latency_count")
        .collect();
    assert!(!schedule_to_start.is_empty());
    for sample in schedule_to_start {
        assert!(sample["labels"].get("activity_type").is_none(), "{sample}");
        assert_eq!(sample["labels"]["task_queue"], queue.as_str(), "{sample}");
    }

    worker.stop().await;
}

/// The samples of the connection's RPC metrics (`temporal_request*`, `temporal_long_request*`).
#[derive(Debug)]
struct RpcMetrics(Vec<Value>);

fn rpc_metrics(samples: &[Value]) -> RpcMetrics {
    RpcMetrics(
        samples
            .iter()
            .filter(|s| {
                let name = s["name"].as_str().unwrap_or_default();
                name.starts_with("temporal_request") || name.starts_with("temporal_long_request")
            })
            .cloned()
            .collect(),
    )
}

impl RpcMetrics {
    /// The count of `metric` (a counter's total, a histogram's count) for `operation`, summed
    /// over every other label.
    fn total(&self, metric: &str, operation: &str) -> f64 {
        self.0
            .iter()
            .filter(|s| {
                s["name"] == format!("{metric}_total") || s["name"] == format!("{metric}_count")
            })
            .filter(|s| s["labels"]["operation"] == operation)
            .map(|s| s["value"].as_f64().unwrap())
            .sum()
    }
}
