//! Payload size limits against a real dev server: oversized results and heartbeat details fail
//! the attempt at once with a message that names the activity, the size, the limit and where the
//! limit comes from; large but allowed results warn once per activity type; oversized inputs are
//! refused by the caller before any request.

use crate::common;
use crate::logs::{Event, events};

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityFailure, ActivityOptions, Client, ClientError};
use activity_runtime::payload::PayloadError;
use activity_runtime::{ActivityContext, ActivityError, Worker, activities, activity};
use temporal_dev_server::{DevServer, DevServerOptions};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// The `Payloads` size of one JSON string of `len` ASCII characters: the quotes, the payload's
/// `encoding: json/plain` metadata (24 bytes) and the framing.
fn encoded_string(len: usize) -> usize {
    let varint = |n: usize| if n < 1 << 21 { 3 } else { 4 };
    let data = len + 2;
    let payload = 1 + varint(data) + data + 24;
    1 + varint(payload) + payload
}

#[activity]
async fn three_mib() -> String {
    "x".repeat(3 * MIB)
}

#[activity(max_result_size = "512 KiB")]
async fn declared_512k() -> String {
    "x".repeat(MIB)
}

#[activity]
async fn six_hundred_kib() -> String {
    "x".repeat(600 * KIB)
}

static FIVE_MIB_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[activity]
fn five_mib(ctx: ActivityContext) -> String {
    FIVE_MIB_ATTEMPTS.fetch_max(ctx.info().attempt, Ordering::SeqCst);
    "x".repeat(5 * MIB)
}

#[activity]
async fn big_heartbeat(ctx: ActivityContext) -> Result<String, ActivityError> {
    ctx.heartbeat(&"x".repeat(3 * MIB))?;
    Ok("never returned".to_owned())
}

/// What `heartbeat` returned to the activity that ignored it.
static IGNORED_ERROR: Mutex<Option<String>> = Mutex::new(None);

#[activity]
async fn ignores_heartbeat_error(ctx: ActivityContext) -> String {
    let err = ctx.heartbeat(&"x".repeat(3 * MIB)).unwrap_err();
    assert!(matches!(err, PayloadError::TooLarge(_)), "{err:?}");
    *IGNORED_ERROR.lock().unwrap() = Some(err.to_string());
    ctx.heartbeat(&"small progress").unwrap();
    "carried on".to_owned()
}

#[activity(max_heartbeat_size = "64 KiB")]
async fn declared_heartbeat(ctx: ActivityContext) -> Result<(), ActivityError> {
    ctx.heartbeat(&"x".repeat(32 * KIB))?;
    ctx.heartbeat(&"x".repeat(100 * KIB))?;
    Ok(())
}

#[activity]
async fn big_input(key: String, data: String) -> usize {
    key.len() + data.len()
}

/// The warnings logged with `activity_type` as a field.
fn warnings_for(activity_type: &str) -> Vec<Event> {
    events()
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .filter(|e| e.activity_type.as_deref() == Some(activity_type))
        .cloned()
        .collect()
}

async fn failure_of(
    client: &Client,
    activity_type: &str,
    options: ActivityOptions,
) -> ActivityFailure {
    match client
        .execute_activity::<serde_json::Value>(activity_type, (), options)
        .await
    {
        Err(ClientError::Failed(failure)) => failure,
        other => panic!("`{activity_type}` should fail, got {other:?}"),
    }
}

/// The failure the activity itself reported, below the server's wrapper if there is one.
fn innermost(failure: &ActivityFailure) -> &ActivityFailure {
    match &failure.cause {
        Some(cause) => innermost(cause),
        None => failure,
    }
}

fn limit_message(
    activity_type: &str,
    what: &str,
    size: usize,
    limit: &str,
    source: &str,
) -> String {
    let size = format!("{size} bytes ({:.2} MiB)", size as f64 / MIB as f64);
    format!(
        "activity `{activity_type}` {what} of {size} encoded, over the limit of {limit} set by {source}"
    )
}

const NAMESPACE_LIMIT: &str =
    "the blob size limit of namespace `default` (the server's `limit.blobSize.error`)";
const RESULT_ADVICE: &str = ". Temporal cannot carry payloads this large: store the data elsewhere \
                             (object storage, a database) and return a reference to it, such as a \
                             key or URL; or configure external storage \
                             (`WorkerBuilder::external_storage` on the worker), which keeps large \
                             payloads in a bucket and only references to them in the history (see \
                             \"Large payloads and external storage\" in the guide)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_namespace_limit_fails_with_a_precise_message() {
    events();
    let worker = common::start_worker("limits-ns", activities![three_mib]).await;
    let client = common::client().await;
    let failure = failure_of(
        &client,
        "three_mib",
        common::one_attempt(&worker.task_queue),
    )
    .await;
    let failure = innermost(&failure);
    assert_eq!(failure.error_type, "PayloadsTooLarge", "{failure}");
    assert!(
        !failure.non_retryable,
        "retryable, as core makes it: {failure}"
    );
    let expected = limit_message(
        "three_mib",
        "returned a result",
        encoded_string(3 * MIB),
        "2097152 bytes (2 MiB)",
        NAMESPACE_LIMIT,
    ) + RESULT_ADVICE;
    assert_eq!(failure.message, expected);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_declared_limit_fails_naming_the_attribute() {
    events();
    let worker = common::start_worker("limits-attr", activities![declared_512k]).await;
    let client = common::client().await;
    let failure = failure_of(
        &client,
        "declared_512k",
        common::one_attempt(&worker.task_queue),
    )
    .await;
    let failure = innermost(&failure);
    assert_eq!(failure.error_type, "PayloadsTooLarge", "{failure}");
    let expected = limit_message(
        "declared_512k",
        "returned a result",
        encoded_string(MIB),
        "524288 bytes (512 KiB)",
        "`max_result_size` in the activity's `#[activity(...)]` attribute",
    ) + RESULT_ADVICE;
    assert_eq!(failure.message, expected);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_warning_level_succeeds_and_warns_once_per_activity_type() {
    events();
    let worker = common::start_worker("limits-warn", activities![six_hundred_kib]).await;
    let client = common::client().await;
    for _ in 0..2 {
        let result: String = client
            .execute_activity(
                "six_hundred_kib",
                (),
                common::one_attempt(&worker.task_queue),
            )
            .await
            .expect("600 KiB is under the limit");
        assert_eq!(result.len(), 600 * KIB);
    }
    worker.stop().await;

    let warnings = warnings_for("six_hundred_kib");
    assert_eq!(
        warnings.len(),
        1,
        "one warning over two executions: {warnings:#?}"
    );
    let message = &warnings[0].message;
    let size = encoded_string(600 * KIB);
    for fact in [
        format!("activity `six_hundred_kib` returned a result of {size} bytes (600.0 KiB) encoded"),
        "over the warning level of 524288 bytes (512 KiB) set by the default warning level"
            .to_owned(),
        format!("The limit is 2097152 bytes (2 MiB) ({NAMESPACE_LIMIT})"),
        "storing large data elsewhere and passing a reference".to_owned(),
    ] {
        assert!(message.contains(&fact), "{message}\nlacks: {fact}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_mib_result_fails_at_once_without_a_retry_loop() {
    events();
    let worker = common::start_worker("limits-5mib", activities![five_mib]).await;
    let client = common::client().await;
    let options = ActivityOptions::new(&worker.task_queue)
        .maximum_attempts(2)
        .initial_retry_interval(Duration::from_millis(500))
        .start_to_close_timeout(Duration::from_secs(60));
    let started = Instant::now();
    let failure = failure_of(&client, "five_mib", options).await;
    let elapsed = started.elapsed();
    let inner = innermost(&failure);
    assert_eq!(inner.error_type, "PayloadsTooLarge", "{failure}");
    assert!(
        inner.message.starts_with(&limit_message(
            "five_mib",
            "returned a result",
            encoded_string(5 * MIB),
            "2097152 bytes (2 MiB)",
            NAMESPACE_LIMIT,
        )),
        "{failure}"
    );
    // Both attempts ran and failed at once; neither waited for its 60 s start-to-close timeout.
    assert_eq!(FIVE_MIB_ATTEMPTS.load(Ordering::SeqCst), 2);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    eprintln!("5 MiB result: 2 attempts failed in {elapsed:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_details_over_the_limit_fail_the_attempt() {
    events();
    let worker = common::start_worker(
        "limits-heartbeat",
        activities![big_heartbeat, ignores_heartbeat_error, declared_heartbeat],
    )
    .await;
    let client = common::client().await;
    let heartbeat_message = |activity_type: &str, size: usize, limit: &str, source: &str| {
        let size = if size >= MIB {
            format!("{size} bytes ({:.2} MiB)", size as f64 / MIB as f64)
        } else {
            format!("{size} bytes ({:.1} KiB)", size as f64 / KIB as f64)
        };
        format!(
            "activity `{activity_type}` recorded heartbeat details of {size} encoded, over the \
             limit of {limit} set by {source}; they were not sent and this attempt fails. \
             Heartbeat a small marker of progress instead (an offset, a cursor, a key of data \
             stored elsewhere); or configure external storage (`WorkerBuilder::external_storage` \
             on the worker), which keeps large payloads in a bucket and only references to them \
             in the history (see \"Large payloads and external storage\" in the guide)"
        )
    };

    // The activity propagates the error with `?`.
    let failure = failure_of(
        &client,
        "big_heartbeat",
        common::one_attempt(&worker.task_queue),
    )
    .await;
    let inner = innermost(&failure);
    assert_eq!(inner.error_type, "PayloadsTooLarge", "{failure}");
    let expected = heartbeat_message(
        "big_heartbeat",
        encoded_string(3 * MIB),
        "2097152 bytes (2 MiB)",
        NAMESPACE_LIMIT,
    );
    assert_eq!(inner.message, expected);

    // The activity ignores the error and succeeds: the attempt fails all the same.
    let failure = failure_of(
        &client,
        "ignores_heartbeat_error",
        common::one_attempt(&worker.task_queue),
    )
    .await;
    let inner = innermost(&failure);
    assert_eq!(inner.error_type, "PayloadsTooLarge", "{failure}");
    let expected = heartbeat_message(
        "ignores_heartbeat_error",
        encoded_string(3 * MIB),
        "2097152 bytes (2 MiB)",
        NAMESPACE_LIMIT,
    );
    assert_eq!(inner.message, expected);
    assert_eq!(
        IGNORED_ERROR.lock().unwrap().as_deref(),
        Some(expected.as_str())
    );

    // A declared limit: the small heartbeat goes through, the large one fails.
    let failure = failure_of(
        &client,
        "declared_heartbeat",
        common::one_attempt(&worker.task_queue),
    )
    .await;
    let inner = innermost(&failure);
    assert_eq!(inner.error_type, "PayloadsTooLarge", "{failure}");
    assert_eq!(
        inner.message,
        heartbeat_message(
            "declared_heartbeat",
            encoded_string(100 * KIB),
            "65536 bytes (64 KiB)",
            "`max_heartbeat_size` in the activity's `#[activity(...)]` attribute",
        )
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_arguments_warn_naming_the_largest_and_oversized_ones_are_refused_by_the_caller() {
    events();
    let worker = common::start_worker("limits-input", activities![big_input]).await;
    let client = common::client().await;
    let options = || common::one_attempt(&worker.task_queue);

    let data = "x".repeat(700 * KIB);
    for _ in 0..2 {
        let len: usize = client
            .execute_activity("big_input", ("key", &data), options())
            .await
            .expect("700 KiB of arguments is under the limit");
        assert_eq!(len, 3 + 700 * KIB);
    }
    let warnings = warnings_for("big_input");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let message = &warnings[0].message;
    let data_size = encoded_string(700 * KIB);
    for fact in [
        "activity `big_input` received arguments of ".to_owned(),
        "over the warning level of 524288 bytes (512 KiB)".to_owned(),
        format!("the largest is argument 2 `data`, {data_size} bytes (700.0 KiB)"),
    ] {
        assert!(message.contains(&fact), "{message}\nlacks: {fact}");
    }

    // Over the limit: refused in the caller, with no request to start it.
    let huge = "x".repeat(3 * MIB);
    let started = Instant::now();
    let err = client
        .execute_activity::<usize>(
            "big_input",
            ("key", &huge),
            options().id("limits-huge-input"),
        )
        .await
        .unwrap_err();
    let ClientError::TooLarge(err) = err else {
        panic!("expected TooLarge, got {err:?}");
    };
    let message = err.to_string();
    assert!(
        message.starts_with("the input of activity `big_input` is "),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "over the limit of 2097152 bytes (2 MiB) set by {NAMESPACE_LIMIT}; the largest is \
             argument 2, {} bytes (3.00 MiB). The activity was not started",
            encoded_string(3 * MIB)
        )),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let described = client
        .inner()
        .get_untyped_activity_handle("limits-huge-input", None)
        .describe(Default::default())
        .await;
    match described {
        Err(err) => assert!(
            err.to_string().to_lowercase().contains("not found"),
            "{err}"
        ),
        Ok(_) => panic!("an activity was started despite the oversized input"),
    }
    worker.stop().await;
}

/// On a namespace whose blob limit is above 4 MiB, the gRPC cap binds: a 5 MiB result still fails
/// at once with our message, and a 3 MiB one now succeeds (the limit is read when the worker
/// starts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grpc_cap_binds_when_the_namespace_allows_more() {
    events();
    let server = DevServer::start_with(DevServerOptions {
        dynamic_config: vec![("limit.blobSize.error".into(), (10 * MIB).to_string())],
        ..Default::default()
    })
    .await
    .unwrap_or_else(|err| panic!("a second dev server (run `make tools`): {err}"));
    let task_queue = common::unique_task_queue("limits-grpc");
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(&task_queue)
        .register(activities![three_mib, five_mib])
        .build()
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    let client = Client::connect(server.address(), "default").await.unwrap();

    let result: String = client
        .execute_activity("three_mib", (), common::one_attempt(&task_queue))
        .await
        .expect("3 MiB fits a 10 MiB namespace limit and the gRPC cap");
    assert_eq!(result.len(), 3 * MIB);

    let started = Instant::now();
    let failure = failure_of(&client, "five_mib", common::one_attempt(&task_queue)).await;
    let inner = innermost(&failure);
    assert_eq!(inner.error_type, "PayloadsTooLarge", "{failure}");
    let expected = limit_message(
        "five_mib",
        "returned a result",
        encoded_string(5 * MIB),
        "4128768 bytes (3.94 MiB)",
        "the 4 MiB gRPC message cap (less 64 KiB for the rest of the request)",
    ) + RESULT_ADVICE;
    assert_eq!(inner.message, expected);
    assert!(started.elapsed() < Duration::from_secs(20));

    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}
