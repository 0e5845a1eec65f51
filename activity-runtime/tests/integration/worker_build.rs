//! `WorkerBuilder::build` refuses what cannot work, with errors that say what to do.

use crate::common;
use std::time::Duration;

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
    // The cause in words (the OS's "Connection refused"), not tonic's `Debug` output.
    assert!(message.contains("Connection refused"), "{message}");
    for debug_text in ["tonic::transport", "ConnectError(", "Transport,", "Os {"] {
        assert!(!message.contains(debug_text), "{debug_text} in {message}");
    }
}

/// `connect_retry` waits for a server that starts after the worker: here one that comes up on
/// the worker's address three seconds later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_retry_waits_for_a_server_that_starts_later() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let starting = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        temporal_dev_server::DevServer::start_with(temporal_dev_server::DevServerOptions {
            port: Some(port),
            ..Default::default()
        })
        .await
        .expect("a dev server on the chosen port")
    });
    let started = std::time::Instant::now();
    let worker = Worker::builder()
        .target(format!("127.0.0.1:{port}"))
        .task_queue("q")
        .register(activities![greet])
        .connect_retry(Duration::from_secs(60))
        .build()
        .await
        .expect("the worker waits for the server");
    assert!(started.elapsed() >= Duration::from_secs(3));
    drop(worker);
    let _server = starting.await.unwrap();

    // Without waiting, the same address fails at once.
    let err = Worker::builder()
        .target("127.0.0.1:1")
        .task_queue("q")
        .register(activities![greet])
        .connect_retry(Duration::from_millis(300))
        .build()
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, WorkerError::Connect { .. }), "{err:?}");
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
