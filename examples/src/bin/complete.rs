//! Completes an activity that is waiting for asynchronous completion, from another program: reads
//! the task token that `request_approval` wrote and completes the activity with a decision,
//! through the official client's async activity handle.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin complete -- /tmp/.../ID.token approved
//! ```

use activity_runtime::DEFAULT_TARGET;
use activity_runtime::client::Client;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let mut args = std::env::args().skip(1);
    let (Some(token_file), Some(decision)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: complete <token file> <decision>");
    };
    let hex = std::fs::read_to_string(&token_file)?;
    let token = (0..hex.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()?;

    let target = std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    let client = Client::connect(&target, "default").await?;
    client.complete_activity(&token, &decision).await?;
    println!("completed the activity with {decision:?}");
    Ok(())
}
