//! Cross-SDK: a real Python workflow (temporalio 1.35.0, `tests/python/interop.py`) calls Rust
//! activities by name and gets the right values back: a dataclass argument, `bytes` both ways
//! (`binary/plain`), three positional arguments, a struct result (a Python `dict`), `()` (Python's
//! `None`), blocking and async activities, and a typed, non-retryable failure with details.
//!
//! Needs the pinned Python SDK: `TEMPORAL_PYTHON`, else `<workspace>/.tools/venv/bin/python`
//! (`make tools` installs it).

use crate::common;
use crate::cross_sdk::{YourParams, compose_greeting, reverse_bytes};

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use activity_runtime::{ActivityContext, ActivityError, RawValue, activities, activity};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize)]
struct Summary {
    label: String,
    count: u32,
    tags: Vec<String>,
    joined: String,
}

/// Three positional arguments, a struct result.
#[activity]
fn three_args(label: String, count: u32, mut tags: Vec<String>) -> Summary {
    tags.sort();
    Summary {
        label: label.to_uppercase(),
        count: count * 2,
        joined: tags.join("+"),
        tags,
    }
}

static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Async, returns `()`.
#[activity]
async fn record_note(note: String) {
    NOTES.lock().unwrap().push(note);
}

#[derive(Serialize)]
struct Details {
    code: u32,
}

static CHARGE_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn charge_card(amount_cents: u64) -> Result<String, ActivityError> {
    CHARGE_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    let _ = amount_cents;
    Err(ActivityError::new("card declined")
        .with_type("PaymentError")
        .non_retryable()
        .with_details(&Details { code: 51 }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_workflow_gets_rust_activity_values() {
    let worker = common::start_worker(
        "py-values",
        activities![compose_greeting, reverse_bytes, three_args, record_note],
    )
    .await;
    let started = Instant::now();
    let report = common::run_python_workflow("values", &worker.task_queue).await;
    eprintln!(
        "python `values` workflow took {:?}: {report}",
        started.elapsed()
    );
    worker.stop().await;

    // 1. A dataclass argument arrives as the Rust struct.
    assert_eq!(
        report["your_activity"],
        json!("Hello, Python!"),
        "{report:#}"
    );
    // 2. `bytes` both ways: Python receives `bytes`, reversed by Rust.
    assert_eq!(
        report["reverse_bytes"],
        json!({"python_type": "bytes", "is_bytes": true, "hex": "fffe0100"}),
        "{report:#}"
    );
    // 3. Three positional arguments; the struct result is a Python dict.
    assert_eq!(
        report["three_args"],
        json!({"label": "WIDGET", "count": 6, "tags": ["a", "b", "c"], "joined": "a+b+c"}),
        "{report:#}"
    );
    assert_eq!(
        report["three_args_python_type"],
        json!("dict"),
        "{report:#}"
    );
    // 4. `()` from an async activity is Python's `None`.
    assert_eq!(report.get("record_note"), Some(&Value::Null), "{report:#}");
    assert_eq!(report["record_note_is_none"], json!(true), "{report:#}");
    assert_eq!(*NOTES.lock().unwrap(), ["from python"]);
}

/// Serves every type nobody registered: decodes the Python dataclass into a Rust struct.
#[activity(dynamic)]
async fn dynamic_greeting(
    ctx: ActivityContext,
    args: Vec<RawValue>,
) -> Result<String, ActivityError> {
    let params: YourParams = args
        .first()
        .ok_or_else(|| ActivityError::new("no arguments"))?
        .decode()?;
    Ok(format!(
        "{} called with {}, {} ({})",
        ctx.info().activity_type,
        params.greeting,
        params.name,
        args[0].encoding()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_workflow_reaches_the_dynamic_activity_with_a_dataclass() {
    let worker = common::start_worker(
        "py-dynamic",
        activities![dynamic_greeting, compose_greeting],
    )
    .await;
    let report = common::run_python_workflow("dynamic", &worker.task_queue).await;
    worker.stop().await;
    assert_eq!(
        report,
        json!({
            "unregistered": "not_registered_anywhere called with Hi, Dyn (json/plain)",
            "registered": "Hello, Registered!",
        }),
        "{report:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_workflow_sees_rust_application_error() {
    let worker = common::start_worker("py-failure", activities![charge_card]).await;
    let started = Instant::now();
    let report = common::run_python_workflow("failure", &worker.task_queue).await;
    eprintln!(
        "python `failure` workflow took {:?}: {report}",
        started.elapsed()
    );
    worker.stop().await;

    assert_eq!(
        report,
        json!({
            "cause_class": "ApplicationError",
            "type": "PaymentError",
            "non_retryable": true,
            "message": "card declined",
            "details": [{"code": 51}],
            "details0_python_type": "dict",
        }),
        "{report:#}"
    );
    // The workflow's retry policy allows 3 attempts; `non_retryable` stopped after the first.
    assert_eq!(CHARGE_ATTEMPTS.load(Ordering::SeqCst), 1);
}
