//! Calls the example activities through the official Temporal client's `start_activity`, with the
//! definitions `#[activity]` generates: typed input, typed output, no activity names in strings.
//! An oversized input is refused before any request.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin typed_client
//! ```
//!
//! Activity ids are `{task queue}-{process id}-{call}`, e.g. `hello-activities-4242-hello`; the
//! task queue is `EXAMPLE_TASK_QUEUE`, default `hello-activities`.

use std::time::Duration;

use activity_runtime::client::{
    ActivityCloseTimeouts, ActivityDefinition, ActivityStartOptions, Client, ClientError,
};
use activity_runtime::{Activity, DEFAULT_TARGET};
use examples::{YourParams, compose_greeting, count_words, say_hello};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let target = std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    let task_queue = examples::task_queue();
    let client = Client::connect(target, "default").await?;
    let prefix = format!("{task_queue}-{}", std::process::id());
    println!("activity ids start with {prefix}-");
    let id = |call: &str| format!("{prefix}-{call}");

    let greeting: String = execute(&client, say_hello {}, "World".to_owned(), id("hello")).await?;
    println!("say_hello(\"World\") -> {greeting}");

    // The context is not an input: `your_activity` takes just its parameters.
    let params = YourParams {
        greeting: "Hello".into(),
        name: "typed Rust".into(),
    };
    let composed: String = execute(&client, compose_greeting {}, params, id("compose")).await?;
    println!("your_activity({{greeting: \"Hello\", name: \"typed Rust\"}}) -> {composed}");

    // `Result<usize, _>` comes back as `usize`.
    let text = "the quick brown fox jumps over the lazy dog".to_owned();
    let words: usize = execute(&client, count_words {}, text, id("count")).await?;
    println!("count_words(\"the quick brown fox ...\") -> {words}");

    let huge = "x".repeat(3 << 20);
    match execute(&client, say_hello {}, huge, id("oversized")).await {
        Err(err) if matches!(err.downcast_ref(), Some(ClientError::TooLarge(_))) => {
            println!("say_hello(<3 MiB>) refused before any request: {err}");
        }
        Err(err) => return Err(err),
        Ok(_) => anyhow::bail!("an oversized input was sent"),
    }
    Ok(())
}

/// Checks the input's size, then starts activity `A` as `id` with the official client and waits
/// for its typed result.
async fn execute<A>(
    client: &Client,
    activity: A,
    input: A::Input,
    id: String,
) -> anyhow::Result<A::Output>
where
    A: Activity + ActivityDefinition,
{
    client.check_input::<A>(&input).await?;
    let timeouts = ActivityCloseTimeouts::StartToClose(Duration::from_secs(30));
    let options = ActivityStartOptions::new(examples::task_queue(), id, timeouts).build();
    let handle = client
        .inner()
        .start_activity(activity, input, options)
        .await?;
    Ok(handle.result().await?)
}
