//! Serves the example activities until Ctrl-C, or prints their contract.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin worker
//! cargo run -p examples --bin worker -- --print-contract > examples/contract.json
//! ```

use activity_runtime::DEFAULT_TARGET;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--print-contract") {
        // The contract of what this binary serves: what typed callers are generated from, and
        // what CI compares with the committed copy.
        print!("{}", examples::activities().contract().to_json());
        return Ok(());
    }
    examples::init_tracing();
    let target = std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    let task_queue = examples::task_queue();
    let worker = examples::worker(&target, &task_queue).await?;
    println!("worker serving task queue `{task_queue}` on {target}; Ctrl-C to stop");
    worker.run().await?;
    Ok(())
}
