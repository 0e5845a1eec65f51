//! A worker set up for production: it waits for a server that starts after it, stops on SIGTERM
//! (as Docker, systemd and Kubernetes stop a process) within a bound, and serves a long,
//! heartbeating activity that ends cleanly when cancelled, a process-isolated one, and the
//! example activities. It is what the container image (`examples/deploy/Containerfile`) runs.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin production_worker
//! kill -TERM <pid>     # running batches are cancelled and retried at once by another worker
//! ```
//!
//! Set by the environment, as a container sets them: `HEALTH_ADDRESS` (e.g. `0.0.0.0:8080`) serves
//! `GET /livez` and `GET /readyz`, `METRICS_ADDRESS` (e.g. `0.0.0.0:9464`) the Prometheus
//! `GET /metrics`, and `SERVER_UNREACHABLE_AFTER_SECS` (default 30) is how long the server may be
//! silent before the worker reports itself not ready. The connection's own variables
//! (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`) apply as
//! everywhere.

use std::time::Duration;

use activity_runtime::{ActivityContext, ActivityError, Metrics, Worker, activities, activity};

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

/// Checksums `text` (FNV-1a) in a child process of its own, so that a crash there fails only
/// this attempt; returns the checksum and the child's process id.
#[activity(isolation = "process")]
fn checksum(text: String) -> (u64, u32) {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash, std::process::id())
}

/// The first SIGTERM or Ctrl-C (SIGINT).
async fn stop_signal() -> &'static str {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM can be listened for");
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
    }
}

/// An address from the environment variable `name`, if set.
fn address(name: &str) -> Result<Option<std::net::SocketAddr>, Box<dyn std::error::Error>> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(
            value
                .parse()
                .map_err(|err| format!("{name}={value}: {err}"))?,
        )),
        Err(_) => Ok(None),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A child process started for `checksum` serves it and exits here.
    activity_runtime::process::init();
    let task_queue = examples::task_queue();
    let unreachable_after = match std::env::var("SERVER_UNREACHABLE_AFTER_SECS") {
        Ok(secs) => Duration::from_secs(secs.parse()?),
        Err(_) => Duration::from_secs(30),
    };
    let mut builder = Worker::builder()
        .task_queue(&task_queue)
        .register(activities![
            process_batch,
            checksum,
            examples::say_hello,
            examples::compose_greeting,
            examples::count_words
        ])
        .server_unreachable_after(unreachable_after);
    if let Some(health) = address("HEALTH_ADDRESS")? {
        builder = builder.health_probes(health);
    }
    if let Some(metrics) = address("METRICS_ADDRESS")? {
        builder = builder.metrics(Metrics::prometheus(metrics));
    }
    let building = builder
        // Wait up to a minute for the server (it may start after us).
        .connect_retry(Duration::from_secs(60))
        // On SIGTERM: let running batches go on for 5 s, then cancel them; any still running
        // 10 s later is reported failed (retryable) and abandoned. Keep the sum below the
        // orchestrator's grace (Kubernetes' terminationGracePeriodSeconds, 30 s by default).
        .graceful_shutdown_period(Duration::from_secs(5))
        .shutdown_abandon_after(Duration::from_secs(10))
        .build();
    // Stop while still waiting for the server too: as PID 1 in a container, a signal nobody
    // listens for is ignored, and the orchestrator would wait its whole grace period.
    let worker = tokio::select! {
        built = building => built?,
        signal = stop_signal() => {
            println!("{signal} received before the worker connected; stopped");
            return Ok(());
        }
    };
    if let Some(health) = worker.health_address() {
        println!("health probes on http://{health}/livez and http://{health}/readyz");
    }
    println!("worker serving task queue `{task_queue}`; SIGTERM or Ctrl-C to stop");
    worker.run().await?;
    println!("worker stopped");
    Ok(())
}
