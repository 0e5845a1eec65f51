//! [`WorkerError`]: why a worker could not be built or stopped serving.

use std::error::Error as StdError;

use crate::connection::ConnectionError;

/// Why a [`Worker`](crate::Worker) could not be built or stopped serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// `task_queue` was not set.
    #[error("no task queue: call `.task_queue(\"...\")` on the worker builder")]
    MissingTaskQueue,
    /// No activity was registered.
    #[error("no activities registered: call `.register(activities![...])` on the worker builder")]
    NoActivities,
    /// Two registered activities share one name.
    #[error(
        "two activities are registered as `{name}`: `{first}` and `{second}`; \
         rename one with `#[activity(name = \"...\")]`"
    )]
    DuplicateActivity {
        /// The shared activity type name.
        name: String,
        /// The function registered first.
        first: String,
        /// The function registered second.
        second: String,
    },
    /// Two dynamic activities were registered.
    #[error(
        "two dynamic activities are registered: `{first}` and `{second}`; a worker has at most one \
         (it serves every activity type no other activity has)"
    )]
    DuplicateDynamicActivity {
        /// The function registered first.
        first: String,
        /// The function registered second.
        second: String,
    },
    /// The metrics could not be exported: the scrape endpoint could not be served (e.g. its port
    /// is taken), or the OTLP endpoint is not a URL.
    #[error("cannot export metrics to `{endpoint}`: {source}")]
    Metrics {
        /// The address or URL asked for.
        endpoint: String,
        /// Why it failed.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// The health probes could not be served (e.g. their port is taken).
    #[error("cannot serve the health probes on `{address}`: {source}")]
    HealthProbes {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A builder setting is out of range or conflicts with another; `setting` is the builder
    /// method's name.
    #[error("invalid worker setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The builder method whose value is refused.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The server address is not usable.
    #[error("invalid Temporal server address `{target}`: {reason}")]
    InvalidTarget {
        /// The address as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached.
    #[error(
        "cannot reach a Temporal server at `{target}`: {source}. Start one (`temporal server start-dev`) \
         or point the worker at yours with `.target(...)` or the TEMPORAL_ADDRESS variable"
    )]
    Connect {
        /// The address tried.
        target: String,
        /// The connection error.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// The namespace does not exist on the server.
    #[error(
        "namespace `{namespace}` does not exist on the Temporal server at `{target}`; create it \
         (`temporal operator namespace create --namespace {namespace}`) or pick another with `.namespace(...)`"
    )]
    NamespaceNotFound {
        /// The namespace asked for.
        namespace: String,
        /// The server address.
        target: String,
    },
    /// The server refused or failed the worker's start-up checks.
    #[error(
        "the Temporal server at `{target}` rejected the worker for namespace `{namespace}`: {message}"
    )]
    Validation {
        /// The namespace asked for.
        namespace: String,
        /// The server address.
        target: String,
        /// What the server said.
        message: String,
    },
    /// The worker core could not be set up, or failed while serving.
    #[error("worker core error: {0}")]
    Core(#[source] Box<dyn StdError + Send + Sync + 'static>),
    /// The connection settings, TLS or credentials failed: the variant says which.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}
