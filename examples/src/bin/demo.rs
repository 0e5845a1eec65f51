//! The main job, end to end: use the Temporal server at `TEMPORAL_ADDRESS` (or `localhost:7233`)
//! or start a dev server when none answers, run the example worker, execute every example
//! activity through a real Temporal client, print the results and shut down.
//!
//! ```text
//! make demo
//! ```

use std::time::Duration;

use activity_runtime::DEFAULT_TARGET;
use temporal_dev_server::DevServer;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Warnings and errors only: the demo's output is the results.
    examples::init_tracing_from(tracing_subscriber::filter::LevelFilter::WARN);
    let configured =
        std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| DEFAULT_TARGET.to_owned());
    let (target, _server) = if reachable(&configured).await {
        println!("using the Temporal server at {configured}");
        (configured, None)
    } else {
        println!("no Temporal server at {configured}; starting a dev server");
        let server = DevServer::start().await?;
        println!("dev server listening on {}", server.address());
        (server.address().to_owned(), Some(server))
    };

    let task_queue = examples::task_queue();
    let worker = examples::worker(&target, &task_queue).await?;
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    let outcome = examples::run_client(&target, &task_queue).await;
    shutdown.shutdown();
    serving.await??;
    outcome?;
    Ok(())
}

async fn reachable(address: &str) -> bool {
    let host_port = address.split("://").last().unwrap_or(address);
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(host_port)
        )
        .await,
        Ok(Ok(_))
    )
}
