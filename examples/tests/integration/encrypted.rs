//! The `encrypted_worker` example with a key from its environment: a client with the same codec
//! gets results in clear, heartbeat details come back decrypted to the next attempt, a client
//! without the codec sees only ciphertext under the worker's key id, and a bad key stops the
//! worker at start with a message saying what is wrong.

use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::payload::to_payload;
use examples::YourParams;
use examples::encryption::EncryptionCodec;
use examples::resumable::ImportReport;

use crate::common::{self, WorkerProcess};

/// The key the test gives the worker: 32 bytes of 42, base64.
const KEY: [u8; 32] = [42; 32];
const KEY_BASE64: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_encrypted_worker_encrypts_everything_it_sends() {
    let server = common::server().await;
    let task_queue = common::unique_task_queue("encrypted-worker");
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_encrypted_worker"),
        server,
        &task_queue,
        &[
            ("ENCRYPTION_KEY", KEY_BASE64),
            ("ENCRYPTION_KEY_ID", "test-key-2026"),
        ],
    );
    let codec = EncryptionCodec::new("test-key-2026", KEY);
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .namespace(server.namespace())
            .codec(codec.clone()),
    )
    .await
    .unwrap();
    let options = || {
        ActivityOptions::new(&task_queue)
            .start_to_close_timeout(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(10))
            .initial_retry_interval(Duration::from_millis(100))
            .maximum_attempts(2)
    };
    let params = YourParams {
        greeting: "Hi".into(),
        name: "Secret Agent".into(),
    };
    let greeting: String = client
        .execute_activity("your_activity", (params.clone(),), options())
        .await
        .unwrap();
    assert_eq!(greeting, "Hi, Secret Agent!");

    // Heartbeat details go through the codec both ways.
    let report: ImportReport = client
        .execute_activity("import_rows", (40u32, Some(25u32)), options())
        .await
        .unwrap();
    assert_eq!(
        report,
        ImportReport {
            rows: 40,
            resumed_at: 25,
            attempt: 2
        }
    );

    // Without the codec: the result is ciphertext under the worker's key id.
    let plain = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let raw = plain
        .execute_activity_raw(
            "your_activity",
            vec![codec.encrypt(&to_payload(&params).unwrap()).unwrap()],
            options(),
        )
        .await
        .unwrap();
    assert_eq!(raw[0].metadata["encoding"], b"binary/encrypted");
    assert_eq!(raw[0].metadata["encryption-key-id"], b"test-key-2026");
    assert!(
        !String::from_utf8_lossy(&raw[0].data).contains("Secret Agent"),
        "the result is in clear"
    );
    assert_eq!(
        codec.decrypt(raw[0].clone()).unwrap().data,
        br#""Hi, Secret Agent!""#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_stops_the_encrypted_worker_with_a_readable_message() {
    let server = common::server().await;
    let stderr = common::start_failure(
        env!("CARGO_BIN_EXE_encrypted_worker"),
        server,
        // "short", base64
        &[("ENCRYPTION_KEY", "c2hvcnQ=")],
    );
    assert!(
        stderr.contains("Error: ENCRYPTION_KEY is 5 bytes; AES-256 needs 32"),
        "{stderr}"
    );
    let stderr = common::start_failure(
        env!("CARGO_BIN_EXE_encrypted_worker"),
        server,
        &[("ENCRYPTION_KEY", "not base64!")],
    );
    assert!(
        stderr.contains("Error: ENCRYPTION_KEY is not base64") && stderr.contains("Caused by:"),
        "{stderr}"
    );
}
