//! The `storage_worker` example against a local S3-compatible server (moto, from the tools venv,
//! on a free loopback port), configured only through its `AWS_*` and `S3_BUCKET` environment: a
//! 5 MiB result and a 3 MiB argument pass through the bucket (over the server's 2 MiB limit),
//! a client without storage sees only a small reference, and the bucket holds the objects.
//!
//! Needs the pinned Python SDK with `moto[server]` (`make test-tools`).

use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::limits::{KIB, MIB};
use activity_runtime::storage::object_store::aws::AmazonS3Builder;
use activity_runtime::storage::{ExternalStorage, ObjectStoreDriver, is_reference};
use activity_runtime::{Bytes, payload::to_payload};
use serde_json::{Value, json};
use temporal_dev_server::testing::moto::MotoServer;

use crate::common::{self, WorkerProcess};

/// A moto S3 server with one bucket; killed when dropped.
struct S3Server {
    moto: MotoServer,
    endpoint: String,
}

impl S3Server {
    async fn start(bucket: &str) -> Self {
        let moto = MotoServer::start(&common::python(), bucket)
            .await
            .expect("the moto S3 server starts");
        Self {
            endpoint: moto.endpoint(),
            moto,
        }
    }

    /// The `AWS_*` variables of this server, as the example reads them: no `AWS_ALLOW_HTTP`,
    /// which boto3 does not need either (an `http://` endpoint allows plain HTTP).
    fn env(&self) -> [(&'static str, &str); 4] {
        [
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storage_worker_passes_large_payloads_through_the_bucket() {
    let bucket = "example-payloads";
    let s3 = S3Server::start(bucket).await;
    let server = common::server().await;
    let task_queue = common::unique_task_queue("storage");
    let mut env = s3.env().to_vec();
    env.push(("S3_BUCKET", bucket));
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_storage_worker"),
        server,
        &task_queue,
        &env,
    );

    let driver = ObjectStoreDriver::s3_with(
        AmazonS3Builder::new()
            .with_endpoint(&s3.endpoint)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_bucket_name(bucket),
    )
    .unwrap();
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .namespace(server.namespace())
            .external_storage(ExternalStorage::new(driver)),
    )
    .await
    .unwrap();
    let options = || {
        ActivityOptions::new(&task_queue)
            .start_to_close_timeout(Duration::from_secs(60))
            .maximum_attempts(1)
    };

    let Bytes(report) = client
        .execute_activity::<Bytes>("render_report", (5 * KIB,), options())
        .await
        .unwrap();
    assert_eq!(report.len(), 5 * MIB);
    assert!(
        report
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 251) as u8)
    );

    let data = Bytes(vec![3; 3 * MIB]);
    let summary: Value = client
        .execute_activity("summarize", (data,), options())
        .await
        .unwrap();
    assert_eq!(summary, json!({"bytes": 3 * MIB, "checksum": 9 * MIB}));

    // A client without storage gets the reference, a few hundred bytes.
    let plain = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let raw = plain
        .execute_activity_raw(
            "render_report",
            vec![to_payload(&(4 * KIB)).unwrap()],
            options(),
        )
        .await
        .unwrap();
    assert!(is_reference(&raw[0]), "{:?}", raw[0].metadata);
    assert!(
        raw[0].data.len() < KIB,
        "a reference of {} bytes",
        raw[0].data.len()
    );

    // Two results and one argument in the bucket, under the Python driver's layout: the
    // worker's results keyed by namespace, activity type and id, run id and hash; the client's
    // argument as Python's client keys it, by namespace, activity type and id, and `null` for
    // the run that does not exist yet.
    let keys = s3.moto.keys(bucket).unwrap();
    let mut objects: Vec<&str> = keys.iter().map(String::as_str).collect();
    objects.sort_unstable();
    assert_eq!(objects.len(), 3, "{keys:?}");
    for result in &objects[..2] {
        assert!(
            result.starts_with("v0/ns/default/at/render_report/ai/render_report-"),
            "{keys:?}"
        );
    }
    assert!(
        objects[2].starts_with("v0/ns/default/at/summarize/ai/summarize-")
            && objects[2].contains("/ri/null/d/sha256/"),
        "{keys:?}"
    );
}
