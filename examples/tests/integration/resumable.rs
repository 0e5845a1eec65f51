//! `import_rows` (a blocking activity that heartbeats after each row) when its worker process is
//! killed mid-import: the server notices within the heartbeat timeout, and the retry, on another
//! worker process, resumes from the last heartbeat that reached the server rather than row 0.

use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client};
use examples::resumable::ImportReport;

use crate::common::{self, WorkerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_import_resumes_on_another_worker() {
    let server = common::server().await;
    let task_queue = common::unique_task_queue("resumable");
    let first = WorkerProcess::start(env!("CARGO_BIN_EXE_worker"), server, &task_queue, &[]);
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    // 1000 rows of 5 ms: 5 s of work; heartbeats reach the server every 0.8 × 2 s at most.
    let handle = client
        .start_activity(
            "import_rows",
            (1000u32, None::<u32>),
            ActivityOptions::new(&task_queue)
                .start_to_close_timeout(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(2))
                .initial_retry_interval(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    first.wait_for_line("importing", 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    drop(first); // SIGKILL: no failure is reported, the heartbeat timeout tells the server

    let _second = WorkerProcess::start(env!("CARGO_BIN_EXE_worker"), server, &task_queue, &[]);
    let report: ImportReport = tokio::time::timeout(Duration::from_secs(30), handle.result())
        .await
        .expect("the second worker finishes the import")
        .unwrap();
    assert_eq!(report.rows, 1000);
    assert_eq!(report.attempt, 2);
    assert!(
        report.resumed_at > 0 && report.resumed_at < 1000,
        "the retry started at row {}, not from the last heartbeat",
        report.resumed_at
    );
    println!("the retry resumed at row {}", report.resumed_at);
}
