//! The server stops mid-load and comes back (same port, same database file): the worker
//! reconnects by itself, every activity completes, and each result lost during the outage is
//! logged as one `ERROR` line naming the activity.

use crate::{common, logs};

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::{ActivityContext, Worker, activities, activity};
use temporal_dev_server::{DevServer, DevServerOptions};

/// How many times each activity id ran.
static RUNS: Mutex<BTreeMap<String, u32>> = Mutex::new(BTreeMap::new());

/// Takes two seconds: long enough for the server to go away meanwhile.
#[activity]
async fn slow_echo(ctx: ActivityContext, n: u32) -> u32 {
    *RUNS
        .lock()
        .unwrap()
        .entry(ctx.info().activity_id.clone())
        .or_default() += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    n
}

const ACTIVITIES: u32 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_loses_no_activity_and_names_each_lost_result() {
    let logs = logs::text();

    let db = std::env::temp_dir().join(format!("outage-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = DevServerOptions {
        port: Some(port),
        db_filename: Some(db.clone()),
        ..Default::default()
    };
    let server = DevServer::start_with(options.clone()).await.unwrap();
    let address = server.address().to_owned();
    let task_queue = common::unique_task_queue("outage");
    let worker = Worker::builder()
        .target(&address)
        .task_queue(&task_queue)
        .register(activities![slow_echo])
        .build()
        .await
        .unwrap();
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    let client = Client::connect(&address, "default").await.unwrap();
    let mut handles = Vec::new();
    for n in 0..ACTIVITIES {
        let options = ActivityOptions::new(&task_queue)
            .id(format!("outage-{n}"))
            .start_to_close_timeout(Duration::from_secs(10))
            .initial_retry_interval(Duration::from_secs(1));
        handles.push(
            client
                .start_activity("slow_echo", (n,), options)
                .await
                .unwrap(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while RUNS.lock().unwrap().len() < ACTIVITIES as usize {
        assert!(
            Instant::now() < deadline,
            "the activities never all started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Down while every activity is running, for longer than core retries a completion.
    server.stop();
    tokio::time::sleep(Duration::from_secs(15)).await;
    let _server = DevServer::start_with(options).await.unwrap();

    for (n, handle) in handles.into_iter().enumerate() {
        let result: u32 = tokio::time::timeout(Duration::from_secs(60), handle.result())
            .await
            .unwrap_or_else(|_| panic!("outage-{n} did not complete after the restart"))
            .unwrap();
        assert_eq!(result, n as u32);
    }
    shutdown.shutdown();
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .expect("the worker stops")
        .unwrap()
        .expect("the worker served through the outage");

    let text = logs.text();
    let runs = RUNS.lock().unwrap().clone();
    let rerun: Vec<&String> = runs
        .iter()
        .filter(|(_, r)| **r > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(
        !rerun.is_empty(),
        "no result was lost, so the outage tested nothing: {runs:?}"
    );
    for (id, times) in &runs {
        let lost_lines = text
            .lines()
            .filter(|line| {
                line.contains("ERROR")
                    && line.contains(&format!(
                        "the result of activity `slow_echo` (id {id}, attempt 1) was lost"
                    ))
            })
            .count();
        let expected = usize::from(*times > 1);
        assert_eq!(
            lost_lines, expected,
            "{id} ran {times} time(s) and has {lost_lines} lost-result line(s):\n{text}"
        );
    }
    println!("results lost and run again: {rerun:?}");
    let _ = std::fs::remove_file(&db);
}
