//! Interceptors: two `tower` layers around every attempt of an async, a blocking and a dynamic
//! activity, called by the runtime's client with and without an `authorization` header. The
//! authorizing layer refuses before the function runs (it is not called; the caller sees a
//! non-retryable `Unauthorized` failure); the timing layer sees the attempt take as long as the
//! activity sleeps; the two run in the order they were added; a heartbeat hook sees (and changes)
//! the details sent. Process-isolated activities: `tests/process_isolation.rs`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use activity_runtime::client::ClientError;
use activity_runtime::interceptors::{self, Attempt, AttemptService, Next};
use activity_runtime::payload::{from_payload, to_payload};
use activity_runtime::{
    ActivityContext, ActivityError, ActivityOutput, RawValue, activities, activity,
};
use parking_lot::Mutex;
use tower::ServiceExt;

/// How many times each function ran.
static ASYNC_CALLS: AtomicUsize = AtomicUsize::new(0);
static BLOCKING_CALLS: AtomicUsize = AtomicUsize::new(0);
static DYNAMIC_CALLS: AtomicUsize = AtomicUsize::new(0);

const NAP: Duration = Duration::from_millis(200);

#[activity]
async fn nap_async(ctx: ActivityContext, name: String) -> String {
    ASYNC_CALLS.fetch_add(1, Ordering::SeqCst);
    ctx.heartbeat(&format!("napping {name}")).unwrap();
    tokio::time::sleep(NAP).await;
    format!("async {name}")
}

#[activity]
fn nap_blocking(ctx: ActivityContext, name: String) -> String {
    BLOCKING_CALLS.fetch_add(1, Ordering::SeqCst);
    ctx.heartbeat(&format!("napping {name}")).unwrap();
    std::thread::sleep(NAP);
    format!("blocking {name}")
}

#[activity(dynamic)]
async fn nap_anything(ctx: ActivityContext, args: Vec<RawValue>) -> Result<String, ActivityError> {
    DYNAMIC_CALLS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(NAP).await;
    let name: String = args[0].decode()?;
    Ok(format!("{} {name}", ctx.info().activity_type))
}

/// Attempt 1 heartbeats and fails; attempt 2 returns the details it was given: what the
/// heartbeat hook made of attempt 1's.
#[activity]
async fn resume(ctx: ActivityContext) -> Result<String, ActivityError> {
    match ctx.heartbeat_details::<String>()? {
        None => {
            ctx.heartbeat("halfway")?;
            // Give core's throttled heartbeat time to reach the server before failing.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Err(ActivityError::new("interrupted halfway"))
        }
        Some(details) => Ok(details),
    }
}

/// What the layers and the hook saw, in order.
type Journal = Arc<Mutex<Vec<String>>>;

/// A layer that writes `<name> in <type>` before the attempt, and `<name> out <type> <ms>` (how
/// long the rest of the stack took) after it.
fn journaling(
    name: &'static str,
    journal: Journal,
) -> interceptors::FromFnLayer<impl Fn(Attempt, Next) -> BoxFuture + Clone + Send + Sync + 'static>
{
    interceptors::from_fn(move |attempt: Attempt, next: Next| {
        let journal = journal.clone();
        let attempt_future: BoxFuture = Box::pin(async move {
            let activity_type = attempt.info().activity_type.clone();
            journal.lock().push(format!("{name} in {activity_type}"));
            let started = Instant::now();
            let result = next.run(attempt).await;
            journal.lock().push(format!(
                "{name} out {activity_type} {}",
                started.elapsed().as_millis()
            ));
            result
        });
        attempt_future
    })
}

type BoxFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<ActivityOutput, ActivityError>> + Send + 'static>>;

/// Refuses, before anything below runs, an attempt without `authorization: "let me in"`.
fn authorize(attempt: &Attempt) -> Result<(), ActivityError> {
    let token: Option<String> = attempt
        .headers()
        .get("authorization")
        .and_then(|payload| from_payload(payload).ok());
    match token.as_deref() {
        Some("let me in") => Ok(()),
        _ => Err(ActivityError::new(format!(
            "{} needs an authorization header",
            attempt.info().activity_type
        ))
        .with_type("Unauthorized")
        .non_retryable()),
    }
}

#[tokio::test]
async fn layers_wrap_every_kind_of_activity_in_order_and_reject_before_the_function() {
    let journal = Journal::default();
    let heartbeats = Journal::default();
    let worker = common::start_worker_with(
        "interceptors",
        activities![nap_async, nap_blocking, nap_anything, resume],
        |builder| {
            let heartbeats = heartbeats.clone();
            builder
                .layer(journaling("timing", journal.clone()))
                // A plain `tower` layer.
                .layer(tower::layer::layer_fn(|inner: AttemptService| {
                    tower::service_fn(move |attempt: Attempt| {
                        let inner = inner.clone();
                        async move {
                            authorize(&attempt)?;
                            inner.oneshot(attempt).await
                        }
                    })
                }))
                .layer(journaling("inner", journal.clone()))
                .on_heartbeat(move |info, details| {
                    let detail: String = from_payload(&details[0]).unwrap();
                    heartbeats
                        .lock()
                        .push(format!("{}: {detail}", info.activity_type));
                    details[0] = to_payload(&format!("{detail}, seen")).unwrap();
                })
        },
    )
    .await;
    let client = common::client().await;
    let queue = &worker.task_queue;
    let authorized =
        || common::one_attempt(queue).header("authorization", to_payload("let me in").unwrap());

    for (activity_type, calls, expected) in [
        ("nap_async", &ASYNC_CALLS, "async ada"),
        ("nap_blocking", &BLOCKING_CALLS, "blocking ada"),
        (
            "some_type_nobody_registered",
            &DYNAMIC_CALLS,
            "some_type_nobody_registered ada",
        ),
    ] {
        // Refused: the function does not run, the caller sees why, at the first attempt.
        journal.lock().clear();
        let before = calls.load(Ordering::SeqCst);
        let refused = client
            .execute_activity::<String>(
                activity_type,
                ("ada",),
                common::one_attempt(queue).maximum_attempts(5),
            )
            .await;
        let Err(ClientError::Failed(failure)) = refused else {
            panic!("{activity_type} without a token: {refused:?}");
        };
        let cause = failure.cause.as_deref().unwrap_or(&failure);
        assert_eq!(cause.error_type, "Unauthorized", "{failure}");
        assert!(cause.non_retryable, "{failure}");
        assert_eq!(
            cause.message,
            format!("{activity_type} needs an authorization header")
        );
        assert_eq!(calls.load(Ordering::SeqCst), before, "{activity_type} ran");
        let seen = journal.lock().clone();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0], format!("timing in {activity_type}"));
        assert!(
            seen[1].starts_with(&format!("timing out {activity_type} ")),
            "{seen:?}"
        );

        // Authorized: every layer, in order, around the function, which ran once.
        journal.lock().clear();
        let answer: String = client
            .execute_activity(activity_type, ("ada",), authorized())
            .await
            .unwrap();
        assert_eq!(answer, expected);
        assert_eq!(calls.load(Ordering::SeqCst), before + 1);
        let seen = journal.lock().clone();
        let steps: Vec<String> = seen
            .iter()
            .map(|line| line.split(' ').take(3).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            steps,
            [
                format!("timing in {activity_type}"),
                format!("inner in {activity_type}"),
                format!("inner out {activity_type}"),
                format!("timing out {activity_type}"),
            ],
            "{seen:?}"
        );
        // The timing layer measured the whole attempt, the nap included.
        let took: u128 = seen[3].rsplit(' ').next().unwrap().parse().unwrap();
        assert!(took >= NAP.as_millis(), "{seen:?}");
    }

    // The hook saw each heartbeat, and what it changed is what the server recorded.
    let resumed: String = client
        .execute_activity(
            "resume",
            (),
            authorized()
                .maximum_attempts(2)
                .initial_retry_interval(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    assert_eq!(resumed, "halfway, seen");
    assert_eq!(
        *heartbeats.lock(),
        [
            "nap_async: napping ada",
            "nap_blocking: napping ada",
            "resume: halfway"
        ]
    );
    worker.stop().await;
}
