//! [`WorkerBuilder`]: every setting of a worker, and the connection it makes.

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use temporalio_client::PayloadLimitsOptions;
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::{
    CoreRuntime, RuntimeOptions, WorkerConfig, WorkerValidationError, WorkerVersioningStrategy,
    init_worker,
};
use tokio_util::sync::CancellationToken;

use super::limits::WorkerLimits;
use super::pools::WorkerPools;
use super::telemetry::{Metrics, RuntimeMetrics, Telemetry};
use super::{ShutdownHandle, Worker, WorkerError};
use crate::client::Client;
use crate::codec::SharedCodec;
use crate::connection::{ConnectOptions, ConnectionError, Resolved};
use crate::meter::MetricMeter;
use crate::registry::{Activities, Registry, RegistryError};

/// Configures and connects a [`Worker`].
#[derive(Debug, Clone)]
#[must_use = "call `.build().await` to connect the worker"]
pub struct WorkerBuilder {
    task_queue: Option<String>,
    /// Where and how to connect: target, namespace, identity, profile, TLS, API key.
    connect: ConnectOptions,
    activities: Activities,
    max_concurrent_activities: usize,
    graceful_shutdown_period: Duration,
    shutdown_abandon_after: Duration,
    connect_retry: Option<Duration>,
    blocking_threads: Option<usize>,
    process_pool_size: usize,
    process_grace_period: Duration,
    process_wrapper: Vec<OsString>,
    metrics: Option<Metrics>,
    codec: Option<SharedCodec>,
}

impl Default for WorkerBuilder {
    fn default() -> Self {
        Self {
            connect: ConnectOptions::default(),
            task_queue: None,
            activities: Activities::new(),
            max_concurrent_activities: 100,
            graceful_shutdown_period: Duration::ZERO,
            shutdown_abandon_after: Duration::from_secs(10),
            connect_retry: None,
            blocking_threads: None,
            process_pool_size: std::thread::available_parallelism().map_or(2, |n| n.get()),
            process_grace_period: Duration::from_secs(5),
            process_wrapper: Vec::new(),
            metrics: None,
            codec: None,
        }
    }
}

impl WorkerBuilder {
    /// The server address, `host:port` or a URL. Defaults to `TEMPORAL_ADDRESS`, else the config
    /// profile's, else `localhost:7233` (see [`crate::connection`]).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.connect = self.connect.target(target);
        self
    }

    /// The namespace. Defaults to `TEMPORAL_NAMESPACE`, else the config profile's, else
    /// `default`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.connect = self.connect.namespace(namespace);
        self
    }

    /// The profile of the `temporal.toml` config file to connect with (default:
    /// `TEMPORAL_PROFILE`, else `default`). See [`crate::connection`].
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.connect = self.connect.profile(profile);
        self
    }

    /// The config file (default: `TEMPORAL_CONFIG_FILE`, else
    /// `~/.config/temporalio/temporal.toml`).
    pub fn config_file(mut self, path: impl AsRef<std::path::Path>) -> Self {
        self.connect = self.connect.config_file(path);
        self
    }

    /// TLS (and mTLS) settings; they replace the profile's and the environment's.
    pub fn tls(mut self, tls: crate::connection::TlsConfig) -> Self {
        self.connect = self.connect.tls(tls);
        self
    }

    /// An API key, sent as `authorization: Bearer <key>`; turns TLS on unless the target is an
    /// explicit `http://` URL. Overrides `TEMPORAL_API_KEY`.
    pub fn api_key(mut self, key: impl Into<crate::connection::ApiKey>) -> Self {
        self.connect = self.connect.api_key(key);
        self
    }

    /// Gzip-compress the worker's gRPC messages. Off by default: see
    /// [`ConnectOptions::gzip_compression`](crate::connection::ConnectOptions::gzip_compression).
    pub fn gzip_compression(mut self, enabled: bool) -> Self {
        self.connect = self.connect.gzip_compression(enabled);
        self
    }

    /// The task queue to poll. Required.
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.task_queue = Some(task_queue.into());
        self
    }

    /// The identity the worker reports; `pid@host` unless set.
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.connect = self.connect.identity(identity);
        self
    }

    /// Adds activities, usually `activities![a, b, some::path::c]`. May be called more than once.
    pub fn register(mut self, activities: impl Into<Activities>) -> Self {
        self.activities.extend(activities.into());
        self
    }

    /// How many activities may run at once (default 100).
    pub fn max_concurrent_activities(mut self, max: usize) -> Self {
        self.max_concurrent_activities = max.max(1);
        self
    }

    /// How many blocking (`fn`) activities may run at once: the size of the worker's own pool of
    /// threads named `activity-blocking-N`, started on demand (default: as many as
    /// [`max_concurrent_activities`](Self::max_concurrent_activities)). Blocking activities never
    /// run on the async threads nor on tokio's shared blocking pool; when every thread is busy,
    /// further ones wait in a queue. A thread is never killed: a cancelled blocking activity
    /// ends (and is reported cancelled) when its function returns, so check
    /// `ctx.is_cancelled()` or wait with `ctx.wait_cancelled_timeout(..)`.
    pub fn blocking_threads(mut self, threads: usize) -> Self {
        self.blocking_threads = Some(threads.max(1));
        self
    }

    /// A payload codec (encryption, compression): decodes arguments and heartbeat details,
    /// encodes results, heartbeat details and failure details. See [`crate::codec`].
    pub fn codec(mut self, codec: impl crate::codec::PayloadCodec + Send + Sync + 'static) -> Self {
        self.codec = Some(SharedCodec::new(codec));
        self
    }

    /// How many child processes run process-isolated activities (`#[activity(isolation =
    /// "process")]`) at once (default: the number of CPUs). Children start on demand, serve one
    /// attempt at a time, and are killed when the worker stops; one that dies is replaced.
    pub fn process_pool_size(mut self, size: usize) -> Self {
        self.process_pool_size = size.max(1);
        self
    }

    /// How long a process-isolated activity has to return after its child is told of a
    /// cancellation before the child is killed (default 5 s).
    pub fn process_grace_period(mut self, period: Duration) -> Self {
        self.process_grace_period = period;
        self
    }

    /// Exports the worker's metrics (default: none): the worker core's (activity latencies,
    /// slots, polls, as in every Temporal SDK), the runtime's own (`activity_runtime_*`) and those
    /// activities record with [`crate::ActivityContext::metric_meter`]. See the README's
    /// "Metrics" section for the names and labels.
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// A command that starts each child process, with the worker's executable appended as its
    /// last argument (default: none, the executable is started directly). Use it to limit or place
    /// children without limiting the worker: `["prlimit", "--as=2000000000", "--"]` caps each
    /// child's address space, `["nice", "-n", "10"]` lowers its priority, `["systemd-run",
    /// "--user", "--scope", "-p", "MemoryMax=1G"]` gives it a cgroup. The command must end up
    /// running the executable it is given (`exec`): a child that runs another file is refused.
    pub fn process_wrapper<I, S>(mut self, command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.process_wrapper = command.into_iter().map(Into::into).collect();
        self
    }

    /// How long running activities may go on after shutdown begins before they are cancelled
    /// with reason [`crate::CancellationReason::WorkerShutdown`] (default: cancelled at once).
    pub fn graceful_shutdown_period(mut self, period: Duration) -> Self {
        self.graceful_shutdown_period = period;
        self
    }

    /// How long activities have to return once they are cancelled for the worker's shutdown
    /// (after the [graceful period](Self::graceful_shutdown_period)) before the worker reports
    /// each one still running as a retryable `WorkerShutdown` failure, abandons it and
    /// [`Worker::run`] returns (default 10 s). So no activity keeps a stopping worker alive for
    /// longer than the two periods together: keep their sum below the time your orchestrator
    /// gives a process between SIGTERM and SIGKILL (Kubernetes' `terminationGracePeriodSeconds`,
    /// 30 s by default).
    pub fn shutdown_abandon_after(mut self, period: Duration) -> Self {
        self.shutdown_abandon_after = period;
        self
    }

    /// Waits up to `total` for an unreachable server at [`build`](Self::build), trying again with
    /// a backoff from 100 ms to 5 s and logging each failed try, instead of failing at once: for
    /// a worker that may start before its server (Docker Compose, Kubernetes). Errors that
    /// waiting cannot mend (a bad address, TLS settings, a refused credential) still fail at
    /// once.
    pub fn connect_retry(mut self, total: Duration) -> Self {
        self.connect_retry = Some(total);
        self
    }

    /// Connects to the server, checks the namespace and prepares the worker.
    ///
    /// # Errors
    /// A missing task queue, no or duplicate activities, an unusable address, an unreachable
    /// server or a namespace that does not exist, each with its own [`WorkerError`] variant.
    pub async fn build(self) -> Result<Worker, WorkerError> {
        let task_queue = self.task_queue.ok_or(WorkerError::MissingTaskQueue)?;
        let registry = Registry::new(self.activities).map_err(registry_error)?;
        if registry.is_empty() {
            return Err(WorkerError::NoActivities);
        }
        let mut resolved = self
            .connect
            .resolve(default_identity())
            .map_err(worker_error)?;
        // The worker warns of large results and heartbeat details itself, once per activity type
        // and naming it (see `limits`); the connection's own warning of every such message would
        // say it a second time.
        resolved.options.payload_limits = PayloadLimitsOptions::builder()
            .payloads_warn_size(0)
            .build();
        let target = resolved.target.clone();
        let namespace = resolved.namespace.clone();
        let connection = connect_with_retry(&resolved, self.connect_retry)
            .await
            .map_err(worker_error)?;

        let telemetry = self.metrics.as_ref().map(Telemetry::start).transpose()?;
        let runtime_options = telemetry
            .as_ref()
            .map_or_else(RuntimeOptions::default, Telemetry::runtime_options);
        let runtime = CoreRuntime::new_assume_tokio(runtime_options).map_err(core_error)?;
        let meter = telemetry
            .as_ref()
            .map_or_else(MetricMeter::noop, |telemetry| {
                telemetry.activity_meter(&namespace, &task_queue)
            });
        let config = WorkerConfig::builder()
            .namespace(namespace.clone())
            .task_queue(task_queue.clone())
            .task_types(WorkerTaskTypes::activity_only())
            .versioning_strategy(WorkerVersioningStrategy::None {
                build_id: String::new(),
            })
            .max_outstanding_activities(self.max_concurrent_activities)
            .graceful_shutdown_period(self.graceful_shutdown_period)
            .build()
            .map_err(|message| WorkerError::Core(message.into()))?;
        let client = Client::from_connection(connection.clone(), &namespace, self.codec.clone())
            .map_err(|err| WorkerError::Core(err.into()))?;
        let core = init_worker(&runtime, config, connection).map_err(core_error)?;
        let validated = core.validate().await;
        let limits = WorkerLimits::new(&namespace, validated.as_ref().ok());
        if let Err(err) = validated {
            let WorkerValidationError::NamespaceDescribeError { source, namespace } = err;
            return Err(match source.code() {
                tonic::Code::NotFound => WorkerError::NamespaceNotFound { namespace, target },
                tonic::Code::Unavailable => WorkerError::Connect {
                    target,
                    source: Box::new(source),
                },
                _ => WorkerError::Validation {
                    namespace,
                    target,
                    message: source.message().to_owned(),
                },
            });
        }

        let pools = WorkerPools::new(
            &registry,
            self.max_concurrent_activities,
            self.blocking_threads,
            self.process_pool_size,
            self.process_grace_period,
            &self.process_wrapper,
        );
        Ok(Worker {
            pools,
            core: Arc::new(core),
            _runtime: runtime,
            registry: Arc::new(registry),
            namespace,
            task_queue,
            shutdown: ShutdownHandle::new(),
            shutting_down: CancellationToken::new(),
            client,
            limits,
            codec: self.codec,
            graceful_shutdown_period: self.graceful_shutdown_period,
            shutdown_abandon_after: self.shutdown_abandon_after,
            reporter: super::report::Reporter::new(RuntimeMetrics::new(meter.clone())),
            runtime_metrics: RuntimeMetrics::new(meter.clone()),
            meter,
            telemetry,
        })
    }
}

/// Connects, trying again for up to `retry` while the server is unreachable.
async fn connect_with_retry(
    resolved: &Resolved,
    retry: Option<Duration>,
) -> Result<temporalio_client::Connection, ConnectionError> {
    let deadline = retry.map(|total| tokio::time::Instant::now() + total);
    let mut backoff = Duration::from_millis(100);
    let mut tries = 1u32;
    loop {
        match crate::connection::connect(resolved).await {
            Err(err @ ConnectionError::Unreachable { .. }) => {
                let now = tokio::time::Instant::now();
                let Some(deadline) = deadline.filter(|d| now + backoff < *d) else {
                    return Err(err);
                };
                tracing::warn!(
                    target_address = %resolved.target,
                    tries,
                    "{err}; trying again in {backoff:?} (for up to {:?} more)",
                    deadline - now,
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                tries += 1;
            }
            other => return other,
        }
    }
}

/// A core error, its context chain kept as the source chain.
fn core_error(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> WorkerError {
    WorkerError::Core(err.into())
}

fn registry_error(err: RegistryError) -> WorkerError {
    match err {
        RegistryError::Duplicate {
            name,
            first,
            second,
        } => WorkerError::DuplicateActivity {
            name: name.to_owned(),
            first: first.to_owned(),
            second: second.to_owned(),
        },
        RegistryError::DuplicateDynamic { first, second } => {
            WorkerError::DuplicateDynamicActivity {
                first: first.to_owned(),
                second: second.to_owned(),
            }
        }
    }
}

/// Unreachable servers and bad addresses keep their own [`WorkerError`] variants.
fn worker_error(err: ConnectionError) -> WorkerError {
    match err {
        ConnectionError::Unreachable { target, message } => WorkerError::Connect {
            target,
            source: message.into(),
        },
        ConnectionError::InvalidTarget { target, reason } => {
            WorkerError::InvalidTarget { target, reason }
        }
        other => WorkerError::Connection(other),
    }
}

fn default_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{}@{host}", std::process::id())
}
