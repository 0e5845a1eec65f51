//! Async completion end to end: the activity hands out its task token and returns; another
//! program (the `complete` example) completes it; the caller gets that result.

use std::process::Command;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use temporal_dev_server::DevServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_program_completes_the_activity_by_task_token() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("approvals-{}", std::process::id());
    let worker = examples::worker(server.address(), &task_queue)
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    let client = Client::connect(server.address(), "default").await.unwrap();
    let id = format!("approval-{}", std::process::id());
    let handle = client
        .start_activity(
            "request_approval",
            ("refund order 7",),
            ActivityOptions::new(&task_queue).id(&id),
        )
        .await
        .unwrap();

    let token_file = examples::approvals_dir().join(format!("{id}.token"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !token_file.exists() {
        assert!(Instant::now() < deadline, "no task token written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let output = Command::new(env!("CARGO_BIN_EXE_complete"))
        .arg(&token_file)
        .arg("approved by Ada")
        .env("TEMPORAL_ADDRESS", server.address())
        .output()
        .expect("the complete example runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let decision: String = handle.result().await.unwrap();
    assert_eq!(decision, "approved by Ada");
    std::fs::remove_file(&token_file).unwrap();
    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}
