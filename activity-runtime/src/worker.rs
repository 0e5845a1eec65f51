//! The worker: connects to Temporal, polls activity tasks from the official worker core and runs
//! the registered activities.

use std::any::Any;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use temporalio_common::protos::coresdk::activity_result::ActivityExecutionResult;
use temporalio_common::protos::coresdk::activity_task::{ActivityTask, Start, activity_task};
use temporalio_common::protos::coresdk::{ActivityHeartbeat, ActivityTaskCompletion};
use temporalio_common::protos::temporal::api::failure::v1::Failure;
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::{
    CoreRuntime, PollError, RuntimeOptions, Worker as CoreWorker, WorkerConfig,
    WorkerValidationError, WorkerVersioningStrategy, init_worker,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::activity::ActivityInput;
use crate::client::Client;
use crate::codec::SharedCodec;
use crate::connection::{ConnectOptions, ConnectionError};
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, ContextParts, HeartbeatSink,
};
use crate::error::{ActivityError, Outcome, WorkerError};
use crate::executor::{self, BlockingPool};
use crate::limits::WorkerLimits;
use crate::process::ProcessPool;
use crate::registry::{Activities, Registry};

/// The server address used when neither `.target(...)` nor `TEMPORAL_ADDRESS` is set.
pub const DEFAULT_TARGET: &str = "localhost:7233";

/// Serves registered activities on one task queue.
///
/// ```no_run
/// use activity_runtime::{Worker, activities, activity};
///
/// #[activity]
/// async fn say_hello(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// # async fn run() -> Result<(), activity_runtime::WorkerError> {
/// let worker = Worker::builder()
///     .task_queue("greetings")
///     .register(activities![say_hello])
///     .build()
///     .await?;
/// worker.run().await // until Ctrl-C or `worker.shutdown_handle().shutdown()`
/// # }
/// ```
pub struct Worker {
    core: Arc<CoreWorker>,
    // Kept alive for as long as the core worker runs.
    _runtime: CoreRuntime,
    registry: Arc<Registry>,
    namespace: String,
    task_queue: String,
    shutdown: ShutdownHandle,
    /// Cancelled when graceful shutdown begins; every context sees it.
    shutting_down: CancellationToken,
    /// What `ActivityContext::client` hands out.
    client: Client,
    /// Payload size limits: the namespace's, and the warnings already logged.
    limits: Arc<WorkerLimits>,
    /// Where blocking activities run; its threads exit when the worker is dropped.
    blocking_pool: BlockingPool,
    /// Where process-isolated activities run; its children are killed when the worker is dropped.
    process_pool: Option<ProcessPool>,
    /// Encodes and decodes payloads at the boundary with the server, if set.
    codec: Option<SharedCodec>,
}

/// Configures and connects a [`Worker`].
#[derive(Debug, Clone)]
#[must_use = "call `.build().await` to connect the worker"]
pub struct WorkerBuilder {
    target: Option<String>,
    namespace: Option<String>,
    task_queue: Option<String>,
    identity: Option<String>,
    /// Profile, config file, TLS and API key (target, namespace and identity are set above).
    connect: ConnectOptions,
    activities: Activities,
    max_concurrent_activities: usize,
    graceful_shutdown_period: Duration,
    blocking_threads: Option<usize>,
    process_pool_size: usize,
    process_grace_period: Duration,
    codec: Option<SharedCodec>,
}

impl Default for WorkerBuilder {
    fn default() -> Self {
        Self {
            target: None,
            namespace: None,
            connect: ConnectOptions::default(),
            task_queue: None,
            identity: None,
            activities: Activities::new(),
            max_concurrent_activities: 100,
            graceful_shutdown_period: Duration::ZERO,
            blocking_threads: None,
            process_pool_size: std::thread::available_parallelism().map_or(2, |n| n.get()),
            process_grace_period: Duration::from_secs(5),
            codec: None,
        }
    }
}

impl WorkerBuilder {
    /// The server address, `host:port` or a URL. Defaults to `TEMPORAL_ADDRESS`, else the config
    /// profile's, else `localhost:7233` (see [`crate::connection`]).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The namespace. Defaults to `TEMPORAL_NAMESPACE`, else the config profile's, else
    /// `default`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
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
        self.identity = Some(identity.into());
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

    /// How long running activities may go on after shutdown begins before they are cancelled
    /// with reason [`crate::CancellationReason::WorkerShutdown`] (default: cancelled at once).
    pub fn graceful_shutdown_period(mut self, period: Duration) -> Self {
        self.graceful_shutdown_period = period;
        self
    }

    /// Connects to the server, checks the namespace and prepares the worker.
    ///
    /// # Errors
    /// A missing task queue, no or duplicate activities, an unusable address, an unreachable
    /// server or a namespace that does not exist, each with its own [`WorkerError`] variant.
    pub async fn build(self) -> Result<Worker, WorkerError> {
        let task_queue = self.task_queue.ok_or(WorkerError::MissingTaskQueue)?;
        let registry = Registry::new(self.activities)?;
        if registry.is_empty() {
            return Err(WorkerError::NoActivities);
        }
        let mut connect = self.connect;
        connect.target = self.target;
        connect.namespace = self.namespace;
        connect.identity = self.identity;
        let resolved = connect.resolve(default_identity()).map_err(worker_error)?;
        let target = resolved.target.clone();
        let namespace = resolved.namespace.clone();
        let connection = crate::connection::connect(&resolved)
            .await
            .map_err(worker_error)?;

        let runtime = CoreRuntime::new_assume_tokio(RuntimeOptions::default())
            .map_err(|err| WorkerError::Core(format!("{err:#}")))?;
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
            .map_err(WorkerError::Core)?;
        let client = Client::from_connection(connection.clone(), &namespace, self.codec.clone())
            .map_err(|err| WorkerError::Core(err.to_string()))?;
        let core = init_worker(&runtime, config, connection)
            .map_err(|err| WorkerError::Core(format!("{err:#}")))?;
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

        let (blocking_pool, process_pool) = executor::worker_pools(
            &registry,
            self.max_concurrent_activities,
            self.blocking_threads,
            self.process_pool_size,
            self.process_grace_period,
        );
        Ok(Worker {
            blocking_pool,
            process_pool,
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
        })
    }
}

/// Asks a running [`Worker`] to shut down gracefully. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    requested: watch::Sender<bool>,
}

impl ShutdownHandle {
    fn new() -> Self {
        Self {
            requested: watch::Sender::new(false),
        }
    }

    /// Starts graceful shutdown: no new activities are accepted, running ones finish (or are
    /// cancelled after the grace period) and [`Worker::run`] returns.
    pub fn shutdown(&self) {
        self.requested.send_replace(true);
    }

    /// Whether shutdown was requested.
    pub fn is_shutdown_requested(&self) -> bool {
        *self.requested.borrow()
    }

    async fn requested(&self) {
        let mut rx = self.requested.subscribe();
        let _ = rx.wait_for(|requested| *requested).await;
    }
}

impl Worker {
    /// Starts configuring a worker.
    pub fn builder() -> WorkerBuilder {
        WorkerBuilder::default()
    }

    /// The task queue this worker polls.
    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    /// The namespace this worker serves.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// A handle that stops [`run`](Self::run) from elsewhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Serves activities until Ctrl-C or [`ShutdownHandle::shutdown`], then shuts down
    /// gracefully: every started activity gets an answer before this returns.
    ///
    /// # Errors
    /// When polling fails for good (the server went away for longer than core's retries).
    pub async fn run(self) -> Result<(), WorkerError> {
        let running: Running = Arc::default();
        let tasks = TaskTracker::new();

        let core = self.core.clone();
        let handle = self.shutdown.clone();
        let shutting_down = self.shutting_down.clone();
        let watcher = tokio::spawn(async move {
            tokio::select! {
                _ = handle.requested() => {}
                _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C received, shutting down"),
            }
            shutting_down.cancel();
            core.initiate_shutdown();
        });

        tracing::info!(
            task_queue = %self.task_queue,
            namespace = %self.namespace,
            activities = %self.registry.names(),
            "worker started"
        );
        let mut fatal = None;
        loop {
            match self.core.poll_activity_task().await {
                Ok(task) => match self.decode(task).await {
                    Ok(task) => self.dispatch(task, &running, &tasks),
                    Err(completion) => self.reply(completion, &tasks),
                },
                Err(PollError::ShutDown) => break,
                Err(err) => {
                    tracing::error!(error = %err, "activity polling failed; shutting down");
                    fatal = Some(WorkerError::Core(err.to_string()));
                    self.core.initiate_shutdown();
                }
            }
        }
        watcher.abort();
        tasks.close();
        tasks.wait().await;
        self.core.shutdown().await;
        match Arc::try_unwrap(self.core) {
            Ok(core) => core.finalize_shutdown().await,
            Err(_) => tracing::warn!("worker core still shared at shutdown; not finalized"),
        }
        tracing::info!(task_queue = %self.task_queue, "worker stopped");
        fatal.map_or(Ok(()), Err)
    }

    /// Applies the codec to a task's payloads; a task that cannot be decoded fails at once.
    async fn decode(&self, mut task: ActivityTask) -> Result<ActivityTask, ActivityTaskCompletion> {
        let Some(codec) = &self.codec else {
            return Ok(task);
        };
        match codec.decode_task(&mut task).await {
            Ok(()) => Ok(task),
            Err(err) => {
                tracing::error!(error = %err, "the payload codec could not decode an activity task");
                let failure = ActivityError::new(format!(
                    "the payload codec could not decode the activity's arguments: {err}"
                ))
                .with_type("PayloadCodecError")
                .into_failure();
                Err(ActivityTaskCompletion {
                    task_token: task.task_token,
                    result: Some(ActivityExecutionResult::fail(failure)),
                })
            }
        }
    }

    /// Sends a completion on a task of its own.
    fn reply(&self, completion: ActivityTaskCompletion, tasks: &TaskTracker) {
        let core = self.core.clone();
        tasks.spawn(async move {
            if let Err(err) = core.complete_activity_task(completion).await {
                tracing::error!(error = %err, "could not report an activity result");
            }
        });
    }

    fn dispatch(&self, task: ActivityTask, running: &Running, tasks: &TaskTracker) {
        let task_token = task.task_token;
        match task.variant {
            Some(activity_task::Variant::Start(start)) => {
                let attempt = self.start(task_token.clone(), start, running);
                let core = self.core.clone();
                let running = running.clone();
                tasks.spawn(async move {
                    let result = attempt.await;
                    running
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&task_token);
                    let completion = ActivityTaskCompletion {
                        task_token,
                        result: Some(result),
                    };
                    if let Err(err) = core.complete_activity_task(completion).await {
                        tracing::error!(error = %err, "could not report an activity result");
                    }
                });
            }
            Some(activity_task::Variant::Cancel(cancel)) => {
                let ctx = running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&task_token)
                    .cloned();
                if let Some(ctx) = ctx {
                    let details = CancellationDetails::from_core(&cancel);
                    tracing::debug!(activity_id = %ctx.info().activity_id, ?details, "activity cancelled");
                    ctx.cancel(details);
                }
            }
            None => tracing::warn!("activity task without a variant ignored"),
        }
    }

    /// Prepares one attempt; the returned future runs it to its completion result.
    fn start(
        &self,
        task_token: Vec<u8>,
        start: Start,
        running: &Running,
    ) -> impl Future<Output = ActivityExecutionResult> + Send + 'static {
        let info = ActivityInfo::from_start(&start, &self.namespace, &self.task_queue, &task_token);
        let span = tracing::info_span!(
            "activity",
            activity_type = %info.activity_type,
            activity_id = %info.activity_id,
            attempt = info.attempt,
            workflow_id = info.workflow_id.as_deref().unwrap_or(""),
        );
        let registration = self.registry.get(&start.activity_type).cloned();
        let limits = self
            .limits
            .attempt(&start.activity_type, registration.as_ref());
        let not_found = registration
            .is_none()
            .then(|| not_found_failure(&start.activity_type, self.registry.names()));
        let ctx = ActivityContext::new(ContextParts {
            info,
            heartbeat_details: start.heartbeat_details,
            headers: start.header_fields,
            heartbeat_sink: {
                let sink =
                    limits.guard_heartbeats(heartbeat_sink(self.core.clone(), task_token.clone()));
                // With a codec, sizes are checked on what is sent: after encoding.
                match &self.codec {
                    Some(codec) => codec.encoding_sink(sink),
                    None => sink,
                }
            },
            worker_shutdown: self.shutting_down.clone(),
            client: Some(self.client.clone()),
            blocking_pool: self.blocking_pool.handle(),
            process_pool: self.process_pool.as_ref().map(ProcessPool::handle),
        });
        if registration.is_some() {
            running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(task_token, ctx.clone());
        }
        span.in_scope(|| limits.check_input(&start.input));
        let input = ActivityInput::new(start.activity_type, start.input);
        let codec = self.codec.clone();
        async move {
            let Some(registration) = registration else {
                return ActivityExecutionResult::fail(not_found.expect("set when unregistered"));
            };
            let run = AssertUnwindSafe(registration.invoke(ctx.clone(), input)).catch_unwind();
            match run.await {
                Ok(Ok(output)) => ActivityExecutionResult::ok(output.payload),
                Ok(Err(err)) => completion_for_error(err, &ctx),
                Err(panic) => {
                    let message = panic_message(panic.as_ref());
                    tracing::error!(panic = %message, "activity panicked");
                    let err = ActivityError::new(format!(
                        "activity `{}` panicked: {message}",
                        ctx.info().activity_type
                    ))
                    .with_type("Panic");
                    completion_for_error(err, &ctx)
                }
            }
        }
        .then(move |result| async move {
            match codec {
                Some(codec) => limits.finish(codec.encode_result(result).await),
                None => limits.finish(result),
            }
        })
        .instrument(span)
    }
}

/// Running activities by task token, so cancellations reach their context.
type Running = Arc<Mutex<HashMap<Vec<u8>, ActivityContext>>>;

fn completion_for_error(err: ActivityError, ctx: &ActivityContext) -> ActivityExecutionResult {
    match err.into_outcome() {
        Outcome::Failed(failure) => {
            tracing::warn!(message = %failure.message, "activity attempt failed");
            ActivityExecutionResult::fail(*failure)
        }
        Outcome::Cancelled(details) if ctx.is_cancelled() => {
            ActivityExecutionResult::cancel_from_details(details.into_iter().next())
        }
        Outcome::Cancelled(_) => ActivityExecutionResult::fail(
            ActivityError::new(format!(
                "activity `{}` returned a cancellation error but was not cancelled",
                ctx.info().activity_type
            ))
            .with_type("CancelledError")
            .into_failure(),
        ),
        Outcome::CompleteAsync => ActivityExecutionResult::will_complete_async(),
    }
}

fn not_found_failure(activity_type: &str, names: &str) -> Failure {
    ActivityError::new(format!(
        "Activity function {activity_type} is not registered on this worker, available activities: {names}"
    ))
    .with_type("NotFoundError")
    .into_failure()
}

fn heartbeat_sink(core: Arc<CoreWorker>, task_token: Vec<u8>) -> HeartbeatSink {
    Arc::new(move |details| {
        core.record_activity_heartbeat(ActivityHeartbeat {
            task_token: task_token.clone(),
            details,
        });
        Ok(())
    })
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
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
