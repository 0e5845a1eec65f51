//! Executes the example activities as standalone activities and prints the results.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin client
//! ```

use activity_runtime::DEFAULT_TARGET;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let target = std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    examples::run_client(&target, &examples::task_queue()).await?;
    Ok(())
}
