//! The server stops mid-load and comes back (same port, same database file): the worker
//! reconnects by itself, and the results of the work that finished while the server was down are
//! re-sent by task token, so that no activity runs twice. A result whose attempt timed out while
//! the server was down is reported lost, once, with the reason, and the activity runs again.

use crate::{common, logs};

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::{ActivityContext, Metrics, Worker, activities, activity};
use temporal_dev_server::{DevServer, DevServerOptions};

/// How many times each activity id ran, for both tests (their ids differ).
static RUNS: Mutex<BTreeMap<String, u32>> = Mutex::new(BTreeMap::new());

/// Counts the run, then takes two seconds: long enough for the server to go away meanwhile.
async fn run_slowly(ctx: &ActivityContext, n: u32) -> u32 {
    *RUNS
        .lock()
        .unwrap()
        .entry(ctx.info().activity_id.clone())
        .or_default() += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    n
}

/// Finishes while the server is down, well within its start-to-close timeout.
#[activity]
async fn resent_echo(ctx: ActivityContext, n: u32) -> u32 {
    run_slowly(&ctx, n).await
}

/// Finishes while the server is down, whose outage outlasts its start-to-close timeout.
#[activity]
async fn late_echo(ctx: ActivityContext, n: u32) -> u32 {
    run_slowly(&ctx, n).await
}

const ACTIVITIES: u32 = 10;
/// Longer than the worker core retries a completion before it gives it up.
const OUTAGE: Duration = Duration::from_secs(15);

/// What one outage left behind.
struct Outage {
    /// Runs per activity id of this scenario.
    runs: BTreeMap<String, u32>,
    /// The worker's `activity_runtime_result_*` counters for `activity_type`, by name.
    counters: BTreeMap<String, f64>,
}

/// Starts `ACTIVITIES` activities of `activity_type` (ids `{prefix}-{n}`) with the given
/// start-to-close timeout, stops the server while they run, restarts it after `OUTAGE`, and waits
/// for every result.
async fn outage(activity_type: &str, prefix: &str, start_to_close: Duration) -> Outage {
    let db = std::env::temp_dir().join(format!("{prefix}-{}.db", std::process::id()));
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
    let task_queue = common::unique_task_queue(prefix);
    let worker = Worker::builder()
        .target(&address)
        .task_queue(&task_queue)
        .register(activities![resent_echo, late_echo])
        .metrics(Metrics::prometheus("127.0.0.1:0".parse().unwrap()))
        .build()
        .await
        .unwrap();
    let metrics = worker.metrics_address().expect("a metrics endpoint");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    let client = Client::connect(&address, "default").await.unwrap();
    let mut handles = Vec::new();
    for n in 0..ACTIVITIES {
        let options = ActivityOptions::new(&task_queue)
            .id(format!("{prefix}-{n}"))
            .start_to_close_timeout(start_to_close)
            .initial_retry_interval(Duration::from_secs(1));
        handles.push(
            client
                .start_activity(activity_type, (n,), options)
                .await
                .unwrap(),
        );
    }
    let ours = |runs: &BTreeMap<String, u32>| {
        runs.iter()
            .filter(|(id, _)| id.starts_with(&format!("{prefix}-")))
            .map(|(id, n)| (id.clone(), *n))
            .collect::<BTreeMap<_, _>>()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while ours(&RUNS.lock().unwrap()).len() < ACTIVITIES as usize {
        assert!(
            Instant::now() < deadline,
            "the activities never all started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Down while every activity is running, for longer than core retries a completion.
    server.stop();
    tokio::time::sleep(OUTAGE).await;
    let _server = DevServer::start_with(options).await.unwrap();

    for (n, handle) in handles.into_iter().enumerate() {
        let result: u32 = tokio::time::timeout(Duration::from_secs(60), handle.result())
            .await
            .unwrap_or_else(|_| panic!("{prefix}-{n} did not complete after the restart"))
            .unwrap();
        assert_eq!(result, n as u32);
    }
    let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(metrics))
        .await
        .unwrap();
    let counters = samples
        .iter()
        .filter(|s| s["labels"]["activity_type"] == activity_type)
        .filter_map(|s| {
            let name = s["name"].as_str()?;
            name.starts_with("activity_runtime_result_").then(|| {
                (
                    name.trim_end_matches("_total").to_owned(),
                    s["value"].as_f64().unwrap(),
                )
            })
        })
        .collect();
    shutdown.shutdown();
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .expect("the worker stops")
        .unwrap()
        .expect("the worker served through the outage");
    let _ = std::fs::remove_file(&db);
    Outage {
        runs: ours(&RUNS.lock().unwrap()),
        counters,
    }
}

/// The log lines that name the first attempt of `id` and contain every one of `needles`.
fn lines_about(text: &str, activity_type: &str, id: &str, needles: &[&str]) -> usize {
    let attempt = format!("the result of activity `{activity_type}` (id {id}, attempt 1)");
    text.lines()
        .filter(|line| line.contains(&attempt) && needles.iter().all(|n| line.contains(n)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_finished_during_an_outage_are_resent_and_nothing_runs_twice() {
    let logs = logs::text();
    let outage = outage("resent_echo", "outage-resent", Duration::from_secs(60)).await;
    let text = logs.text();

    assert_eq!(outage.runs.len(), ACTIVITIES as usize, "{:?}", outage.runs);
    for (id, times) in &outage.runs {
        assert_eq!(
            *times, 1,
            "{id} ran {times} times: its result was not re-sent\n{text}"
        );
        assert_eq!(
            lines_about(
                &text,
                "resent_echo",
                id,
                &["WARN", "was re-sent and recorded"]
            ),
            1,
            "{id} has no single WARN line saying its result was re-sent:\n{text}"
        );
        assert_eq!(
            lines_about(&text, "resent_echo", id, &["was lost"]),
            0,
            "{text}"
        );
    }
    assert_eq!(
        outage.counters.get("activity_runtime_result_resent"),
        Some(&f64::from(ACTIVITIES)),
        "{:?}",
        outage.counters
    );
    assert_eq!(
        outage.counters.get("activity_runtime_result_lost"),
        None,
        "{:?}",
        outage.counters
    );
    println!("all {ACTIVITIES} results re-sent after the outage; none ran twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_whose_attempt_timed_out_during_the_outage_are_lost_once_with_the_reason() {
    let logs = logs::text();
    // The outage (15 s) outlasts the attempts' start-to-close timeout (8 s).
    let outage = outage("late_echo", "outage-lost", Duration::from_secs(8)).await;
    let text = logs.text();

    assert_eq!(outage.runs.len(), ACTIVITIES as usize, "{:?}", outage.runs);
    for (id, times) in &outage.runs {
        assert_eq!(
            *times, 2,
            "{id} ran {times} times, not twice (a lost result, then a retry)\n{text}"
        );
        assert_eq!(
            lines_about(
                &text,
                "late_echo",
                id,
                &[
                    "was lost: the Temporal server could not be reached to record it before the \
                   attempt's deadline"
                ]
            ),
            1,
            "{id} has no single line saying its result was lost, and why:\n{text}"
        );
        assert_eq!(
            lines_about(&text, "late_echo", id, &["ERROR"]),
            1,
            "{id}: the loss is one ERROR line\n{text}"
        );
    }
    assert_eq!(
        outage.counters.get("activity_runtime_result_lost"),
        Some(&f64::from(ACTIVITIES)),
        "{:?}",
        outage.counters
    );
    println!("all {ACTIVITIES} results past their deadline reported lost once, with the reason");
}
