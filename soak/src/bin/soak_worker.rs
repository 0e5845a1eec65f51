//! The soak's worker: one activity of each kind the runtime runs, built as a user builds a worker,
//! with a `tower` layer that writes every execution to the ledger (`SOAK_LEDGER`) before and after
//! it runs. The driver starts three of these, kills and restarts them.
//!
//! Configured from the environment: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `SOAK_TASK_QUEUE`,
//! `SOAK_LEDGER`, `S3_BUCKET` and the `AWS_*` variables of the store.

use std::sync::Arc;
use std::time::Duration;

use activity_runtime::interceptors::{Attempt, AttemptService};
use activity_runtime::storage::{ExternalStorage, ObjectStoreDriver};
use activity_runtime::{ActivityContext, ActivityError, Bytes, Worker, activities, activity};
use anyhow::Context as _;
use soak::kinds::{self, LEDGER_ENV};
use soak::ledger::Ledger;
use tower::ServiceExt as _;

/// Returns its argument after a few milliseconds.
#[activity]
async fn fast(n: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(20)).await;
    n
}

/// Works for `ms` milliseconds without a heartbeat.
#[activity]
async fn slow(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Works for `steps` half-seconds, heartbeating after each; stops when cancelled.
#[activity]
async fn heartbeating(ctx: ActivityContext, steps: u32) -> Result<u32, ActivityError> {
    for step in 0..steps {
        tokio::select! {
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        ctx.heartbeat(&step)?;
    }
    Ok(steps)
}

/// Blocks its thread for `ms` milliseconds.
#[activity]
fn blocking(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// Hashes `text` in a child process.
#[activity(isolation = "process")]
fn isolated(text: String) -> u64 {
    kinds::fnv1a(&text)
}

/// Reads a large argument and returns a large result, both through the bucket.
#[activity]
async fn large(data: Bytes) -> Bytes {
    Bytes(kinds::large_result(&data.0))
}

/// Writes `start` before each attempt and `end` with its outcome after it: in the worker, for
/// every kind (a process-isolated attempt too), after the arguments were read from the store.
fn record(
    ledger: Arc<Ledger>,
) -> impl tower::Layer<AttemptService, Service = AttemptService> + Clone {
    tower::layer::layer_fn(move |inner: AttemptService| {
        let ledger = ledger.clone();
        AttemptService::new(tower::service_fn(move |attempt: Attempt| {
            let (inner, ledger) = (inner.clone(), ledger.clone());
            async move {
                let context = attempt.context().clone();
                let (id, number) = (context.info().activity_id.clone(), context.info().attempt);
                if let Err(err) = ledger.start(&id, number) {
                    tracing::error!("cannot write the ledger: {err}");
                }
                let result = inner.oneshot(attempt).await;
                let outcome = match (&result, context.cancellation_reason()) {
                    (Ok(_), _) => "ok".to_owned(),
                    (Err(err), Some(reason)) => format!("{err} ({reason:?})"),
                    (Err(err), None) => err.to_string(),
                };
                if let Err(err) = ledger.end(&id, number, &outcome) {
                    tracing::error!("cannot write the ledger: {err}");
                }
                result
            }
        }))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    activity_runtime::process::init();
    activity_runtime::logging::init()?;
    let ledger = std::env::var_os(LEDGER_ENV).context("SOAK_LEDGER is not set")?;
    let ledger = Arc::new(Ledger::open(ledger.as_ref()).context("cannot open the ledger")?);
    let task_queue = std::env::var("SOAK_TASK_QUEUE").context("SOAK_TASK_QUEUE is not set")?;
    let bucket = std::env::var("S3_BUCKET").context("S3_BUCKET is not set")?;
    let storage =
        ExternalStorage::new(ObjectStoreDriver::s3(&bucket)?).threshold(kinds::STORAGE_THRESHOLD);
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .register(activities![
            fast,
            slow,
            heartbeating,
            blocking,
            isolated,
            large
        ])
        .external_storage(storage)
        .layer(record(ledger))
        // Heartbeats reach the server every second (not every 0.8 × the 5 s timeout): a loaded
        // machine that delays one by a second must not time the attempt out.
        .max_heartbeat_throttle_interval(Duration::from_secs(1))
        // Restarted while the server is down: wait for it.
        .connect_retry(Duration::from_secs(120))
        // On SIGTERM: two seconds to finish, then cancelled, then abandoned.
        .graceful_shutdown_period(Duration::from_secs(2))
        .shutdown_abandon_after(Duration::from_secs(5))
        .build()
        .await?;
    println!("soak worker {} serving `{task_queue}`", std::process::id());
    worker.run().await?;
    println!("soak worker {} stopped", std::process::id());
    Ok(())
}
