//! The example worker serves the `temporal` CLI: `temporal activity execute` gets the result.

use std::process::Command;

use temporal_dev_server::DevServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporal_activity_execute_reaches_say_hello() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("cli-{}", std::process::id());
    let worker = examples::worker(server.address(), &task_queue)
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    let cli = server.cli_path().to_owned();
    let address = server.address().to_owned();
    let queue = task_queue.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(cli)
            .args([
                "activity",
                "execute",
                "--activity-id",
                "hello-1",
                "--type",
                "say_hello",
            ])
            .args(["--task-queue", &queue, "--start-to-close-timeout", "30s"])
            .args(["--input", "\"World\"", "--address", &address])
            .env_remove("TEMPORAL_ADDRESS")
            .output()
            .expect("the temporal CLI runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "CLI failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"Hello, World!\""),
        "result missing from the CLI output:\n{stdout}"
    );

    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_client_prints_every_result() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("client-{}", std::process::id());
    let worker = examples::worker(server.address(), &task_queue)
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    examples::run_client(server.address(), &task_queue)
        .await
        .expect("every example activity succeeds");
    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}
