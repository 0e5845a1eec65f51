//! Logs of a worker process as text on stderr: what the worker, its activities (each in its
//! `activity` span) and the worker core record with `tracing`.
//!
//! `tracing-subscriber`'s text format writes terminal colour codes unless `NO_COLOR` is set,
//! whether or not its output is a terminal, whenever its `ansi` feature is on, and the official
//! worker core turns that feature on for every crate of the build: a `fmt().init()` of your own
//! then fills log files and pipes with escape codes. [`init`] colours only a terminal:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! activity_runtime::logging::init()?; // RUST_LOG=debug for more, NO_COLOR=1 for no colours
//! let worker = activity_runtime::Worker::builder()
//!     .task_queue("greetings")
//!     // .register(...)
//!     .build()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! With a subscriber of your own, do the same: `.with_ansi(std::io::stderr().is_terminal())`
//! on its `fmt` layer.

use std::io::IsTerminal;

pub use tracing::level_filters::LevelFilter;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

/// Installs the process's `tracing` subscriber: text on stderr at the level of `RUST_LOG`
/// (default `info`), coloured only when stderr is a terminal and `NO_COLOR` is unset or empty.
///
/// # Errors
/// [`LoggingError`] when the process already has a global subscriber.
pub fn init() -> Result<(), LoggingError> {
    init_from(LevelFilter::INFO)
}

/// Like [`init`], from `default` when `RUST_LOG` is not set (a program whose output is its
/// results may log only warnings and errors).
///
/// # Errors
/// [`LoggingError`] when the process already has a global subscriber.
pub fn init_from(default: LevelFilter) -> Result<(), LoggingError> {
    let filter = EnvFilter::builder()
        .with_default_directive(default.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours())
        .finish()
        .try_init()
        .map_err(LoggingError)
}

/// Whether stderr takes colour codes: a terminal, and no `NO_COLOR` (<https://no-color.org>).
fn colours() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Why [`init`] did not install its subscriber: the process already has one.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up logging: the process already has a global `tracing` subscriber")]
pub struct LoggingError(#[source] TryInitError);
