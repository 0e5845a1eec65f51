//! Dynamic activities: the `temporal` CLI calls a type nobody registered and the dynamic activity
//! answers, with the called name and the decoded arguments; registered names keep their own
//! functions; a worker refuses two dynamic activities.

use crate::common;

use std::process::Command;

use activity_runtime::{
    ActivityContext, ActivityError, RawValue, Worker, WorkerError, activities, activity,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Order {
    id: u64,
    item: String,
}

/// Serves every unregistered type: reports the type, the encodings, and the first argument
/// decoded as an `Order` when it is one, else as a string.
#[activity(dynamic)]
async fn anything(ctx: ActivityContext, args: Vec<RawValue>) -> Result<String, ActivityError> {
    let called = &ctx.info().activity_type;
    let encodings: Vec<&str> = args.iter().map(RawValue::encoding).collect();
    let first = match args.first() {
        Some(arg) => match arg.decode::<Order>() {
            Ok(order) => format!("order {} for {}", order.id, order.item),
            Err(_) => arg.decode::<String>()?,
        },
        None => "nothing".to_owned(),
    };
    let count: Option<u32> = args.get(1).map(|arg| arg.decode()).transpose()?;
    Ok(format!(
        "{called} got {first} and {count:?} ({})",
        encodings.join(", ")
    ))
}

#[activity(dynamic)]
fn another_dynamic(_args: Vec<RawValue>) {}

#[activity]
async fn registered(name: String) -> String {
    format!("registered got {name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reaches_the_dynamic_activity_and_registered_names_their_own() {
    let worker = common::start_worker("dynamic", activities![anything, registered]).await;
    let server = common::server().await;
    let execute = |activity_type: &str, inputs: &[&str]| {
        let mut command = Command::new(server.cli_path());
        command
            .args(["activity", "execute", "--type", activity_type])
            .args(["--activity-id", &format!("{activity_type}-1")])
            .args(["--task-queue", &worker.task_queue])
            .args([
                "--start-to-close-timeout",
                "30s",
                "--address",
                server.address(),
            ]);
        for input in inputs {
            command.args(["--input", input]);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };

    let out = execute("anything_unregistered", &[r#""widgets""#, "3"]);
    assert!(
        out.contains(r#""anything_unregistered got widgets and Some(3) (json/plain, json/plain)""#),
        "{out}"
    );
    let out = execute("place_order", &[r#"{"id": 7, "item": "tea"}"#]);
    assert!(
        out.contains(r#""place_order got order 7 for tea and None (json/plain)""#),
        "{out}"
    );
    let out = execute("registered", &[r#""Ada""#]);
    assert!(out.contains(r#""registered got Ada""#), "{out}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_raw_argument_fails_naming_the_type_and_position() {
    let worker = common::start_worker("dynamic-bad", activities![anything]).await;
    let client = common::client().await;
    let result = client
        .execute_activity::<String>(
            "whatever",
            ("fine", "not a number"),
            common::one_attempt(&worker.task_queue),
        )
        .await;
    let Err(activity_runtime::client::ClientError::Failed(failure)) = result else {
        panic!("expected a failure, got {result:?}")
    };
    assert_eq!(failure.error_type, "ArgumentError");
    assert!(
        failure.message.starts_with(
            "activity `whatever` could not decode argument 2 into `u32` from a `json/plain` payload"
        ),
        "{}",
        failure.message
    );
    worker.stop().await;
}

#[tokio::test]
async fn two_dynamic_activities_are_refused_naming_both() {
    let err = Worker::builder()
        .task_queue("q")
        .register(activities![anything, another_dynamic])
        .build()
        .await
        .expect_err("two dynamic activities");
    assert!(
        matches!(err, WorkerError::DuplicateDynamicActivity { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "two dynamic activities are registered: `integration::dynamic::anything` and `integration::dynamic::another_dynamic`; \
         a worker has at most one (it serves every activity type no other activity has)"
    );
}
