//! [`WorkerBuilder`]: every setting of a worker, and the connection it makes.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use temporalio_client::PayloadLimitsOptions;
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::{CoreRuntime, WorkerConfig, WorkerValidationError, init_worker};
use tokio_util::sync::CancellationToken;

use super::health::{HealthEndpoint, WorkerHealth};
use super::interceptors::{Attempt, AttemptService, Interceptors};
use super::limits::WorkerLimits;
use super::pools::{ProcessSettings, WorkerPools};
use super::telemetry::{Metrics, RuntimeMetrics, Telemetry};
use super::tuning::{
    ActivitySlotKind, PollerBehavior, ResourceBasedSlots, SlotSupplier, Tuning, invalid,
};
use super::versioning::{Versioning, VersioningBehavior};
use super::{ShutdownHandle, Worker, WorkerError};
use crate::client::Client;
use crate::codec::SharedCodec;
use crate::connection::{ConnectOptions, ConnectionError, Resolved};
use crate::context::WorkerParts;
use crate::limits::ProcessLimits;
use crate::meter::MetricMeter;
use crate::payload::PayloadConverter;
use crate::registry::{Activities, Registry, RegistryError};
use crate::storage::{ExternalStorage, StoreContext};

/// Configures and connects a [`Worker`].
#[derive(Debug, Clone)]
#[must_use = "call `.build().await` to connect the worker"]
pub struct WorkerBuilder {
    task_queue: Option<String>,
    /// Where and how to connect: target, namespace, identity, profile, TLS, API key.
    connect: ConnectOptions,
    activities: Activities,
    /// Slots, pollers, rate limits, heartbeat throttling (see [`super::tuning`]).
    tuning: Tuning,
    /// Deployment, build id, worker heartbeats (see [`super::versioning`]).
    versioning: Versioning,
    graceful_shutdown_period: Duration,
    shutdown_abandon_after: Duration,
    connect_retry: Option<Duration>,
    blocking_threads: Option<usize>,
    process_pool_size: usize,
    process_grace_period: Duration,
    process_wrapper: Vec<OsString>,
    process_limits: ProcessLimits,
    metrics: Option<Metrics>,
    health_probes: Option<SocketAddr>,
    server_unreachable_after: Duration,
    codec: Option<SharedCodec>,
    interceptors: Interceptors,
    storage: Option<ExternalStorage>,
    converter: PayloadConverter,
    encode_failure_attributes: bool,
}

impl Default for WorkerBuilder {
    fn default() -> Self {
        Self {
            connect: ConnectOptions::default(),
            task_queue: None,
            activities: Activities::new(),
            tuning: Tuning::default(),
            versioning: Versioning::default(),
            graceful_shutdown_period: Duration::ZERO,
            shutdown_abandon_after: Duration::from_secs(10),
            connect_retry: None,
            blocking_threads: None,
            process_pool_size: std::thread::available_parallelism().map_or(2, |n| n.get()),
            process_grace_period: Duration::from_secs(5),
            process_wrapper: Vec::new(),
            process_limits: ProcessLimits::NONE,
            metrics: None,
            health_probes: None,
            server_unreachable_after: Duration::from_secs(30),
            codec: None,
            interceptors: Interceptors::default(),
            storage: None,
            converter: PayloadConverter::default(),
            encode_failure_attributes: false,
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

    /// How many activities may run at once: fixed activity slots (default 100). Python's
    /// `max_concurrent_activities`; the official Rust SDK's `FixedSizeSlotSupplier`. Exclusive
    /// with [`resource_based_slots`](Self::resource_based_slots) and
    /// [`activity_slot_supplier`](Self::activity_slot_supplier); 0 is refused at `build()`.
    pub fn max_concurrent_activities(mut self, max: usize) -> Self {
        self.tuning.max_concurrent_activities = Some(max);
        self
    }

    /// Resource-based activity slots instead of a fixed count: another activity is taken only
    /// while memory and CPU use stay below the targets (see [`ResourceBasedSlots`]). Python's
    /// `WorkerTuner.create_resource_based`; the official Rust SDK's `ResourceBasedTuner`.
    /// The blocking pool is sized to its `maximum_slots` unless
    /// [`blocking_threads`](Self::blocking_threads) is set.
    pub fn resource_based_slots(mut self, slots: ResourceBasedSlots) -> Self {
        self.tuning.resource_based_slots = Some(slots);
        self
    }

    /// Your own activity slot supplier: core's [`SlotSupplier`] trait (re-exported in
    /// [`crate::tuning`]), asked for a slot before each activity task is polled and told when
    /// it is used and released. Python's `CustomSlotSupplier`. The worker cannot know its
    /// maximum: size [`blocking_threads`](Self::blocking_threads) and
    /// [`process_pool_size`](Self::process_pool_size) to match it (the blocking pool has 100
    /// threads otherwise).
    pub fn activity_slot_supplier(
        mut self,
        supplier: impl SlotSupplier<SlotKind = ActivitySlotKind> + Send + Sync + 'static,
    ) -> Self {
        self.tuning.slot_supplier = Some(Arc::new(supplier));
        self
    }

    /// How the worker polls for activity tasks: at most N polls at once
    /// ([`PollerBehavior::SimpleMaximum`]) or as many as the server's feedback asks for, between
    /// a minimum and a maximum ([`PollerBehavior::Autoscaling`]). Unset, core polls with at most
    /// 5, or autoscales (1 to 100, 5 at first) when the namespace enrols workers in poller
    /// autoscaling. Python's and the official Rust SDK's `activity_task_poller_behavior`.
    pub fn activity_task_poller_behavior(mut self, behavior: PollerBehavior) -> Self {
        self.tuning.poller_behavior = Some((behavior, "activity_task_poller_behavior"));
        self
    }

    /// At most `polls` activity task polls at once: the same as
    /// `.activity_task_poller_behavior(PollerBehavior::SimpleMaximum(polls))`. Python's
    /// `max_concurrent_activity_task_polls`.
    pub fn max_concurrent_activity_task_polls(mut self, polls: usize) -> Self {
        self.tuning.poller_behavior = Some((
            PollerBehavior::SimpleMaximum(polls),
            "max_concurrent_activity_task_polls",
        ));
        self
    }

    /// At most this many activities per second start on this worker (default: no limit): the
    /// worker core spaces its polls for tasks `1 / rate` apart, and the worker spaces the
    /// starts of the attempts it got the same way, so no more than `rate` start in any
    /// one-second window (Python, on the same core, starts up to 11 in the first second at a
    /// rate of 5: every poll already waiting when tasks arrive gets one at once). A task that
    /// arrives early waits in the worker, holding its slot, for its turn; to keep that short,
    /// the worker keeps one poll outstanding while a rate is set, unless
    /// [`max_concurrent_activity_task_polls`](Self::max_concurrent_activity_task_polls) or
    /// [`activity_task_poller_behavior`](Self::activity_task_poller_behavior) says otherwise.
    /// One poll takes one task per round trip to the server: for rates above that (about 20/s
    /// at 50 ms), set more polls. Python's `max_activities_per_second`; the official Rust SDK's
    /// `max_worker_activities_per_second`.
    pub fn max_activities_per_second(mut self, rate: f64) -> Self {
        self.tuning.max_activities_per_second = Some(rate);
        self
    }

    /// At most this many activities per second are dispatched from the task queue to all its
    /// workers together (default: no limit), enforced by the server. Workers of one queue with
    /// different values overwrite each other's: give them all the same. Same name in Python and
    /// the official Rust SDK.
    pub fn max_task_queue_activities_per_second(mut self, rate: f64) -> Self {
        self.tuning.max_task_queue_activities_per_second = Some(rate);
        self
    }

    /// The longest time heartbeats are held back before being sent to the server (default
    /// 60 s). Heartbeats are sent at most every 80 % of the activity's heartbeat timeout, and
    /// never less often than this; cancellation, pause and reset reach an activity in the reply
    /// to a heartbeat sent, so shorter intervals deliver them sooner. Same name in Python and
    /// the official Rust SDK.
    pub fn max_heartbeat_throttle_interval(mut self, interval: Duration) -> Self {
        self.tuning.max_heartbeat_throttle_interval = Some(interval);
        self
    }

    /// How long heartbeats are held back for an activity without a heartbeat timeout (default
    /// 30 s; never more than [`max_heartbeat_throttle_interval`](Self::max_heartbeat_throttle_interval)).
    /// Same name in Python and the official Rust SDK.
    pub fn default_heartbeat_throttle_interval(mut self, interval: Duration) -> Self {
        self.tuning.default_heartbeat_throttle_interval = Some(interval);
        self
    }

    /// The worker deployment this worker belongs to (default: none). With a
    /// [`build_id`](Self::build_id) it makes the worker's deployment version,
    /// `deployment_name:build_id`, which the server records on the activities it runs. Python's
    /// `WorkerDeploymentConfig.version`; the official Rust SDK's `deployment_options`.
    pub fn deployment_name(mut self, name: impl Into<String>) -> Self {
        self.versioning.deployment_name = Some(name.into());
        self
    }

    /// The build id this worker reports (default: a checksum of the executable, as the official
    /// Rust SDK's; Python's default is a checksum of its modules).
    pub fn build_id(mut self, build_id: impl Into<String>) -> Self {
        self.versioning.build_id = Some(build_id.into());
        self
    }

    /// Opts in to Worker Versioning (default off): the worker then takes only the tasks the
    /// server routes to its deployment version, so make the version current (`temporal worker
    /// deployment set-current-version`) or ramping for it to receive any. Needs a
    /// [`deployment_name`](Self::deployment_name). Python's
    /// `WorkerDeploymentConfig.use_worker_versioning`.
    pub fn use_worker_versioning(mut self, enabled: bool) -> Self {
        self.versioning.use_worker_versioning = enabled;
        self
    }

    /// The versioning behaviour of workflows that do not choose one (default: none). It
    /// concerns workflows only, which this worker does not run, and is accepted so that one
    /// configuration serves every worker of a deployment; needs
    /// [`use_worker_versioning`](Self::use_worker_versioning). Python's
    /// `WorkerDeploymentConfig.default_versioning_behavior`.
    pub fn default_versioning_behavior(mut self, behavior: VersioningBehavior) -> Self {
        self.versioning.default_versioning_behavior = Some(behavior);
        self
    }

    /// How often the worker tells the server it is alive, with its slots and pollers (default
    /// 60 s; between 1 s and 60 s, or `None` for never). What `temporal worker list` and
    /// `describe` show. Python's `Runtime(worker_heartbeat_interval=...)`.
    pub fn worker_heartbeat_interval(mut self, interval: impl Into<Option<Duration>>) -> Self {
        self.versioning.worker_heartbeat_interval = Some(interval.into());
        self
    }

    /// How many blocking (`fn`) activities may run at once: the size of the worker's own pool of
    /// threads named `activity-blocking-N`, started on demand (default: the activity slots'
    /// maximum: [`max_concurrent_activities`](Self::max_concurrent_activities), or
    /// [`resource_based_slots`](Self::resource_based_slots)' `maximum_slots`, or 100 with a
    /// custom slot supplier; 0 is refused at `build()`). Blocking activities never
    /// run on the async threads nor on tokio's shared blocking pool; when every thread is busy,
    /// further ones wait in a queue. A thread is never killed: a cancelled blocking activity
    /// ends (and is reported cancelled) when its function returns, so check
    /// `ctx.is_cancelled()` or wait with `ctx.wait_cancelled_timeout(..)`.
    pub fn blocking_threads(mut self, threads: usize) -> Self {
        self.blocking_threads = Some(threads);
        self
    }

    /// The payload converter: how arguments, results and heartbeat details become payloads and
    /// back (see [`PayloadConverter`]). The default is the other SDKs' default converter; add an
    /// encoding of your own, or ask for `binary/protobuf`, here. The worker's client
    /// ([`ActivityContext::client`](crate::ActivityContext::client)) uses it too.
    pub fn payload_converter(mut self, converter: PayloadConverter) -> Self {
        self.converter = converter;
        self
    }

    /// Moves the message and stack trace of every activity failure (and of its causes) into the
    /// failure's `encoded_attributes`, leaving "Encoded failure" as its message, as the other
    /// SDKs' failure converters do with `encode_common_attributes`: with a [`codec`](Self::codec)
    /// they are then encrypted like any payload, where a failure's message is otherwise stored in
    /// plain text. Callers of every SDK decode them back. Off by default, as in the other SDKs.
    pub fn encode_failure_attributes(mut self, encode: bool) -> Self {
        self.encode_failure_attributes = encode;
        self
    }

    /// A payload codec (encryption, compression): decodes arguments and heartbeat details,
    /// encodes results, heartbeat details and failure details. See [`crate::codec`].
    pub fn codec(mut self, codec: impl crate::codec::PayloadCodec + Send + Sync + 'static) -> Self {
        self.codec = Some(SharedCodec::new(codec));
        self
    }

    /// External storage for large payloads (see [`crate::storage`]): arguments and heartbeat
    /// details that are references are read from it; results, heartbeat details and failure
    /// details of at least its threshold are stored in it, and the history carries references,
    /// as the other SDKs' `ExternalStorage` does. Size limits then apply to the references.
    /// Composes with [`codec`](Self::codec): encoded first, then stored. The worker's client
    /// ([`ActivityContext::client`](crate::ActivityContext::client)) uses it too.
    pub fn external_storage(mut self, storage: ExternalStorage) -> Self {
        self.storage = Some(storage);
        self
    }

    /// How many child processes run process-isolated activities (`#[activity(isolation =
    /// "process")]`) at once (default: the number of CPUs; 0 is refused at `build()`). Children
    /// start on demand, serve one
    /// attempt at a time, and are killed when the worker stops; one that dies is replaced.
    pub fn process_pool_size(mut self, size: usize) -> Self {
        self.process_pool_size = size;
        self
    }

    /// How long a process-isolated activity has to return after its child is told of a
    /// cancellation before the child is killed (default 5 s).
    pub fn process_grace_period(mut self, period: Duration) -> Self {
        self.process_grace_period = period;
        self
    }

    /// Wraps every attempt in `layer`, a [`tower::Layer`] over the [`AttemptService`]: to read
    /// its info and headers, reject it before the activity runs, time it, or observe or replace
    /// its result. It applies to every activity of the worker, whatever its kind (async,
    /// blocking, process-isolated, dynamic), and runs in the worker.
    ///
    /// Layers compose as in `tower::ServiceBuilder`: the first one added sees each attempt first
    /// and its result last. A panic in a layer fails the attempt as a panic in the activity does.
    ///
    /// ```no_run
    /// use activity_runtime::interceptors::{Attempt, AttemptService};
    /// use activity_runtime::{ActivityError, Worker};
    /// use tower::ServiceExt;
    ///
    /// /// Refuses, before the activity runs, attempts whose caller sent no `authorization` header.
    /// fn authorize(attempt: &Attempt) -> Result<(), ActivityError> {
    ///     match attempt.headers().get("authorization") {
    ///         Some(_) => Ok(()),
    ///         None => Err(ActivityError::new("not authorized")
    ///             .with_type("Unauthorized")
    ///             .non_retryable()),
    ///     }
    /// }
    ///
    /// # fn builder() -> activity_runtime::WorkerBuilder {
    /// Worker::builder()
    ///     .task_queue("billing")
    ///     .layer(tower::layer::layer_fn(|inner: AttemptService| {
    ///         tower::service_fn(move |attempt: Attempt| {
    ///             let inner = inner.clone();
    ///             async move {
    ///                 authorize(&attempt)?;
    ///                 inner.oneshot(attempt).await
    ///             }
    ///         })
    ///     }))
    /// # }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<AttemptService> + Send + Sync + 'static,
        L::Service: tower::Service<
                Attempt,
                Response = crate::attempt::ActivityOutput,
                Error = crate::error::ActivityError,
            > + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Attempt>>::Future: Send + 'static,
    {
        self.interceptors.push_layer(layer);
        self
    }

    /// Calls `hook` on every heartbeat of every activity of the worker, with the attempt's info
    /// and the encoded details, before they are checked against the size limit, encoded by the
    /// codec and sent; it may change them. Hooks run in the order added, on the thread that
    /// heartbeats (a blocking activity's own). Heartbeats of process-isolated activities go
    /// through them in the worker.
    pub fn on_heartbeat(
        mut self,
        hook: impl Fn(&crate::context::ActivityInfo, &mut Vec<crate::payload::Payload>)
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.interceptors.push_heartbeat_hook(Arc::new(hook));
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

    /// Serves the worker's health on `address` (default: nowhere): `GET /livez` answers 200 while
    /// the process serves, `GET /readyz` 200 once the namespace is validated and
    /// [`Worker::run`] polls, and 503 from the moment shutdown begins or while the server has
    /// not answered for [`server_unreachable_after`](Self::server_unreachable_after); both with
    /// the JSON body of [`crate::HealthReport`] (`{"live":true,"ready":false,
    /// "status":"shutting_down","reason":"shutting down"}`). The port is bound before connecting,
    /// so that probes get an answer (not ready) while [`build`](Self::build) waits for the server.
    /// Port 0 picks a free port: [`Worker::health_address`] says which. The same state is
    /// [`Worker::health`], for your own HTTP server.
    pub fn health_probes(mut self, address: SocketAddr) -> Self {
        self.health_probes = Some(address);
        self
    }

    /// How long the server may leave the worker's checks unanswered before the worker reports
    /// itself not ready (default 30 s). The worker calls `GetSystemInfo` on its connection every
    /// third of this time (at most every 10 s) while it runs; liveness is not affected.
    pub fn server_unreachable_after(mut self, period: Duration) -> Self {
        self.server_unreachable_after = period;
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

    /// Limits for the child process of every process-isolated activity, and the environment
    /// variables children inherit besides
    /// [`DEFAULT_INHERITED_ENV`](crate::limits::DEFAULT_INHERITED_ENV): the defaults for each limit
    /// an activity's `#[activity(...)]` does not set (the attribute wins; the environment lists
    /// are joined). Checked at `build()` ([`ProcessLimits::check`]).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), activity_runtime::WorkerError> {
    /// use std::time::Duration;
    /// use activity_runtime::Worker;
    /// use activity_runtime::limits::{MIB, ProcessLimits};
    /// let worker = Worker::builder()
    ///     .task_queue("images")
    ///     .process_limits(
    ///         ProcessLimits::NONE
    ///             .memory_limit(1024 * MIB as u64)
    ///             .cpu_time(Duration::from_secs(60))
    ///             .inherit_env(&["HTTPS_PROXY"]),
    ///     )
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn process_limits(mut self, limits: ProcessLimits) -> Self {
        self.process_limits = limits;
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
    /// A missing task queue, no or duplicate activities, a setting out of range or in conflict
    /// with another ([`WorkerError::InvalidSetting`], naming it; checked before connecting), an
    /// unusable address, an unreachable server or a namespace that does not exist, each with its
    /// own [`WorkerError`] variant.
    pub async fn build(self) -> Result<Worker, WorkerError> {
        self.building().await
    }

    /// The body of [`build`](Self::build), boxed so that it is compiled once, in this crate (see
    /// `Worker::serving`).
    fn building(self) -> BoxFuture<'static, Result<Worker, WorkerError>> {
        Box::pin(self.connect_and_prepare())
    }

    async fn connect_and_prepare(self) -> Result<Worker, WorkerError> {
        let task_queue = self.task_queue.ok_or(WorkerError::MissingTaskQueue)?;
        if task_queue.trim().is_empty() {
            return Err(invalid(
                "task_queue",
                "it is empty; give the name of the task queue to poll",
            ));
        }
        let registry = Registry::new(self.activities).map_err(registry_error)?;
        if registry.is_empty() {
            return Err(WorkerError::NoActivities);
        }
        // Every worker setting is checked before connecting.
        let tuning = self.tuning.resolve()?;
        if self.blocking_threads == Some(0) {
            return Err(invalid(
                "blocking_threads",
                "it is 0; blocking activities would never run",
            ));
        }
        if self.process_pool_size == 0 {
            return Err(invalid(
                "process_pool_size",
                "it is 0; process-isolated activities would never run",
            ));
        }
        if self.server_unreachable_after.is_zero() {
            return Err(invalid(
                "server_unreachable_after",
                "it is 0; the worker would never be ready",
            ));
        }
        self.process_limits
            .check()
            .map_err(|reason| invalid("process_limits", reason))?;
        let versioning_strategy = self.versioning.strategy()?;
        let telemetry = self.metrics.as_ref().map(Telemetry::start).transpose()?;
        let runtime_options = self.versioning.runtime_options(
            telemetry
                .as_ref()
                .map_or_else(TelemetryOptions::default, Telemetry::telemetry_options),
        )?;
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
        let health = WorkerHealth::new(&target, &task_queue, self.server_unreachable_after);
        let health_endpoint = self
            .health_probes
            .map(|address| HealthEndpoint::start(address, health.clone()))
            .transpose()?;
        let runtime = CoreRuntime::new_assume_tokio(runtime_options).map_err(core_error)?;
        // The connection records its RPCs (`temporal_request`, `temporal_request_latency`,
        // `temporal_long_request`, their failures) through the runtime's meter, as the other SDKs'
        // connections do: without it, core's worker records only its own metrics.
        resolved.options.metrics_meter = runtime.telemetry().get_temporal_metric_meter();
        let connection = connect_with_retry(&resolved, self.connect_retry)
            .await
            .map_err(worker_error)?;

        let meter = telemetry
            .as_ref()
            .map_or_else(MetricMeter::noop, |telemetry| {
                telemetry.activity_meter(&namespace, &task_queue)
            });
        let config = WorkerConfig::builder()
            .namespace(namespace.clone())
            .task_queue(task_queue.clone())
            .task_types(WorkerTaskTypes::activity_only())
            .versioning_strategy(versioning_strategy)
            .maybe_max_outstanding_activities(tuning.fixed_slots())
            .maybe_tuner(tuning.tuner())
            .maybe_activity_task_poller_behavior(tuning.poller_behavior)
            .maybe_max_worker_activities_per_second(tuning.max_activities_per_second)
            .maybe_max_task_queue_activities_per_second(tuning.max_task_queue_activities_per_second)
            .maybe_max_heartbeat_throttle_interval(tuning.max_heartbeat_throttle_interval)
            .maybe_default_heartbeat_throttle_interval(tuning.default_heartbeat_throttle_interval)
            .graceful_shutdown_period(self.graceful_shutdown_period)
            .build()
            .map_err(|message| WorkerError::Core(message.into()))?;
        let client = Client::from_connection(
            connection.clone(),
            &namespace,
            self.codec.clone(),
            self.storage.clone(),
            self.converter.clone(),
        )
        .map_err(|err| WorkerError::Core(err.into()))?;
        let core = init_worker(&runtime, config, connection.clone()).map_err(core_error)?;
        let validated = core.validate().await;
        let limits = WorkerLimits::new(
            &namespace,
            validated.as_ref().ok(),
            self.storage.as_ref().map(ExternalStorage::size_threshold),
        );
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

        health.built();

        let runtime_metrics = RuntimeMetrics::new(meter.clone());
        let pools = WorkerPools::new(
            &registry,
            tuning.slot_maximum,
            self.blocking_threads,
            ProcessSettings {
                size: self.process_pool_size,
                grace: self.process_grace_period,
                wrapper: &self.process_wrapper,
                limits: self.process_limits,
            },
            &runtime_metrics,
        );
        let reporter =
            super::report::Reporter::new(runtime_metrics.clone(), client.inner().clone());
        let attempt_parts = Arc::new(WorkerParts {
            worker_shutdown: CancellationToken::new(),
            executors: pools.executors(),
            extensions: {
                let mut extensions = http::Extensions::new();
                extensions.insert(client.clone());
                extensions.insert(meter.clone());
                extensions
            },
            converter: self.converter.clone(),
        });
        Ok(Worker {
            attempt_parts,
            pools,
            core: Arc::new(core),
            _runtime: runtime,
            registry: Arc::new(registry),
            namespace,
            task_queue,
            shutdown: ShutdownHandle::new(),
            limits,
            decoder: match &self.storage {
                Some(storage) => Some(SharedCodec::with_storage(
                    self.codec.clone(),
                    storage.clone(),
                    StoreContext::default(),
                )),
                None => self.codec.clone(),
            },
            codec: self.codec,
            storage: self.storage,
            encode_failure_attributes: self.encode_failure_attributes,
            graceful_shutdown_period: self.graceful_shutdown_period,
            shutdown_abandon_after: self.shutdown_abandon_after,
            reporter,
            runtime_metrics,
            meter,
            telemetry,
            health,
            health_endpoint,
            connection,
            attempts: self.interceptors.wrap(super::interceptors::run_activity()),
            heartbeat_hooks: self.interceptors.heartbeat_hooks(),
            pacer: tuning
                .max_activities_per_second
                .map(super::pacer::StartPacer::new),
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
