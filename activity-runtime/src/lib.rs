//! Write Temporal activities as plain Rust functions.
//!
//! ```no_run
//! use activity_runtime::{Worker, activities, activity};
//! use serde::Deserialize;
//!
//! /// Called as `say_hello` from any Temporal SDK.
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
//! /// A blocking activity: runs off the async threads.
//! #[activity(name = "your_activity")]
//! fn compose_greeting(params: YourParams) -> String {
//!     format!("{}, {}!", params.greeting, params.name)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), activity_runtime::WorkerError> {
//!     Worker::builder()
//!         .task_queue("greetings")
//!         .register(activities![say_hello, compose_greeting])
//!         .build()
//!         .await?
//!         .run()
//!         .await
//! }
//! ```
//!
//! This crate is the only dependency a user adds: it re-exports the `#[activity]` attribute,
//! and the code that attribute generates reaches everything through this crate.
//!
//! # Layers
//!
//! Modules import only from the layers below their own (a test, `tests/integration/layers.rs`, keeps it so):
//!
//! ```text
//!  facade     lib.rs: re-exports, `__private` for generated code
//!  worker     worker/ (builder, tuning, versioning, telemetry, trace context, interceptors, pools,
//!             limits, report, errors) testing
//!  client     client
//!  transport  connection → codec → storage/ (external payloads), process/ (child processes), blocking
//!  contract   registry → activity → context → meter → attempt → raw → error → payload → limits
//! ```
//!
//! The contract is what an activity sees and what `#[activity]` implements: the [`Activity`]
//! trait, its input and output, payload conversion, [`RawValue`], [`ActivityError`], size limits
//! and the registry. It names neither the worker core nor the gRPC client; the worker hands
//! activities its pools through [`ActivityContext`] without the contract knowing them.
//!
//! # Features
//!
//! - `worker` (default): the [`Worker`], the [`client`], connections and codecs, on
//!   `temporalio-sdk-core` and `temporalio-client`. Without it the crate is the contract alone
//!   (plus [`testing`]), which is all the code `#[activity]` generates needs.
//! - `otel`: OpenTelemetry. [`Metrics::otlp`] exports the metrics over OTLP, and each attempt's
//!   `activity` span continues the trace its caller sent in the `_tracer-data` header (Python's
//!   `temporalio.contrib.opentelemetry`, the TypeScript, Go and .NET tracing interceptors), for a
//!   `tracing-opentelemetry` layer to export.
//! - `object-store` (off by default): `storage::ObjectStoreDriver`, external payload storage
//!   in S3 and S3-compatible servers (or any store of the `object_store` crate), wire-compatible
//!   with the other SDKs' S3 driver. The [`storage`] module itself (its driver trait, the
//!   reference format) comes with `worker`.
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
mod error;
pub mod limits;
pub mod meter;
pub mod payload;
mod raw;
mod registry;

// transport
mod blocking;
#[cfg(feature = "worker")]
pub mod codec;
#[cfg(feature = "worker")]
pub mod connection;
pub mod process;
#[cfg(feature = "worker")]
pub mod storage;

// client, worker, test support
#[cfg(feature = "worker")]
pub mod client;
/// What typed callers need of an activity's definition (the `worker` feature adds the client).
#[cfg(not(feature = "worker"))]
pub mod client {
    pub use temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
    pub use temporalio_common::{ActivityCloseTimeouts, ActivityDefinition};
}
pub mod testing;
#[cfg(feature = "worker")]
mod worker;

pub use activity::{
    Activity, ActivityParameter, ActivityResultValue, ContextParameter, Execution,
    IntoActivityError, Registration, TypedValue,
};
pub use attempt::{ActivityFuture, ActivityInput, ActivityOutput};
#[cfg(feature = "worker")]
pub use connection::DEFAULT_TARGET;
pub use context::{
    ActivityContext, ActivityInfo, CancellationDetails, CancellationReason, RetryPolicy,
};
pub use error::ActivityError;
pub use payload::{ActivityArgs, Bytes, Payload, PayloadConverter};
pub use raw::RawValue;
pub use registry::{Activities, ActivityMethods, ListedByName, Register};
#[cfg(feature = "worker")]
pub use worker::{
    Metrics, ShutdownHandle, VersioningBehavior, Worker, WorkerBuilder, WorkerError, interceptors,
    tuning,
};

#[doc(inline)]
pub use activity_macros::activity;

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::activity::{
        ContextParameter, Executor, MethodActivity, ResultKind, TypedValue, ValueKind,
    };
    pub use crate::payload::{Codec, MessageWire, ResultCodec, SerdeWire, Wire};
    pub use ::core::concat;
    pub use ::core::module_path;
    pub use ::core::result::Result;
    pub use ::core::unreachable;
    pub use ::std::boxed::Box;
    pub use ::std::sync::Arc;
    pub use ::temporalio_common::ActivityDefinition;
    pub use ::temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
}
