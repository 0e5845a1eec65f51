//! Serves the example activities until Ctrl-C.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin worker
//! ```

use activity_runtime::DEFAULT_TARGET;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let target = std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    let task_queue = examples::task_queue();
    let worker = examples::worker(&target, &task_queue).await?;
    println!("worker serving task queue `{task_queue}` on {target}; Ctrl-C to stop");
    worker.run().await?;
    Ok(())
}
