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
#![warn(missing_docs)]

mod activity;
pub mod client;
pub mod codec;
pub mod connection;
mod context;
#[cfg(feature = "dev-server")]
pub mod dev_server;
mod error;
mod executor;
pub mod limits;
pub mod payload;
pub mod process;
mod raw;
mod registry;
pub mod testing;
mod worker;

pub use activity::{
    Activity, ActivityFuture, ActivityInput, ActivityOutput, ActivityResultValue, IntoActivityError,
};
pub use context::{
    ActivityContext, ActivityInfo, CancellationDetails, CancellationReason, RetryPolicy,
};
pub use error::{ActivityError, WorkerError};
pub use executor::Execution;
pub use payload::{Bytes, Payload, PayloadConverter};
pub use raw::RawValue;
pub use registry::{Activities, ActivityMethods, Registration};
pub use worker::{DEFAULT_TARGET, ShutdownHandle, Worker, WorkerBuilder};

#[doc(inline)]
pub use activity_macros::activity;

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::activity::{ResultKind, TypedValue, ValueKind};
    pub use crate::executor::Executor;
    pub use crate::registry::MethodActivity;
    pub use ::core::concat;
    pub use ::core::module_path;
    pub use ::core::result::Result;
    pub use ::core::unreachable;
    pub use ::serde::Serialize;
    pub use ::serde::de::DeserializeOwned;
    pub use ::std::boxed::Box;
    pub use ::std::sync::Arc;
    pub use ::temporalio_common::ActivityDefinition;
    pub use ::temporalio_common::data_converters::{
        MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
    };
}
