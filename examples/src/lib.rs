//! Activities served by the example worker (`cargo run -p examples --bin worker`), and what the
//! other examples share. `examples/README.md` lists every example and how to run it.

pub mod encryption;
#[cfg(doctest)]
mod guide;
pub mod inventory;
pub mod msgpack;
pub mod orders;
pub mod protobuf;
pub mod resumable;

use std::path::PathBuf;
use std::sync::Arc;

use activity_runtime::{Activities, ActivityContext, ActivityError, activities, activity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Greets someone: `say_hello("World")` returns `"Hello, World!"`.
#[activity]
pub async fn say_hello(name: String) -> String {
    format!("Hello, {name}!")
}

/// The parameters of `your_activity`, as in the Temporal Python samples.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct YourParams {
    /// How to greet.
    pub greeting: String,
    /// Whom to greet.
    pub name: String,
}

/// Composes a greeting from parameters.
#[activity(name = "your_activity")]
pub async fn compose_greeting(ctx: ActivityContext, params: YourParams) -> String {
    let _ = ctx.info().attempt;
    format!("{}, {}!", params.greeting, params.name)
}

/// A blocking activity: counts words the slow way, off the async threads.
#[activity]
pub fn count_words(text: String) -> Result<usize, std::num::ParseIntError> {
    Ok(text.split_whitespace().count())
}

/// Asks a person for approval and completes later: it writes its task token to
/// `<approvals_dir>/<activity id>.token` and returns; whoever decides runs the `complete` example
/// program with that file, which completes the activity through the Temporal client.
#[activity]
pub async fn request_approval(
    ctx: ActivityContext,
    request: String,
) -> Result<String, ActivityError> {
    let dir = approvals_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.token", ctx.info().activity_id));
    let token: String = ctx
        .info()
        .task_token
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(&path, token)?;
    println!(
        "approval needed for {request:?}: cargo run -p examples --bin complete -- {} approved",
        path.display()
    );
    Err(ActivityError::complete_async())
}

/// Where `request_approval` leaves task tokens: `APPROVALS_DIR`, else a folder in the temp dir.
pub fn approvals_dir() -> PathBuf {
    std::env::var_os("APPROVALS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("activity-runtime-approvals"))
}

/// The task queue the example worker polls (override with `EXAMPLE_TASK_QUEUE`).
pub fn task_queue() -> String {
    task_queue_or("hello-activities")
}

/// `EXAMPLE_TASK_QUEUE`, else `default`: the task queue of an example (its tests run each
/// example on a queue of their own).
pub fn task_queue_or(default: &str) -> String {
    std::env::var("EXAMPLE_TASK_QUEUE").unwrap_or_else(|_| default.to_owned())
}

/// Every example activity: functions (async and blocking), the methods of an [`Inventory`]
/// holding some tea, the order activities of [`orders`] (nested structs, enums, `Option` tails,
/// bytes), [`protobuf::accept_order`] (a protobuf message in, another out) and a dynamic one. `activities().contract()` is the contract the example worker serves
/// (`worker --print-contract`), committed as `examples/contract.json`.
///
/// [`Inventory`]: inventory::Inventory
pub fn activities() -> Activities {
    let mut all = activities![
        say_hello,
        compose_greeting,
        count_words,
        request_approval,
        resumable::import_rows,
        orders::quote_order,
        orders::reverse_bytes,
        orders::legacy_call,
        protobuf::accept_order,
    ];
    let inventory = inventory::Inventory {
        pool: inventory::Pool::with_stock([("tea".to_owned(), 100)]),
    };
    all.extend(Activities::from(Arc::new(inventory)));
    all
}

/// A worker serving the example activities on `target`.
pub async fn worker(
    target: &str,
    task_queue: &str,
) -> Result<activity_runtime::Worker, activity_runtime::WorkerError> {
    activity_runtime::Worker::builder()
        .target(target)
        .task_queue(task_queue)
        .register(activities())
        .build()
        .await
}

/// Executes each example activity as a standalone activity through a real Temporal client and
/// prints the results.
pub async fn run_client(
    target: &str,
    task_queue: &str,
) -> Result<(), activity_runtime::client::ClientError> {
    use activity_runtime::client::{ActivityOptions, Client};

    let client = Client::connect(target, "default").await?;
    let options = || ActivityOptions::new(task_queue);

    let hello: String = client
        .execute_activity("say_hello", ("World",), options())
        .await?;
    println!("say_hello(\"World\") -> {hello}");

    let params = YourParams {
        greeting: "Hello".into(),
        name: "Rust".into(),
    };
    let composed: String = client
        .execute_activity("your_activity", (params,), options())
        .await?;
    println!("your_activity({{greeting: \"Hello\", name: \"Rust\"}}) -> {composed}");

    let words: usize = client
        .execute_activity(
            "count_words",
            ("the quick brown fox jumps over the lazy dog",),
            options(),
        )
        .await?;
    println!("count_words(\"the quick brown fox ...\") -> {words}");
    Ok(())
}

/// Prints the runtime's log events (and the activities' own) to stderr, from level `INFO`, or as
/// `RUST_LOG` says (e.g. `RUST_LOG=activity_runtime=debug`). Every example calls it first thing:
/// without a subscriber the worker's warnings and errors (a result the server never received, a
/// blocking pool smaller than the slots) print nothing.
///
/// (With an explicit default: `tracing_subscriber::fmt::init()` defaults to `ERROR` when the
/// `env-filter` feature is on anywhere in the build, which hides the warnings.)
pub fn init_tracing() {
    init_tracing_from(tracing_subscriber::filter::LevelFilter::INFO);
}

/// [`init_tracing`] from another level when `RUST_LOG` is not set (the demo prints warnings and
/// errors only, so that its output stays the results).
pub fn init_tracing_from(default: tracing_subscriber::filter::LevelFilter) {
    // The runtime's: text on stderr, colours on a terminal only, not in files and log
    // collectors.
    activity_runtime::logging::init_from(default).expect("logging is set up once");
}
