//! A worker set up for production: it waits for a server that starts after it, stops on SIGTERM
//! (as Docker, systemd and Kubernetes stop a process) within a bound, and serves a long,
//! heartbeating activity that ends cleanly when cancelled.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin production_worker
//! kill -TERM <pid>     # running batches are cancelled and retried at once by another worker
//! ```

use std::time::Duration;

use activity_runtime::{ActivityContext, ActivityError, Worker, activities, activity};

/// Processes `items` items, one every 100 ms, heartbeating its progress so that a retry resumes
/// where this attempt stopped. Returns how many items it processed and in which attempt it
/// finished.
#[activity]
async fn process_batch(ctx: ActivityContext, items: u32) -> Result<(u32, u32), ActivityError> {
    let mut done: u32 = ctx.heartbeat_details()?.unwrap_or(0);
    println!(
        "process_batch {} attempt {} started at item {done}",
        ctx.info().activity_id,
        ctx.info().attempt
    );
    while done < items {
        tokio::select! {
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        done += 1;
        ctx.heartbeat(&done)?;
    }
    Ok((done, ctx.info().attempt))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The worker's logs on stderr, coloured only on a terminal (RUST_LOG=debug for more).
    activity_runtime::logging::init()?;
    let task_queue = examples::task_queue();
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .register(activities![process_batch])
        // Wait up to a minute for the server (it may start after us).
        .connect_retry(Duration::from_secs(60))
        // On SIGTERM: let running batches go on for 5 s, then cancel them; any still running
        // 10 s later is reported failed (retryable) and abandoned. Keep the sum below the
        // orchestrator's grace (Kubernetes' terminationGracePeriodSeconds, 30 s by default).
        .graceful_shutdown_period(Duration::from_secs(5))
        .shutdown_abandon_after(Duration::from_secs(10))
        .build()
        .await?;
    println!("worker serving task queue `{task_queue}`; SIGTERM or Ctrl-C to stop");
    worker.run().await?;
    println!("worker stopped");
    Ok(())
}
