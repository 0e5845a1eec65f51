//! `WorkerBuilder::build` refuses what cannot work, with errors that say what to do.

use crate::common;

use activity_runtime::{Worker, WorkerError, activities, activity};

#[activity]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

mod other {
    use activity_runtime::activity;

    #[activity(name = "greet")]
    pub async fn greet_again(name: String) -> String {
        format!("Hi, {name}!")
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error_naming_the_address() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    let err = Worker::builder()
        .target(&target)
        .task_queue("q")
        .register(activities![greet])
        .build()
        .await
        .expect_err("no server there");
    assert!(matches!(err, WorkerError::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("cannot reach a Temporal server at `{target}`")),
        "{message}"
    );
    assert!(message.contains("temporal server start-dev"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_namespace_is_named() {
    let server = common::server().await;
    let err = Worker::builder()
        .target(server.address())
        .namespace("no-such-namespace")
        .task_queue("q")
        .register(activities![greet])
        .build()
        .await
        .expect_err("the namespace does not exist");
    assert!(
        matches!(err, WorkerError::NamespaceNotFound { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("namespace `no-such-namespace` does not exist on the Temporal server at"),
        "{err}"
    );
}

#[tokio::test]
async fn two_activities_with_one_name_are_refused_naming_both_functions() {
    let err = Worker::builder()
        .task_queue("q")
        .register(activities![greet, other::greet_again])
        .build()
        .await
        .expect_err("duplicate names");
    assert_eq!(
        err.to_string(),
        "two activities are registered as `greet`: `integration::worker_build::greet` and \
         `integration::worker_build::other::greet_again`; rename one with `#[activity(name = \"...\")]`"
    );
}

#[tokio::test]
async fn a_task_queue_and_activities_are_required() {
    let err = Worker::builder()
        .register(activities![greet])
        .build()
        .await
        .err()
        .unwrap();
    assert!(matches!(err, WorkerError::MissingTaskQueue), "{err:?}");
    let err = Worker::builder()
        .task_queue("q")
        .build()
        .await
        .err()
        .unwrap();
    assert!(matches!(err, WorkerError::NoActivities), "{err:?}");
}

#[tokio::test]
async fn a_malformed_address_is_refused() {
    let err = Worker::builder()
        .target("http://")
        .task_queue("q")
        .register(activities![greet])
        .build()
        .await
        .err()
        .unwrap();
    assert!(matches!(err, WorkerError::InvalidTarget { .. }), "{err:?}");
}

/// Compression is off by default (see `ConnectOptions::gzip_compression`); a worker and a client
/// that turn it on still talk to the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_compression_can_be_turned_on() {
    use activity_runtime::client::Client;
    use activity_runtime::connection::ConnectOptions;

    let worker = common::start_worker_with("gzip", activities![greet], |builder| {
        builder.gzip_compression(true)
    })
    .await;
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(common::server().await.address())
            .gzip_compression(true),
    )
    .await
    .unwrap();
    let greeting: String = client
        .execute_activity(
            "greet",
            ("compressed".to_owned(),),
            common::one_attempt(&worker.task_queue),
        )
        .await
        .unwrap();
    assert_eq!(greeting, "Hello, compressed!");
    worker.stop().await;
}
