//! Positional arguments, results and failures, through a real dev server and the official client.

use crate::common;

use activity_runtime::client::{ActivityFailure, ClientError};
use activity_runtime::{ActivityContext, ActivityError, activities, activity};
use serde::{Deserialize, Serialize};

#[activity]
async fn no_args() -> String {
    "nothing in".to_owned()
}

#[activity]
async fn one_arg(name: String) -> String {
    format!("Hello, {name}!")
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Order {
    id: u64,
    items: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Receipt {
    order: u64,
    total_cents: u64,
    note: String,
}

#[activity]
async fn three_args(order: Order, unit_cents: u64, note: String) -> Receipt {
    Receipt {
        order: order.id,
        total_cents: unit_cents * order.items.len() as u64,
        note,
    }
}

#[allow(clippy::too_many_arguments)]
#[activity]
fn eight_args(
    a: u8,
    b: i16,
    c: u32,
    d: i64,
    e: f64,
    f: bool,
    g: String,
    h: Vec<u16>,
) -> (u8, i16, u32, i64, f64, bool, String, Vec<u16>) {
    (a, b, c, d, e, f, g, h)
}

#[activity]
async fn trailing_option(ctx: ActivityContext, name: String, title: Option<String>) -> String {
    assert_eq!(ctx.info().activity_type, "trailing_option");
    match title {
        Some(title) => format!("{title} {name}"),
        None => format!("{name} (no title)"),
    }
}

#[activity]
async fn needs_count(label: String, count: u32) -> String {
    format!("{label} x{count}")
}

#[activity]
async fn parses(text: String) -> Result<u32, std::num::ParseIntError> {
    text.parse::<u32>()
}

#[activity]
async fn panics(message: String) -> String {
    panic!("{message}");
}

#[activity]
fn panics_blocking(message: String) -> String {
    panic!("{message}");
}

#[activity]
async fn returns_unit(_: String) {}

/// Proves it runs on a blocking thread: `block_on` panics on an async worker thread.
#[activity]
fn blocks_the_thread(n: u32) -> u32 {
    tokio::runtime::Handle::current().block_on(async move { n * 2 })
}

#[activity(name = "renamed-activity")]
async fn named_otherwise() -> Result<&'static str, ActivityError> {
    Ok("renamed")
}

/// Takes a float and bytes: what Python's `NaN` and a base64 string are sent to by mistake.
#[activity]
async fn measure(value: f64, blob: Vec<u8>) -> usize {
    blob.len() + value as usize
}

fn all() -> activity_runtime::Activities {
    activities![
        no_args,
        one_arg,
        three_args,
        eight_args,
        trailing_option,
        needs_count,
        parses,
        panics,
        panics_blocking,
        returns_unit,
        blocks_the_thread,
        named_otherwise,
    ]
}

fn failure(result: Result<String, ClientError>) -> ActivityFailure {
    match result {
        // A standalone activity's outcome is the activity's own failure.
        Err(ClientError::Failed(failure)) => failure,
        other => panic!("expected an activity failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_one_three_and_eight_arguments_round_trip() {
    let worker = common::start_worker("args", all()).await;
    let client = common::client().await;
    let opts = || common::one_attempt(&worker.task_queue);

    let out: String = client
        .execute_activity("no_args", (), opts())
        .await
        .unwrap();
    assert_eq!(out, "nothing in");

    let out: String = client
        .execute_activity("one_arg", ("World",), opts())
        .await
        .unwrap();
    assert_eq!(out, "Hello, World!");

    let order = Order {
        id: 7,
        items: vec!["tea".into(), "cake".into()],
    };
    let out: Receipt = client
        .execute_activity("three_args", (order, 250u64, "thanks"), opts())
        .await
        .unwrap();
    assert_eq!(
        out,
        Receipt {
            order: 7,
            total_cents: 500,
            note: "thanks".into()
        }
    );

    let eight = (
        1u8,
        -2i16,
        3u32,
        -4i64,
        5.5f64,
        true,
        "seven",
        vec![8u16, 9],
    );
    let out: (u8, i16, u32, i64, f64, bool, String, Vec<u16>) = client
        .execute_activity("eight_args", eight.clone(), opts())
        .await
        .unwrap();
    assert_eq!(
        out,
        (1, -2, 3, -4, 5.5, true, "seven".to_owned(), vec![8, 9])
    );

    let out: Option<String> = client
        .execute_activity("returns_unit", ("ignored",), opts())
        .await
        .unwrap();
    assert_eq!(out, None);

    let out: u32 = client
        .execute_activity("blocks_the_thread", (21,), opts())
        .await
        .unwrap();
    assert_eq!(out, 42);

    let out: String = client
        .execute_activity("renamed-activity", (), opts())
        .await
        .unwrap();
    assert_eq!(out, "renamed");

    // Extra arguments are ignored (with a warning), so callers can evolve first.
    let out: String = client
        .execute_activity("one_arg", ("World", "extra", 3), opts())
        .await
        .unwrap();
    assert_eq!(out, "Hello, World!");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_trailing_option_is_none() {
    let worker = common::start_worker("option", all()).await;
    let client = common::client().await;
    let opts = || common::one_attempt(&worker.task_queue);

    let out: String = client
        .execute_activity("trailing_option", ("Ada",), opts())
        .await
        .unwrap();
    assert_eq!(out, "Ada (no title)");
    let out: String = client
        .execute_activity("trailing_option", ("Ada", "Countess"), opts())
        .await
        .unwrap();
    assert_eq!(out, "Countess Ada");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_required_argument_names_the_parameter() {
    let worker = common::start_worker("missing", all()).await;
    let client = common::client().await;

    let result = client
        .execute_activity(
            "needs_count",
            ("apples",),
            common::one_attempt(&worker.task_queue),
        )
        .await;
    let failure = failure(result);
    assert_eq!(failure.error_type, "ArgumentError");
    assert!(failure.non_retryable);
    assert_eq!(
        failure.message,
        "activity `needs_count` is missing required argument 2 `count: u32`: the caller sent 1 argument(s)"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_json_type_names_the_parameter_and_type() {
    let worker = common::start_worker("wrong-type", all()).await;
    let client = common::client().await;

    let result = client
        .execute_activity(
            "needs_count",
            ("apples", "three"),
            common::one_attempt(&worker.task_queue),
        )
        .await;
    let failure = failure(result);
    assert_eq!(failure.error_type, "ArgumentError");
    assert!(
        failure.message.starts_with(
            "activity `needs_count` could not decode argument 2 `count: u32` from a `json/plain` payload: \
             invalid type: string \"three\", expected u32"
        ),
        "{}",
        failure.message
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_mark_on_a_std_error_is_a_retryable_failure_with_its_type() {
    let worker = common::start_worker("std-error", all()).await;
    let client = common::client().await;

    let out: u32 = client
        .execute_activity("parses", ("42",), common::one_attempt(&worker.task_queue))
        .await
        .unwrap();
    assert_eq!(out, 42);
    let result = client
        .execute_activity(
            "parses",
            ("forty-two",),
            common::one_attempt(&worker.task_queue),
        )
        .await;
    let failure = failure(result);
    assert_eq!(failure.message, "invalid digit found in string");
    assert_eq!(failure.error_type, "core::num::error::ParseIntError");
    assert!(!failure.non_retryable);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_activity_type_fails_with_not_found_listing_the_names() {
    let worker = common::start_worker("unknown", all()).await;
    let client = common::client().await;

    let result = client
        .execute_activity(
            "no_such_activity",
            (),
            common::one_attempt(&worker.task_queue),
        )
        .await;
    let failure = failure(result);
    assert_eq!(failure.error_type, "NotFoundError");
    assert!(!failure.non_retryable, "NotFoundError is retryable");
    assert_eq!(
        failure.message,
        "Activity function no_such_activity is not registered on this worker, available activities: \
         blocks_the_thread, eight_args, needs_count, no_args, one_arg, panics, panics_blocking, parses, renamed-activity, \
         returns_unit, three_args, trailing_option"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_fails_the_attempt_and_the_worker_keeps_serving() {
    let worker = common::start_worker("panic", all()).await;
    let client = common::client().await;
    let opts = || common::one_attempt(&worker.task_queue);

    for activity in ["panics", "panics_blocking"] {
        let failure = failure(client.execute_activity(activity, ("boom",), opts()).await);
        assert_eq!(failure.error_type, "Panic");
        assert_eq!(
            failure.message,
            format!("activity `{activity}` panicked: boom")
        );
        // The same worker still serves the next activity.
        let out: String = client
            .execute_activity("one_arg", ("again",), opts())
            .await
            .unwrap();
        assert_eq!(out, "Hello, again!");
    }
    worker.stop().await;
}

/// What a person must change, in the message: a payload that is not JSON at all (Python's default
/// encoder writes `NaN`), bytes sent as a JSON string, an encoding that is not UTF-8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decode_failures_say_what_to_change() {
    use activity_runtime::payload::to_payload;

    let worker = common::start_worker("decode-words", activities![measure]).await;
    let client = common::client().await;
    let bytes = to_payload(&activity_runtime::Bytes(vec![1, 2])).unwrap();
    let json = |text: &str| {
        let mut payload = to_payload(&0).unwrap();
        payload.data = text.as_bytes().to_vec();
        payload
    };
    let run = |payloads: Vec<activity_runtime::Payload>| {
        let client = client.clone();
        let queue = worker.task_queue.clone();
        async move {
            failure(
                client
                    .execute_activity::<String>("measure", payloads, common::one_attempt(&queue))
                    .await,
            )
            .message
        }
    };

    let message = run(vec![json("NaN"), bytes.clone()]).await;
    assert!(
        message.starts_with(
            "activity `measure` could not decode argument 1 `value: f64` from a `json/plain` \
             payload: the payload is not valid JSON"
        ),
        "{message}"
    );
    assert!(message.contains("`NaN` or `Infinity`"), "{message}");

    let message = run(vec![json("1.5"), json("\"AQI=\"")]).await;
    assert!(message.contains("argument 2 `blob: Vec<u8>`"), "{message}");
    assert!(message.contains("send them as bytes"), "{message}");

    let mut odd = json("1.5");
    odd.metadata.insert("encoding".into(), vec![0xfe, b'j']);
    let message = run(vec![odd, bytes]).await;
    assert!(
        message.contains(r#"from a `<not UTF-8: "\xfej">` payload"#),
        "{message}"
    );
    worker.stop().await;
}
