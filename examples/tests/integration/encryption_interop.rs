//! Encryption on the wire: a Python workflow with the Temporal Python sample's AES-GCM codec
//! (`tests/python/encryption.py`) calls Rust activities served by a worker with
//! [`EncryptionCodec`]. Arguments, results and failure details arrive decrypted on both sides, and
//! the history the server stores, read without the codec, holds no plaintext.
//!
//! Also: the client wrapper with the codec against the same worker, and heartbeat details that
//! come back decoded on the next attempt.
//!
//! Needs the pinned Python SDK and `cryptography`: `TEMPORAL_PYTHON`, else
//! `<workspace>/.tools/venv/bin/python` (`make tools` installs them).

use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::{ActivityContext, ActivityError, Worker, activities, activity};
use examples::encryption::EncryptionCodec;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporal_dev_server::DevServer;

#[derive(Deserialize)]
struct Secret {
    greeting: String,
    name: String,
}

#[activity]
async fn secret_greeting(secret: Secret) -> String {
    format!("{}, {}!", secret.greeting, secret.name)
}

#[derive(Serialize)]
struct FailureDetails {
    secret: String,
}

#[activity]
async fn secret_failure(secret: String) -> Result<(), ActivityError> {
    Err(ActivityError::new("refused")
        .with_type("SecretError")
        .non_retryable()
        .with_details(&FailureDetails { secret }))
}

/// The error of `secret_message_failure`, and its cause: both messages quote the data.
#[derive(Debug, thiserror::Error)]
#[error("refused to ship {0}")]
struct Refused(String, #[source] Rejected);

#[derive(Debug, thiserror::Error)]
#[error("the warehouse rejected {0}")]
struct Rejected(String);

/// Fails with a message that quotes its argument, as failure messages often do, above a cause
/// that quotes it too.
#[activity]
async fn secret_message_failure(secret: String) -> Result<(), ActivityError> {
    Err(
        ActivityError::from(Refused(secret.clone(), Rejected(secret)))
            .with_type("SecretError")
            .non_retryable(),
    )
}

/// Fails its first attempt after a heartbeat; the second attempt returns the details it sees.
#[activity]
async fn resumes_from_heartbeat(
    ctx: ActivityContext,
    secret: String,
) -> Result<String, ActivityError> {
    if let Some(previous) = ctx.heartbeat_details::<String>()? {
        return Ok(format!("resumed from {previous}"));
    }
    ctx.heartbeat(&format!("checkpoint {secret}"))?;
    // Core sends heartbeats asynchronously (throttled); give it time to reach the server.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Err(ActivityError::new("first attempt fails"))
}

async fn start_worker(server: &DevServer, task_queue: &str) -> activity_runtime::ShutdownHandle {
    start_worker_with(server, task_queue, false).await
}

async fn start_worker_with(
    server: &DevServer,
    task_queue: &str,
    encode_failure_attributes: bool,
) -> activity_runtime::ShutdownHandle {
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(task_queue)
        .codec(EncryptionCodec::sample())
        .encode_failure_attributes(encode_failure_attributes)
        .register(activities![
            secret_greeting,
            secret_failure,
            secret_message_failure,
            resumes_from_heartbeat
        ])
        .build()
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    tokio::spawn(worker.run());
    shutdown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_workflow_and_rust_activities_share_encrypted_payloads() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("encrypted-{}", std::process::id());
    let shutdown = start_worker(&server, &task_queue).await;

    let secret = format!("SECRET-{}", std::process::id());
    let started = Instant::now();
    let report = run_python(&server, &task_queue, &secret).await;
    eprintln!(
        "encrypted Python workflow took {:?}: {report}",
        started.elapsed()
    );
    shutdown.shutdown();

    assert_eq!(
        report["greeting"],
        json!(format!("Hello, {secret}!")),
        "{report:#}"
    );
    assert_eq!(
        report["failure"],
        json!({"type": "SecretError", "details": [{"secret": secret}]}),
        "{report:#}"
    );
    let payloads = report["history"]["activity_payloads"].as_array().unwrap();
    // Two inputs, one result, one set of failure details.
    assert!(payloads.len() >= 4, "{report:#}");
    for payload in payloads {
        assert_eq!(payload["encoding"], "binary/encrypted", "{report:#}");
        assert_eq!(payload["key_id"], "test-key-id", "{report:#}");
        assert_eq!(payload["secret_in_plain"], false, "{report:#}");
    }
    assert_eq!(
        report["history"]["secret_in_any_event"], false,
        "{report:#}"
    );
}

/// With encoded failure attributes, a failure's message (and its cause's) reach the history only
/// encrypted; the Python workflow and this crate's client read them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoded_failure_attributes_keep_failure_messages_out_of_the_history() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("encoded-failures-{}", std::process::id());
    let shutdown = start_worker_with(&server, &task_queue, true).await;
    let secret = format!("SECRET-{}", std::process::id());
    let workflow_task_queue = format!("{task_queue}-workflows");
    let report = crate::python::run_script(
        "encryption.py",
        &[
            ("--address", server.address()),
            ("--namespace", server.namespace()),
            ("--activity-task-queue", &task_queue),
            ("--workflow-task-queue", &workflow_task_queue),
            ("--secret", &secret),
            ("--encoded-failure-task-queue", &task_queue),
        ],
    )
    .await;
    assert_eq!(report["type"], "SecretError", "{report:#}");
    assert_eq!(
        report["message"],
        json!(format!("refused to ship {secret}")),
        "{report:#}"
    );
    assert_eq!(
        report["cause_of_cause"],
        json!(format!("the warehouse rejected {secret}")),
        "{report:#}"
    );
    assert_eq!(
        report["history"]["secret_in_raw_history"], false,
        "{report:#}"
    );
    let failures = report["history"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2, "{report:#}");
    for failure in failures {
        assert_eq!(failure["message"], "Encoded failure", "{report:#}");
        assert_eq!(
            failure["encoded_attributes_encoding"], "binary/encrypted",
            "{report:#}"
        );
    }

    // This crate's client, with the codec, reads the message back.
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .codec(EncryptionCodec::sample()),
    )
    .await
    .unwrap();
    let err = client
        .execute_activity::<Value>(
            "secret_message_failure",
            ("SHH",),
            ActivityOptions::new(&task_queue).maximum_attempts(1),
        )
        .await
        .unwrap_err();
    let activity_runtime::client::ClientError::Failed(failure) = &err else {
        panic!("{err}")
    };
    assert_eq!(failure.message, "refused to ship SHH", "{err}");
    assert_eq!(failure.error_type, "SecretError", "{err}");
    shutdown.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_wrapper_encodes_and_heartbeat_details_come_back_decoded() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("encrypted-client-{}", std::process::id());
    let shutdown = start_worker(&server, &task_queue).await;
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .codec(EncryptionCodec::sample()),
    )
    .await
    .unwrap();
    let options = || {
        ActivityOptions::new(&task_queue)
            .maximum_attempts(1)
            .start_to_close_timeout(Duration::from_secs(30))
    };
    let greeting: String = client
        .execute_activity(
            "secret_greeting",
            (json!({"greeting": "Hi", "name": "Rust"}),),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(greeting, "Hi, Rust!");

    let err = client
        .execute_activity::<Value>("secret_failure", ("shh",), options())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");

    let resumed: String = client
        .execute_activity(
            "resumes_from_heartbeat",
            ("HB",),
            ActivityOptions::new(&task_queue)
                .maximum_attempts(2)
                .initial_retry_interval(Duration::from_millis(100))
                .heartbeat_timeout(Duration::from_secs(10))
                .start_to_close_timeout(Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert_eq!(resumed, "resumed from checkpoint HB");

    // Without the codec, the caller sees the ciphertext: the result really was encrypted.
    let plain = Client::connect(server.address(), "default").await.unwrap();
    let raw = plain
        .execute_activity_raw(
            "secret_greeting",
            vec![
                EncryptionCodec::sample()
                    .encrypt(
                        &activity_runtime::payload::to_payload(
                            &json!({"greeting": "Yo", "name": "X"}),
                        )
                        .unwrap(),
                    )
                    .unwrap(),
            ],
            options(),
        )
        .await
        .unwrap();
    assert_eq!(raw[0].metadata["encoding"], b"binary/encrypted");
    shutdown.shutdown();
}

async fn run_python(server: &DevServer, activity_task_queue: &str, secret: &str) -> Value {
    let workflow_task_queue = format!("{activity_task_queue}-workflows");
    crate::python::run_script(
        "encryption.py",
        &[
            ("--address", server.address()),
            ("--namespace", server.namespace()),
            ("--activity-task-queue", activity_task_queue),
            ("--workflow-task-queue", &workflow_task_queue),
            ("--secret", secret),
        ],
    )
    .await
}
