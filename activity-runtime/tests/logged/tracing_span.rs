//! Ordinary `tracing` logs inside an activity carry its type, id, attempt and workflow id, from
//! async and blocking activities alike.

use crate::common;

use activity_runtime::{activities, activity};

#[activity]
async fn logs_async(order: u32) {
    tracing::info!(order, "charging from async");
}

#[activity]
fn logs_blocking(order: u32) {
    tracing::info!(order, "charging from a blocking thread");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_inside_activities_carry_the_activity_fields() {
    let captured = crate::logs::text();

    let worker = common::start_worker("spans", activities![logs_async, logs_blocking]).await;
    let client = common::client().await;
    for (activity_type, id) in [
        ("logs_async", "span-async"),
        ("logs_blocking", "span-blocking"),
    ] {
        client
            .execute_activity::<()>(
                activity_type,
                (7,),
                common::one_attempt(&worker.task_queue).id(id),
            )
            .await
            .unwrap();
    }
    worker.stop().await;

    let output = captured.text();
    for (activity_type, id, message) in [
        ("logs_async", "span-async", "charging from async"),
        (
            "logs_blocking",
            "span-blocking",
            "charging from a blocking thread",
        ),
    ] {
        let line = output
            .lines()
            .find(|l| l.contains(message))
            .unwrap_or_else(|| panic!("no log line {message:?} in:\n{output}"));
        let fields = format!(
            "activity{{activity_type={activity_type} activity_id={id} attempt=1 workflow_id=\"\"}}"
        );
        assert!(line.contains(&fields), "{line}\nlacks {fields}");
        assert!(line.contains("order=7"), "{line}");
    }
}
