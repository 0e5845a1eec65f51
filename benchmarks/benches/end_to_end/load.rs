//! The load generator: standalone activities started and awaited through the official client.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::{StreamExt as _, TryStreamExt as _};
use temporalio_client::{
    ActivityHandle, ActivityStartOptions, Client, ClientOptions, Connection, ConnectionOptions,
    GrpcCompression, Url,
};
use temporalio_common::data_converters::RawValue;
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::{ActivityCloseTimeouts, RetryPolicy, UntypedActivity};

/// The activity type every worker serves.
pub const ACTIVITY: &str = "noop";

/// The official client, on the dev server's default namespace, with its default settings.
pub async fn connect(address: &str) -> anyhow::Result<Client> {
    connect_with(address, GrpcCompression::default()).await
}

/// The official client with the given gRPC compression.
pub async fn connect_with(address: &str, compression: GrpcCompression) -> anyhow::Result<Client> {
    let url = Url::from_str(&format!("http://{address}"))?;
    let options = ConnectionOptions::new(url)
        .grpc_compression(compression)
        .build();
    let connection = Connection::connect(options).await?;
    Ok(Client::new(
        connection,
        ClientOptions::new("default").build(),
    )?)
}

/// Runs `count` activities on `task_queue`, at most `concurrency` at a time, checks that each
/// returned its own input, and returns how long they took.
pub async fn run(
    client: &Client,
    task_queue: &str,
    count: usize,
    concurrency: usize,
    phase: &str,
) -> anyhow::Result<Duration> {
    run_activity(client, task_queue, ACTIVITY, count, concurrency, phase).await
}

/// As [`run`], for activity type `activity` (which, like `noop`, returns its input).
pub async fn run_activity(
    client: &Client,
    task_queue: &str,
    activity: &str,
    count: usize,
    concurrency: usize,
    phase: &str,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    futures::stream::iter(0..count)
        .map(|i| {
            one(
                client,
                task_queue,
                activity,
                format!("{task_queue}-{phase}-{i}"),
            )
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await?;
    Ok(started.elapsed())
}

async fn one(client: &Client, task_queue: &str, activity: &str, id: String) -> anyhow::Result<()> {
    let input = json_payload(&id);
    let options = options(task_queue, &id, Duration::from_secs(30), None);
    let output = call(client, activity, &id, input.clone(), options).await?;
    match output.as_slice() {
        [payload] if payload.data == input.data => Ok(()),
        other => bail!("{id} returned {other:?}, not its input"),
    }
}

/// Start options for one standalone activity: one attempt only (a failure shows up at the caller
/// instead of as a silent retry), `start_to_close`, and the heartbeat timeout if any.
pub fn options(
    task_queue: &str,
    id: &str,
    start_to_close: Duration,
    heartbeat_timeout: Option<Duration>,
) -> ActivityStartOptions {
    options_with_attempts(task_queue, id, start_to_close, heartbeat_timeout, 1)
}

/// As [`options`], with up to `attempts` attempts.
pub fn options_with_attempts(
    task_queue: &str,
    id: &str,
    start_to_close: Duration,
    heartbeat_timeout: Option<Duration>,
    attempts: u32,
) -> ActivityStartOptions {
    ActivityStartOptions::new(
        task_queue,
        id.to_owned(),
        ActivityCloseTimeouts::StartToClose(start_to_close),
    )
    .retry_policy(RetryPolicy::builder().maximum_attempts(attempts).build())
    .maybe_heartbeat_timeout(heartbeat_timeout)
    .build()
}

/// Starts activity `activity` with one argument payload `input` and waits for its result
/// payloads.
pub async fn call(
    client: &Client,
    activity: &str,
    id: &str,
    input: Payload,
    options: ActivityStartOptions,
) -> anyhow::Result<Vec<Payload>> {
    let handle = start(client, activity, id, input, options).await?;
    let output = handle
        .result()
        .await
        .with_context(|| format!("waiting for {id}"))?;
    Ok(output.payloads)
}

/// Starts activity `activity` with one argument payload `input`; the handle awaits the result.
pub async fn start(
    client: &Client,
    activity: &str,
    id: &str,
    input: Payload,
    options: ActivityStartOptions,
) -> anyhow::Result<ActivityHandle<Client, UntypedActivity>> {
    client
        .start_activity(
            UntypedActivity::new(activity),
            RawValue::new(vec![input]),
            options,
        )
        .await
        .with_context(|| format!("starting {id}"))
}

/// A payload with the given `encoding` metadata and data.
pub fn payload(encoding: &str, data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_owned(), encoding.as_bytes().to_vec())]),
        data,
        external_payloads: Vec::new(),
    }
}

/// `text` as a `json/plain` payload.
pub fn json_payload(text: &str) -> Payload {
    payload(
        "json/plain",
        serde_json::to_vec(text).expect("a string encodes"),
    )
}
