//! Write Temporal activities as plain Rust functions, and serve them to workflows in any language
//! on the official Temporal worker core.
//!
//! - [Writing activities](#writing-activities): the [`activity`] attribute
//! - [Serving them](#serving-them): [`Worker`]
//! - [Calling them](#calling-them): [`client`]
//! - [Required dependencies](#required-dependencies)
//! - [Feature flags](#feature-flags)
//! - [Examples and the guide](#examples-and-the-guide)
//!
//! # Writing activities
//!
//! An activity is a function with [`#[activity]`](activity): an `async fn`, or a plain `fn` for
//! blocking work, taking any serde types and returning one, optionally with an
//! [`ActivityContext`] first for heartbeats and cancellation.
//!
//! ```no_run
//! use activity_runtime::{ActivityContext, Worker, activities, activity};
//! use serde::Deserialize;
//!
//! /// Called as `say_hello` from any Temporal SDK, or the CLI.
//! #[activity]
//! async fn say_hello(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! #[derive(Deserialize)]
//! struct YourParams {
//!     greeting: String,
//!     name: String,
//! }
//!
//! /// Renamed, takes the context, and may fail with any error type.
//! #[activity(name = "your_activity")]
//! async fn compose_greeting(ctx: ActivityContext, params: YourParams) -> anyhow::Result<String> {
//!     tracing::info!(attempt = ctx.info().attempt, "composing a greeting");
//!     Ok(format!("{}, {}!", params.greeting, params.name))
//! }
//!
//! /// A plain `fn` is a blocking activity: it runs on the worker's own threads.
//! #[activity]
//! fn count_words(text: String) -> usize {
//!     text.split_whitespace().count()
//! }
//!
//! #[tokio::main]
//! async fn main() -> anyhow::Result<()> {
//!     // Without a subscriber, the worker's warnings and errors print nothing.
//!     tracing_subscriber::fmt().with_env_filter("info").init();
//!     Worker::builder()
//!         .task_queue("hello-activities") // the server: TEMPORAL_ADDRESS, else localhost:7233
//!         .register(activities![say_hello, compose_greeting, count_words])
//!         .build()
//!         .await?
//!         .run() // until SIGTERM or Ctrl-C, then a bounded graceful shutdown
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! A Python workflow calls `your_activity` by name on the worker's task queue:
//! `workflow.execute_activity("your_activity", YourParams("Hello", "World"),
//! task_queue="hello-activities", start_to_close_timeout=timedelta(seconds=30))`.
//!
//! Failures are [`ActivityError`]s (any `?` error converts into a retryable one); arguments that
//! do not decode fail with the non-retryable `ArgumentError`. [`RawValue`] carries the arguments
//! of a dynamic activity, [`Bytes`] binary ones. [`testing::ActivityEnvironment`] runs an
//! activity in a unit test, without a server.
//!
//! # Serving them
//!
//! [`Worker::builder`] takes the connection (from `temporal.toml` and the `TEMPORAL_*` variables
//! as the CLI does, or [`connection`] settings), the task queue, the activities, and the tuning,
//! shutdown, [`codec`], [`storage`], metrics ([`Metrics`]) and [`interceptors`] settings.
//! [`Worker::run`] serves until SIGTERM or Ctrl-C, then shuts down within bounds
//! ([`ShutdownHandle`] stops it from code). Process-isolated activities need
//! [`process::init`] first thing in `main`.
//!
//! # Calling them
//!
//! [`client::Client`] starts activities without a workflow (standalone activities) and completes
//! asynchronous ones; the companion type `#[activity]` generates also implements the official
//! client's `ActivityDefinition`, so `temporalio-client` calls them with typed input and output.
//!
//! # Required dependencies
//!
//! This crate is the only one the code `#[activity]` generates needs. A worker's `main` wants an
//! async runtime and, to see the worker's warnings, a `tracing` subscriber:
//!
//! ```toml
//! [dependencies]
//! activity-runtime = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! serde = { version = "1", features = ["derive"] }
//! tracing-subscriber = { version = "0.3", features = ["env-filter"] }
//! ```
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `worker` | yes | the [`Worker`], the [`client`], [`connection`]s, [`codec`]s and [`storage`], on `temporalio-sdk-core` and `temporalio-client`. Without it the crate is the activity contract alone (plus [`testing`]): all the code `#[activity]` generates needs |
//! | `otel` | no | OpenTelemetry: `Metrics::otlp` exports the metrics over OTLP, and each attempt's `activity` span continues the trace its caller sent (the `_tracer-data` header), for a `tracing-opentelemetry` layer to export |
//! | `object-store` | no | `storage::ObjectStoreDriver`: large payloads in S3 and S3-compatible servers, or any store of the `object_store` crate, wire-compatible with the other SDKs' S3 driver |
//! | `codec-server` | no | `codec_server`: the HTTP codec server the `temporal` CLI (`--codec-endpoint`) and the Web UI call to decode and encode payloads with a codec, as an axum `Router` or on its own |
//! | `contract` | no | [`Activities::contract`]: the exported [`contract`] of the registered activities (parameters and results with JSON Schemas from `schemars`, size limits), which typed Python and TypeScript callers are generated from, and its drift check |
//!
//! # Examples and the guide
//!
//! The repository's `examples/` folder holds programs that run (its `README.md` says what each
//! shows), and `docs/` a guide that starts from a first activity called from Python and goes on to
//! production. How the crate is built inside is in its `ARCHITECTURE.md`.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(unreachable_pub)]
// The one exception, `process::entry`, says what it relies on.
#![deny(unsafe_code)]
// Without the worker, the contract's adapters for it (from core's protos, to its pools) go unused.
#![cfg_attr(not(feature = "worker"), allow(dead_code))]
#![cfg_attr(docsrs, feature(doc_cfg))]

// contract, bottom up
mod activity;
mod attempt;
mod context;
#[cfg(feature = "contract")]
#[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
pub mod contract;
mod error;
pub mod limits;
pub mod meter;
pub mod payload;
mod raw;
mod registry;
mod signature;

// transport
mod blocking;
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub mod codec;
#[cfg(feature = "codec-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "codec-server")))]
pub mod codec_server;
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub mod connection;
pub mod process;
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub mod storage;

// client, worker, test support
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub mod client;
/// What typed callers need of an activity's definition (the `worker` feature adds the client).
#[cfg(not(feature = "worker"))]
pub mod client {
    pub use temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
    pub use temporalio_common::{ActivityCloseTimeouts, ActivityDefinition};
}
#[cfg(feature = "worker")]
pub mod logging;
pub mod testing;
#[cfg(feature = "worker")]
mod worker;

pub use activity::{
    Activity, ActivityParameter, ActivityResultValue, ContextParameter, Execution,
    IntoActivityError, Registration, SendFuture, SharedInstance, TypedValue,
};
pub use attempt::{ActivityFuture, ActivityInput, ActivityOutput};
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub use connection::DEFAULT_TARGET;
pub use context::{
    ActivityContext, ActivityInfo, CancellationDetails, CancellationReason, RetryPolicy,
};
pub use error::ActivityError;
pub use payload::{ActivityArgs, Bytes, Payload, PayloadConverter};
pub use raw::RawValue;
pub use registry::{Activities, ActivityMethods, ListedByName, Register};
/// The `schemars` crate the contract's schemas come from, for `#[derive(JsonSchema)]` with
/// `#[schemars(crate = "activity_runtime::schemars")]` in a crate that does not depend on it.
#[cfg(feature = "contract")]
#[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
pub use schemars;
pub use signature::{SchemaFn, Signature, SignatureType, TypeSchemas};
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub use worker::{
    HealthReport, HealthStatus, Metrics, MetricsExporter, ShutdownHandle, VersioningBehavior,
    Worker, WorkerBuilder, WorkerError, WorkerHealth, interceptors, tuning,
};

#[doc = include_str!("docs/activity.md")]
#[doc(inline)]
pub use activity_macros::activity;

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::activity::{
        ContextParameter, Executor, MethodActivity, ResultKind, TypedValue, ValueKind,
    };
    pub use crate::payload::{Codec, MessageWire, SerdeWire, Wire};
    pub use crate::signature::{HasSchema, NoSchema, Probe};
    pub use ::activity_macros::listed_activity;
    pub use ::core::concat;
    pub use ::core::module_path;
    pub use ::core::option::Option;
    pub use ::core::result::Result;
    pub use ::core::time::Duration;
    pub use ::core::unreachable;
    pub use ::std::boxed::Box;
    pub use ::std::sync::Arc;
    pub use ::temporalio_common::ActivityDefinition;
    pub use ::temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
}
