//! Cross-SDK: a real TypeScript workflow (`@temporalio/workflow` 1.24, bundled and run by
//! `@temporalio/worker` 1.24; `tests/typescript/`) calls Rust activities by name with an object
//! argument, three positional arguments and bytes, and sees a Rust `ActivityError`'s type,
//! message and details as an `ApplicationFailure`; the TypeScript client then starts a Rust
//! activity as a standalone activity.
//!
//! Needs Node.js (20.3 or later) and the pinned packages: `TEMPORAL_NODE_MODULES`, else
//! `<workspace>/.tools/ts/node_modules` (`make tools` installs them); `TEMPORAL_NODE`, else
//! `node` on the `PATH`.

use crate::common;
use crate::cross_sdk::{compose_greeting, reverse_bytes};

use std::process::Command;
use std::time::Instant;

use activity_runtime::{ActivityError, activities, activity};
use serde::Serialize;
use serde_json::json;
use temporal_dev_server::testing::tools;

#[derive(Serialize)]
struct Summary {
    label: String,
    count: u32,
    joined: String,
}

/// Three positional arguments, an object result.
#[activity]
fn three_args(label: String, count: u32, mut tags: Vec<String>) -> Summary {
    tags.sort();
    Summary {
        label: label.to_uppercase(),
        count: count * 2,
        joined: tags.join("+"),
    }
}

#[derive(Serialize)]
struct Details {
    code: u32,
}

#[activity]
async fn charge_card(amount_cents: u64) -> Result<String, ActivityError> {
    Err(
        ActivityError::new(format!("card declined for {amount_cents} cents"))
            .with_type("PaymentError")
            .non_retryable()
            .with_details(&Details { code: 51 }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_workflow_and_client_call_rust_activities() {
    let (node, modules) = (tools::node(), tools::sdk_node_modules());
    let worker = common::start_worker(
        "ts-interop",
        activities![compose_greeting, reverse_bytes, three_args, charge_card],
    )
    .await;
    let server = common::server().await;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/typescript/interop.js");
    let mut command = Command::new(node);
    command
        .env("TEMPORAL_NODE_MODULES", &modules)
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--activity-task-queue", &worker.task_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("ts-workflows"),
        ]);
    let started = Instant::now();
    let report = common::run_json_script(command, "the TypeScript workflow").await;
    eprintln!(
        "TypeScript interop took {:?} (bundle {} ms, workflow {} ms)",
        started.elapsed(),
        report["bundleMs"],
        report["workflowMs"]
    );
    worker.stop().await;

    let workflow = &report["workflow"];
    // An object argument arrives as the Rust struct.
    assert_eq!(
        workflow["greeting"],
        json!("Hello, TypeScript!"),
        "{report:#}"
    );
    // Three positional arguments; the struct result is a TypeScript object.
    assert_eq!(
        workflow["summary"],
        json!({"label": "WIDGET", "count": 6, "joined": "a+b+c"}),
        "{report:#}"
    );
    // Bytes both ways: a `Uint8Array`, reversed by Rust.
    assert_eq!(
        workflow["reversed"],
        json!({"tag": "[object Uint8Array]", "hex": "fffe0100"}),
        "{report:#}"
    );
    // The Rust `ActivityError` as an `ApplicationFailure`: type, message, non-retryable, details.
    assert_eq!(
        workflow["failure"],
        json!({
            "errorClass": "ActivityFailure",
            "causeClass": "ApplicationFailure",
            "type": "PaymentError",
            "message": "card declined for 1999 cents",
            "nonRetryable": true,
            "details": [{"code": 51}],
        }),
        "{report:#}"
    );
    // The TypeScript client starts a standalone activity on the Rust worker.
    assert_eq!(
        report["standalone"],
        json!({"result": {"label": "GADGET", "count": 4, "joined": "y+z"}}),
        "{report:#}"
    );
}
