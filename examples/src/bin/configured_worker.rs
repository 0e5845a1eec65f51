//! Serves the example activities with nothing set in code but the task queue: the server, the
//! namespace, TLS and the API key come from the `TEMPORAL_*` variables or a `temporal.toml`
//! profile, as for the `temporal` CLI and the other SDKs.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 TEMPORAL_NAMESPACE=default cargo run -p examples --bin configured_worker
//! TEMPORAL_CONFIG_FILE=temporal.toml TEMPORAL_PROFILE=prod cargo run -p examples --bin configured_worker
//! ```

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let task_queue = examples::task_queue();
    let worker = activity_runtime::Worker::builder()
        .task_queue(&task_queue)
        .register(activity_runtime::activities![
            examples::say_hello,
            examples::compose_greeting
        ])
        .build()
        .await?;
    println!(
        "worker serving task queue `{task_queue}` in namespace `{}`; Ctrl-C to stop",
        worker.namespace()
    );
    worker.run().await?;
    Ok(())
}
