//! External payload storage against a real S3-compatible server (moto, from PyPI, started here on
//! a free loopback port and killed at the end of each test):
//!
//! - a Python workflow with `ExternalStorage(S3StorageDriver(...))` (temporalio 1.35.0,
//!   `tests/python/external_storage.py`) passes a 5 MiB argument to a Rust activity, which returns
//!   a 5 MiB result the workflow reads back intact; the history holds only references, and the
//!   bucket holds the objects under the Python driver's key layout;
//! - without storage, the same result fails with `PayloadsTooLarge`, whose message names the
//!   setting; with storage on the worker and the client, a 20 MiB result comes back whole;
//! - a worker without storage fails the references of that Python workflow, naming the setting;
//! - heartbeat details the store refuses cancel the attempt (`HeartbeatFailed`), which fails with
//!   the store's error, as Python's worker does; the next attempt resumes from the last details
//!   that were stored.
//!
//! Needs the pinned Python SDK with `moto[server]` and `aioboto3` (`make tools`).

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client, ClientError};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::limits::MIB;
use activity_runtime::storage::object_store::aws::AmazonS3Builder;
use activity_runtime::storage::{
    ExternalStorage, ObjectStoreDriver, StorageClaim, StorageDriver, StorageError, StoreContext,
};
use activity_runtime::{
    ActivityContext, ActivityError, Bytes, CancellationReason, activities, activity,
};
use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use temporal_dev_server::testing::moto::MotoServer;

/// A moto S3 server on a free loopback port, with one bucket; killed when dropped.
struct S3Server {
    moto: MotoServer,
    endpoint: String,
    bucket: String,
}

impl S3Server {
    async fn start(bucket: &str) -> Self {
        Self::start_with(bucket, None).await
    }

    /// With `refuse_after`, the server refuses every request after that many (unknown access
    /// key: 403 `InvalidAccessKeyId`), as a store refuses credentials it does not know.
    async fn start_with(bucket: &str, refuse_after: Option<u32>) -> Self {
        let python = common::python();
        let check = Command::new(&python)
            .args([
                "-c",
                "import moto.server, boto3, aioboto3, types_aiobotocore_s3",
            ])
            .output()
            .expect("Python runs");
        assert!(
            check.status.success(),
            "this test needs `moto[server]`, `aioboto3` and `types-aiobotocore-s3` in {}: run \
             `make tools`\n{}",
            python.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        let moto = MotoServer::start_with(&python, bucket, |command| {
            if let Some(count) = refuse_after {
                command.env("INITIAL_NO_AUTH_ACTION_COUNT", count.to_string());
            }
        })
        .await
        .expect("the moto S3 server starts");
        Self {
            endpoint: moto.endpoint(),
            moto,
            bucket: bucket.to_owned(),
        }
    }

    /// Runs Python `statement` with `s3`, a boto3 client of this server, and `sys.argv[2]`,
    /// `argument`; returns what it prints.
    fn boto3(&self, statement: &str, argument: &str) -> String {
        self.moto.boto3(statement, argument).unwrap()
    }

    /// The keys of the objects in `bucket`.
    fn keys(&self, bucket: &str) -> Vec<String> {
        self.moto.keys(bucket).unwrap()
    }

    /// External storage in this server's bucket, from the default threshold (256 KiB).
    fn storage(&self) -> ExternalStorage {
        ExternalStorage::new(self.driver(&self.bucket))
    }

    /// The S3 driver for `bucket` of this server.
    fn driver(&self, bucket: &str) -> ObjectStoreDriver {
        // No `with_allow_http`: an `http://` endpoint allows plain HTTP, as boto3 does.
        let builder = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_bucket_name(bucket);
        ObjectStoreDriver::s3_with(builder).expect("the S3 driver builds")
    }
}

/// The argument reversed: every byte must come back, in order.
#[activity]
async fn reverse_big(mut data: Vec<u8>) -> Bytes {
    data.reverse();
    Bytes(data)
}

/// `mib` MiB of bytes that do not repeat in short cycles.
#[activity]
async fn big_result(mib: usize) -> Bytes {
    Bytes(pattern(mib * MIB))
}

/// Attempt 1 heartbeats 3 MiB of details (over the 2 MiB limit without storage) and fails;
/// attempt 2 reads them back and returns how many bytes came back unchanged.
#[activity]
async fn big_heartbeat(ctx: ActivityContext) -> Result<usize, ActivityError> {
    match ctx.heartbeat_details::<Bytes>()? {
        None => {
            ctx.heartbeat(&Bytes(pattern(3 * MIB)))?;
            // Give the store and core's throttled heartbeat time to reach the server.
            tokio::time::sleep(Duration::from_millis(2000)).await;
            Err(ActivityError::new("interrupted after heartbeating"))
        }
        Some(Bytes(details)) if details == pattern(3 * MIB) => Ok(details.len()),
        Some(Bytes(details)) => Err(ActivityError::new(format!(
            "the heartbeat details changed on their way ({} bytes)",
            details.len()
        ))
        .non_retryable()),
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Runs `tests/python/external_storage.py` against `s3`, its activity on `activity_task_queue`.
async fn run_python_workflow(s3: &S3Server, activity_task_queue: &str) -> Value {
    let server = common::server().await;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/external_storage.py");
    let mut command = Command::new(common::python());
    command
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--s3-endpoint", &s3.endpoint])
        .args(["--bucket", &s3.bucket])
        .args(["--activity-task-queue", activity_task_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("ext-py-workflows"),
        ]);
    common::run_json_script(command, "the Python external storage workflow").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_workflow_with_s3_storage_passes_5_mib_both_ways() {
    let s3 = S3Server::start("python-interop").await;
    let worker = common::start_worker_with("ext-py", activities![reverse_big], |builder| {
        builder.external_storage(s3.storage())
    })
    .await;
    let server = common::server().await;
    let started = Instant::now();
    let report = run_python_workflow(&s3, &worker.task_queue).await;
    eprintln!(
        "5 MiB each way through S3 (script {:?}, workflow {} s)",
        started.elapsed(),
        report["workflow_seconds"]
    );
    worker.stop().await;

    // The workflow read back the Rust activity's 5 MiB result intact.
    assert_eq!(
        report["workflow"],
        json!({
            "argument_len": 5 * MIB,
            "argument_sha256": report["workflow"]["argument_sha256"],
            "result_python_type": "bytes",
            "result_len": 5 * MIB,
            "result_is_argument_reversed": true,
        }),
        "{report:#}"
    );
    // The history holds references only: no payload over 10 KiB, and the argument (Python's)
    // and the result (Rust's) are references of the S3 driver.
    let largest = report["largest_history_payload"].as_u64().unwrap();
    assert!(
        largest < 10 * 1024,
        "a payload of {largest} bytes in the history: {report:#}"
    );
    let references = report["references"].as_array().unwrap();
    assert_eq!(references.len(), 2, "{report:#}");
    for reference in references {
        assert_eq!(
            reference["metadata"]["encoding"], "json/protobuf",
            "{report:#}"
        );
        let data: Value = serde_json::from_str(reference["data"].as_str().unwrap()).unwrap();
        assert_eq!(data["driverName"], "aws.s3driver", "{report:#}");
        assert_eq!(
            data["claimData"]["bucket"],
            s3.bucket.as_str(),
            "{report:#}"
        );
        assert_eq!(data["claimData"]["hash_algorithm"], "sha256", "{report:#}");
        let size = reference["external_sizes"][0].as_u64().unwrap();
        assert!(size > 5 * MIB as u64, "{report:#}");
    }
    // Both objects are in the bucket under Python's key layout for the workflow's activities:
    // v0/ns/{namespace}/wt/{workflow type}/wi/{workflow id}/ri/{run id}/d/sha256/{hash}.
    let prefix = format!(
        "v0/ns/{}/wt/ExternalStorageWorkflow/wi/{}/ri/{}/d/sha256/",
        server.namespace(),
        report["workflow_id"].as_str().unwrap(),
        report["run_id"].as_str().unwrap(),
    );
    let objects = report["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2, "{report:#}");
    for object in objects {
        let key = object["key"].as_str().unwrap();
        let hash = key
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("object key {key} is not under {prefix}: {report:#}"));
        assert!(
            hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{key}"
        );
        assert!(
            object["size"].as_u64().unwrap() > 5 * MIB as u64,
            "{report:#}"
        );
        // Each object is what a reference in the history names.
        assert!(
            references
                .iter()
                .any(|r| r["data"].as_str().unwrap().contains(key)),
            "no reference names {key}: {report:#}"
        );
    }
}

/// A worker without storage cannot read the references a Python workflow sends: the attempt
/// fails saying how to configure storage (it used to be "unsupported payload encoding").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_reaching_a_worker_without_storage_fail_naming_the_setting() {
    let s3 = S3Server::start("no-storage").await;
    let worker = common::start_worker("ext-none-py", activities![reverse_big]).await;
    let report = run_python_workflow(&s3, &worker.task_queue).await;
    worker.stop().await;
    let failure = &report["workflow"]["failure"];
    assert_eq!(failure["type"], "ExternalStorageError", "{report:#}");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("this worker has no external storage: configure it with `WorkerBuilder::external_storage`"),
        "{report:#}"
    );
    // Python stored the argument; nothing else was written.
    assert_eq!(report["objects"].as_array().unwrap().len(), 1, "{report:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5_mib_result_without_storage_names_the_setting_and_20_mib_passes_with_it() {
    let s3 = S3Server::start("rust-results").await;

    // Without storage: `PayloadsTooLarge`, and the message says how to configure storage.
    let plain = common::start_worker("ext-none", activities![big_result]).await;
    let client = common::client().await;
    let started = Instant::now();
    let err = client
        .execute_activity::<Bytes>("big_result", (5,), common::one_attempt(&plain.task_queue))
        .await
        .expect_err("a 5 MiB result cannot go over the wire");
    eprintln!(
        "5 MiB result without storage failed in {:?}",
        started.elapsed()
    );
    plain.stop().await;
    let ClientError::Failed(failure) = &err else {
        panic!("expected a failure, got {err:?}")
    };
    let mut failure = failure;
    while let Some(cause) = &failure.cause {
        failure = cause;
    }
    assert_eq!(failure.error_type, "PayloadsTooLarge", "{failure}");
    assert!(
        failure.message.contains(
            "or configure external storage (`WorkerBuilder::external_storage` on the worker)"
        ),
        "{failure}"
    );

    // With storage on the worker and on the client: 20 MiB comes back whole.
    let worker = common::start_worker_with("ext-20", activities![big_result], |builder| {
        builder.external_storage(s3.storage())
    })
    .await;
    let client = common::client_with_storage(s3.storage()).await;
    let started = Instant::now();
    let Bytes(result) = client
        .execute_activity::<Bytes>("big_result", (20,), common::one_attempt(&worker.task_queue))
        .await
        .expect("a 20 MiB result passes through storage");
    eprintln!("20 MiB result through S3 in {:?}", started.elapsed());
    worker.stop().await;
    assert_eq!(result.len(), 20 * MIB);
    assert!(
        result == pattern(20 * MIB),
        "the 20 MiB result changed on its way"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_details_of_3_mib_are_stored_and_read_by_the_next_attempt() {
    let s3 = S3Server::start("heartbeats").await;
    let worker = common::start_worker_with("ext-hb", activities![big_heartbeat], |builder| {
        builder.external_storage(s3.storage())
    })
    .await;
    let client = common::client().await;
    let options = ActivityOptions::new(&worker.task_queue)
        .maximum_attempts(2)
        .initial_retry_interval(Duration::from_millis(100))
        .start_to_close_timeout(Duration::from_secs(30));
    let result = client
        .execute_activity::<usize>("big_heartbeat", (), options)
        .await;
    worker.stop().await;
    assert_eq!(result.expect("attempt 2 reads the details back"), 3 * MIB);
}

/// The S3 driver of a real bucket, whose writes go to a bucket that does not exist (so that the
/// S3 server refuses them, `NoSuchBucket`) while [`REFUSE_WRITES`] is set.
struct RefusingWrites {
    bucket: ObjectStoreDriver,
    missing: ObjectStoreDriver,
}

/// Set by [`refused_heartbeat`] between its two heartbeats.
static REFUSE_WRITES: AtomicBool = AtomicBool::new(false);
/// Writes that reached the bucket.
static STORED: AtomicUsize = AtomicUsize::new(0);
/// Why the first attempts of [`refused_heartbeat`] were cancelled.
static CANCELLED_BECAUSE: Mutex<Vec<Option<CancellationReason>>> = Mutex::new(Vec::new());

impl StorageDriver for RefusingWrites {
    fn name(&self) -> &str {
        StorageDriver::name(&self.bucket)
    }
    fn driver_type(&self) -> &str {
        self.bucket.driver_type()
    }
    fn store<'a>(
        &'a self,
        context: &'a StoreContext,
        payloads: Vec<activity_runtime::payload::Payload>,
    ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>> {
        Box::pin(async move {
            if REFUSE_WRITES.load(Ordering::SeqCst) {
                return self.missing.store(context, payloads).await;
            }
            let claims = self.bucket.store(context, payloads).await?;
            STORED.fetch_add(1, Ordering::SeqCst);
            Ok(claims)
        })
    }
    fn retrieve<'a>(
        &'a self,
        claims: Vec<StorageClaim>,
    ) -> BoxFuture<'a, Result<Vec<activity_runtime::payload::Payload>, StorageError>> {
        self.bucket.retrieve(claims)
    }
}

/// First attempt: heartbeats 1 MiB of details (stored), then, with the store refusing writes,
/// another 1 MiB, and waits to be cancelled, returning as most activities would: the
/// cancellation. The next attempt returns the length of the details it resumed from, checked
/// against the first ones.
#[activity]
async fn refused_heartbeat(ctx: ActivityContext) -> Result<usize, ActivityError> {
    if let Some(Bytes(details)) = ctx.heartbeat_details::<Bytes>()? {
        if details != pattern(MIB) {
            return Err(ActivityError::new("the heartbeat details changed").non_retryable());
        }
        return Ok(details.len());
    }
    REFUSE_WRITES.store(false, Ordering::SeqCst);
    let stored = STORED.load(Ordering::SeqCst);
    ctx.heartbeat(&Bytes(pattern(MIB)))?;
    for _ in 0..100 {
        if STORED.load(Ordering::SeqCst) > stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    REFUSE_WRITES.store(true, Ordering::SeqCst);
    let mut second = pattern(MIB);
    second.reverse();
    ctx.heartbeat(&Bytes(second))?;
    let cancelled = tokio::time::timeout(Duration::from_secs(10), ctx.cancelled()).await;
    CANCELLED_BECAUSE.lock().push(ctx.cancellation_reason());
    match cancelled {
        Ok(()) => Err(ActivityError::cancelled()),
        Err(_) => Ok(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_heartbeat_details_fail_the_attempt_and_the_next_resumes_from_the_stored_ones() {
    let s3 = S3Server::start("refusing").await;
    let storage = ExternalStorage::new(RefusingWrites {
        bucket: s3.driver(&s3.bucket),
        missing: s3.driver("no-such-bucket"),
    });
    let worker =
        common::start_worker_with("ext-refused", activities![refused_heartbeat], |builder| {
            builder.external_storage(storage)
        })
        .await;
    let client = common::client().await;

    // One attempt: it ends as the failure of the refused store, and the activity was cancelled
    // for it.
    let err = client
        .execute_activity::<usize>(
            "refused_heartbeat",
            (),
            common::one_attempt(&worker.task_queue),
        )
        .await
        .expect_err("the refused heartbeat fails the attempt");
    let ClientError::Failed(failure) = &err else {
        panic!("expected a failure, got {err:?}")
    };
    eprintln!("the attempt's failure: {failure}");
    assert_eq!(failure.error_type, "ExternalStorageError", "{failure}");
    assert!(!failure.non_retryable, "{failure}");
    for expected in [
        "external storage could not encode the heartbeat details",
        "no-such-bucket",
        "NoSuchBucket",
        "404",
    ] {
        assert!(failure.message.contains(expected), "{expected}: {failure}");
    }
    assert_eq!(
        CANCELLED_BECAUSE.lock().as_slice(),
        [Some(CancellationReason::HeartbeatFailed)]
    );

    // Two attempts: the second resumes from the details the first stored.
    let options = ActivityOptions::new(&worker.task_queue)
        .maximum_attempts(2)
        .initial_retry_interval(Duration::from_millis(100))
        .start_to_close_timeout(Duration::from_secs(30));
    let resumed = client
        .execute_activity::<usize>("refused_heartbeat", (), options)
        .await;
    worker.stop().await;
    assert_eq!(resumed.expect("attempt 2 resumes"), MIB);
}

/// How many bytes it was given.
#[activity]
async fn byte_count(data: Vec<u8>) -> usize {
    data.len()
}

/// Python's client and this crate's start the same standalone activity (type, id, 1 MiB
/// argument), each with S3 storage in a bucket of its own: the argument is stored under the
/// same key, Python's key for a standalone activity's input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_key_for_a_standalone_activitys_input_is_pythons() {
    let s3 = S3Server::start("python-keys").await;
    s3.boto3("s3.create_bucket(Bucket=sys.argv[2])", "rust-keys");
    let rust_storage = || ExternalStorage::new(s3.driver("rust-keys"));
    let python_worker = common::start_worker_with("keys-py", activities![byte_count], |b| {
        b.external_storage(s3.storage())
    })
    .await;
    let rust_worker = common::start_worker_with("keys-rs", activities![byte_count], |b| {
        b.external_storage(rust_storage())
    })
    .await;
    let server = common::server().await;
    let id = common::unique_task_queue("storage-keys");

    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/storage_keys.py");
    let mut command = Command::new(common::python());
    command
        .arg(&script)
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--s3-endpoint", &s3.endpoint])
        .args(["--bucket", &s3.bucket])
        .args(["--task-queue", &python_worker.task_queue])
        .args(["--activity-id", &id])
        .args(["--size", &MIB.to_string()]);
    let report = common::run_json_script(command, "the Python storage keys client").await;
    assert_eq!(report["result"], MIB, "{report:#}");
    let python_keys: Vec<String> = serde_json::from_value(report["keys"].clone()).unwrap();

    // The same activity again (its id may be reused once it closed), from this crate's client.
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .namespace(server.namespace())
            .external_storage(rust_storage()),
    )
    .await
    .expect("client connects");
    let count: usize = client
        .execute_activity(
            "byte_count",
            (Bytes(pattern(MIB)),),
            common::one_attempt(&rust_worker.task_queue).id(&id),
        )
        .await
        .expect("the activity reads its stored argument");
    python_worker.stop().await;
    rust_worker.stop().await;
    assert_eq!(count, MIB);
    let rust_keys = s3.keys("rust-keys");
    assert_eq!(rust_keys, python_keys);
    let prefix = format!(
        "v0/ns/{}/at/byte_count/ai/{id}/ri/null/d/sha256/",
        server.namespace()
    );
    assert!(rust_keys[0].starts_with(&prefix), "{rust_keys:?}");
}

/// A store that refuses the client's credentials: the client's error keeps the store's answer,
/// the HTTP status and the error code, in its source chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_refusing_the_clients_credentials_says_so_in_the_clients_error() {
    let s3 = S3Server::start_with("refusing-credentials", Some(1)).await;
    let client = common::client_with_storage(s3.storage()).await;
    let err = client
        .start_activity(
            "byte_count",
            (Bytes(pattern(MIB)),),
            common::one_attempt("nobody-polls-this-queue"),
        )
        .await
        .expect_err("the store refuses the argument");
    assert!(matches!(err, ClientError::Storage { .. }), "{err:?}");
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("the client's error and its causes: {chain}");
    for expected in [
        "could not store the arguments of activity `byte_count` in external storage",
        "403 Forbidden",
        "InvalidAccessKeyId",
    ] {
        assert!(chain.contains(expected), "{expected}: {chain}");
    }
}
