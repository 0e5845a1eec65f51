//! `ActivityEnvironment`: every context feature, without a server.

use std::time::Duration;

use activity_runtime::testing::ActivityEnvironment;
use activity_runtime::{ActivityContext, ActivityError, CancellationReason, activity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Progress {
    done: u32,
}

#[activity]
async fn describe(ctx: ActivityContext) -> (String, String, u32, Option<String>, String) {
    let info = ctx.info();
    (
        info.activity_type.clone(),
        info.activity_id.clone(),
        info.attempt,
        info.workflow_id.clone(),
        info.task_queue.clone(),
    )
}

#[activity]
async fn resume(ctx: ActivityContext, total: u32) -> Result<u32, ActivityError> {
    let start = ctx.heartbeat_details::<Progress>()?.map_or(0, |p| p.done);
    for done in start + 1..=total {
        ctx.heartbeat(&Progress { done })?;
    }
    Ok(total - start)
}

/// Heartbeats until cancelled, then reports why.
#[activity]
async fn until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    let mut beat = 0u32;
    loop {
        beat += 1;
        ctx.heartbeat(&beat)?;
        tokio::select! {
            _ = ctx.cancelled() => return Err(ActivityError::cancelled()),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
}

#[activity]
fn blocking_until_cancelled(ctx: ActivityContext) -> Result<String, ActivityError> {
    while !ctx.wait_cancelled_timeout(Duration::from_millis(20)) {
        ctx.heartbeat(&"waiting")?;
    }
    Ok(format!("{:?}", ctx.cancellation_reason().unwrap()))
}

#[activity]
async fn waits_for_shutdown(ctx: ActivityContext) -> bool {
    let before = ctx.is_worker_shutdown();
    ctx.worker_shutdown().await;
    !before && ctx.is_worker_shutdown()
}

#[activity]
async fn reads_header(ctx: ActivityContext) -> Option<String> {
    let converter = ctx.payload_converter();
    ctx.headers()
        .get("tenant")
        .map(|p| converter.from_payload::<String>(p).unwrap())
}

#[activity]
async fn typed(n: u32) -> u32 {
    n + 1
}

#[tokio::test]
async fn info_is_settable() {
    let mut env = ActivityEnvironment::new();
    env.info_mut().attempt = 3;
    env.info_mut().workflow_id = Some("wf-1".to_owned());
    let out: (String, String, u32, Option<String>, String) =
        env.run::<describe, _>(()).await.unwrap();
    assert_eq!(
        out,
        (
            "describe".to_owned(),
            "test-activity".to_owned(),
            3,
            Some("wf-1".to_owned()),
            "test".to_owned()
        )
    );
}

#[tokio::test]
async fn heartbeats_are_captured_and_previous_details_read_typed() {
    let env = ActivityEnvironment::new();
    let out: u32 = env.run::<resume, _>((3,)).await.unwrap();
    assert_eq!(out, 3);
    assert_eq!(
        env.heartbeats::<Progress>(),
        [
            Progress { done: 1 },
            Progress { done: 2 },
            Progress { done: 3 }
        ]
    );

    let env = ActivityEnvironment::new().with_previous_heartbeat(&Progress { done: 2 });
    let out: u32 = env.run::<resume, _>((5,)).await.unwrap();
    assert_eq!(out, 3, "resumed after the previous attempt's progress");
    assert_eq!(env.heartbeats::<Progress>()[0], Progress { done: 3 });
}

#[tokio::test]
async fn cancellation_arrives_with_the_chosen_reason_at_the_chosen_heartbeat() {
    let env = ActivityEnvironment::new();
    env.cancel_on_heartbeat(4, CancellationReason::Paused);
    let err = env.run::<until_cancelled, ()>(()).await.unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(env.heartbeats::<u32>(), [1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_from_another_task_reaches_a_running_activity() {
    let env = std::sync::Arc::new(ActivityEnvironment::new());
    let canceller = env.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        canceller.cancel(CancellationReason::CancelRequested);
    });
    let err = env.run::<until_cancelled, ()>(()).await.unwrap_err();
    assert!(err.is_cancelled());
    assert!(env.heartbeats::<u32>().len() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_activity_waits_for_cancellation_and_sees_the_reason() {
    let env = ActivityEnvironment::new();
    env.cancel_on_heartbeat(2, CancellationReason::TimedOut);
    let out: String = env.run::<blocking_until_cancelled, _>(()).await.unwrap();
    assert_eq!(out, "TimedOut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_shutdown_signal_is_seen() {
    let env = std::sync::Arc::new(ActivityEnvironment::new());
    let signaller = env.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        signaller.shutdown_worker();
    });
    let saw: bool = env.run::<waits_for_shutdown, _>(()).await.unwrap();
    assert!(saw);
}

#[tokio::test]
async fn headers_and_the_payload_converter() {
    let tenant = activity_runtime::PayloadConverter::default()
        .to_payload("acme")
        .unwrap();
    let env = ActivityEnvironment::new().with_header("tenant", tenant);
    let out: Option<String> = env.run::<reads_header, _>(()).await.unwrap();
    assert_eq!(out.as_deref(), Some("acme"));
}

#[tokio::test]
async fn arguments_go_through_the_worker_decode_path() {
    let env = ActivityEnvironment::new();
    let out: u32 = env.run::<typed, _>((41,)).await.unwrap();
    assert_eq!(out, 42);
    let err = env.run::<typed, u32>(("forty-one",)).await.unwrap_err();
    assert_eq!(err.error_type(), "ArgumentError");
    assert!(
        err.message().starts_with(
            "activity `typed` could not decode argument 1 `n: u32` from a `json/plain` payload"
        ),
        "{}",
        err.message()
    );
}

/// Reports the cancellation as the activity sees it: reason, flags, and no client in tests.
#[activity]
async fn reports_cancellation(ctx: ActivityContext) -> (String, bool, bool, bool) {
    let before = ctx.is_cancelled();
    ctx.cancelled().await;
    let details = ctx.cancellation_details().unwrap();
    (
        format!("{:?}", details.reason),
        details.paused,
        before,
        ctx.client().is_none(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_activity_sees_the_reason_and_its_flag() {
    let env = std::sync::Arc::new(ActivityEnvironment::new());
    let canceller = env.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        canceller.cancel(CancellationReason::Paused);
    });
    let out: (String, bool, bool, bool) = env.run::<reports_cancellation, _>(()).await.unwrap();
    assert_eq!(out, ("Paused".to_owned(), true, false, true));
}
