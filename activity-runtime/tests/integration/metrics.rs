//! Metrics: a worker exporting to Prometheus is scraped over HTTP and the text is parsed with the
//! reference parser (Python's `prometheus_client`, `tests/python/parse_metrics.py`): core's
//! `activity_execution_latency` counts each attempt, labelled; what activities record with
//! `ctx.metric_meter()` is there; so is the runtime's own count of an argument that did not decode.

use crate::common;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};

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

#[tokio::test]
async fn prometheus_exports_core_runtime_and_activity_metrics() {
    let worker = common::start_worker_with(
        "metrics",
        activities![make_widgets, typed_argument],
        |builder| {
            builder.metrics(
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
    let samples = tokio::task::spawn_blocking(move || parse(&scrape(address)))
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

    worker.stop().await;
}

/// `GET /metrics`, the body.
fn scrape(address: SocketAddr) -> String {
    let mut stream = TcpStream::connect(address).expect("connects to the metrics endpoint");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// Every sample of the exposition, as the reference parser reads it.
fn parse(text: &str) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/parse_metrics.py");
    let mut child = Command::new(common::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts the Python parser");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser failed: {}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the parser prints JSON")
}
