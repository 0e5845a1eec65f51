//! Large payloads through S3: results, arguments and heartbeat details over a threshold (256 KiB
//! by default, as in the other SDKs) are stored in a bucket, and the workflow history carries a
//! small reference instead. The server's 2 MiB limit then applies to the reference, so a 5 MiB
//! result passes. The objects are laid out and hashed as the Python SDK's `S3StorageDriver`
//! lays them out, so a Python workflow configured with that driver and the same bucket reads
//! what this worker writes, and the other way round.
//!
//! ```text
//! S3_BUCKET=my-temporal-payloads AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//!     TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin storage_worker
//! ```
//!
//! The bucket's credentials, region and endpoint come from the `AWS_*` variables, as boto3 reads
//! them (`AWS_ENDPOINT_URL` and `AWS_ALLOW_HTTP=true` for an S3-compatible server such as MinIO
//! or moto). `STORAGE_THRESHOLD_KIB` changes the threshold. Callers need the same storage: a
//! Rust client with `ConnectOptions::external_storage`, a Python client with
//! `DataConverter(external_storage=ExternalStorage(drivers=[S3StorageDriver(...)]))`.

use activity_runtime::limits::KIB;
use activity_runtime::storage::{ExternalStorage, ObjectStoreDriver};
use activity_runtime::{Bytes, Worker, activities, activity};
use anyhow::Context as _;
use serde::Serialize;

/// A report of `kib` KiB (a stand-in for a rendered PDF, an export, a model's output).
#[activity]
async fn render_report(kib: usize) -> Bytes {
    Bytes((0..kib * KIB).map(|i| (i % 251) as u8).collect())
}

/// What `summarize` returns.
#[derive(Serialize)]
struct Summary {
    bytes: usize,
    /// The sum of the bytes, modulo 2³².
    checksum: u32,
}

/// Summarizes a (large) argument.
#[activity]
async fn summarize(data: Bytes) -> Summary {
    Summary {
        bytes: data.0.len(),
        checksum: data
            .0
            .iter()
            .fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b))),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let bucket = std::env::var("S3_BUCKET").context("S3_BUCKET is not set: name the bucket")?;
    let threshold_kib: usize = match std::env::var("STORAGE_THRESHOLD_KIB") {
        Ok(value) => value
            .parse()
            .context("STORAGE_THRESHOLD_KIB is not a whole number")?,
        Err(_) => 256,
    };
    let storage =
        ExternalStorage::new(ObjectStoreDriver::s3(&bucket)?).threshold(threshold_kib * KIB);
    let task_queue = examples::task_queue_or("storage-activities");
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .external_storage(storage)
        .register(activities![render_report, summarize])
        .build()
        .await?;
    println!(
        "worker serving task queue `{task_queue}`, payloads over {threshold_kib} KiB in S3 \
         bucket `{bucket}`; Ctrl-C to stop"
    );
    worker.run().await?;
    Ok(())
}
