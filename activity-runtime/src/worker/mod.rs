//! The worker: connects to Temporal, polls activity tasks from the official worker core and runs
//! the registered activities.
//!
//! [`builder`] configures and connects it, with the slot, poller, rate and heartbeat settings of
//! [`tuning`] and the deployment settings of [`versioning`]; [`pools`] holds where blocking and
//! process-isolated activities run, [`limits`] checks payload sizes per attempt, [`error`] says
//! why a worker could not be built or stopped serving.

mod builder;
mod error;
mod health;
mod heartbeat_fault;
pub mod interceptors;
mod limits;
mod pacer;
mod pools;
mod report;
mod telemetry;
#[cfg(feature = "otel")]
mod trace_context;
pub mod tuning;
mod versioning;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use temporalio_common::protos::coresdk::activity_result::ActivityExecutionResult;
use temporalio_common::protos::coresdk::activity_task::{ActivityTask, Start, activity_task};
use temporalio_common::protos::coresdk::{ActivityHeartbeat, ActivityTaskCompletion};
use temporalio_common::protos::temporal::api::failure::v1::Failure;
use temporalio_sdk_core::{CoreRuntime, PollError, Worker as CoreWorker};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tracing::Instrument;

pub use builder::WorkerBuilder;
pub use error::WorkerError;
pub use health::{HealthReport, HealthStatus, WorkerHealth};
pub use telemetry::{Metrics, MetricsExporter};
pub use versioning::VersioningBehavior;

use self::heartbeat_fault::HeartbeatFault;
use self::interceptors::{Attempt, AttemptService, HeartbeatHook};
use self::limits::WorkerLimits;
use self::pools::WorkerPools;
use crate::attempt::ActivityInput;
use crate::codec::SharedCodec;
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, ContextParts, HeartbeatSink, WorkerParts,
};
use crate::error::{ActivityError, Outcome, panic_message};
use crate::limits::field_size;
use crate::meter::MetricMeter;
use crate::payload::PayloadConverter;
use crate::registry::Registry;
use crate::storage::{
    ExternalStorage, StoreContext, StoreTarget, is_marked_reference, is_reference,
};

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
    /// What every attempt's context shares: the token cancelled when graceful shutdown begins,
    /// the pools, the client (`ActivityContext::client`) and meter as extensions, and the
    /// converter.
    attempt_parts: Arc<WorkerParts>,
    /// Payload size limits: the namespace's, and the warnings already logged.
    limits: Arc<WorkerLimits>,
    /// Where blocking and process-isolated activities run: threads exit and children are killed
    /// when the worker is dropped.
    pools: WorkerPools,
    /// Encodes and decodes payloads at the boundary with the server, if set.
    codec: Option<SharedCodec>,
    /// Stores large payloads outside the history and resolves references to them, if set.
    storage: Option<ExternalStorage>,
    /// What decodes tasks: the codec, after external storage when that is set.
    decoder: Option<SharedCodec>,
    /// Whether failures carry their message and stack trace in `encoded_attributes`.
    encode_failure_attributes: bool,
    /// How long running activities may go on after shutdown begins before they are cancelled.
    graceful_shutdown_period: Duration,
    /// How long cancelled activities have to return at shutdown before they are abandoned.
    shutdown_abandon_after: Duration,
    /// Sends completions, and says which ones core gave up.
    reporter: report::Reporter,
    /// The runtime's own counters.
    runtime_metrics: telemetry::RuntimeMetrics,
    /// What activities record with (`ActivityContext::metric_meter`).
    meter: MetricMeter,
    /// The metrics endpoint, if configured; it closes with the worker.
    telemetry: Option<telemetry::Telemetry>,
    /// What the worker tells an orchestrator (see [`health`]).
    health: WorkerHealth,
    /// `GET /livez` and `/readyz`, if configured; it closes with the worker.
    health_endpoint: Option<health::HealthEndpoint>,
    /// The worker's connection, which the health checks go over.
    connection: temporalio_client::Connection,
    /// Runs an attempt through the builder's layers to the activity.
    attempts: AttemptService,
    /// What every heartbeat goes through before it is checked and sent, if anything.
    heartbeat_hooks: Option<Arc<[HeartbeatHook]>>,
    /// Spaces the starts of attempts when `max_activities_per_second` is set.
    pacer: Option<pacer::StartPacer>,
}

/// Asks a running [`Worker`] to shut down gracefully. Cheap to clone.
///
/// The same shutdown as SIGTERM: no new activities, the graceful period, then cancellation, then
/// [`Worker::run`] returns.
///
/// ```no_run
/// use std::time::Duration;
/// use activity_runtime::Worker;
///
/// # async fn run() -> Result<(), activity_runtime::WorkerError> {
/// let worker = Worker::builder().task_queue("reports").build().await?;
/// let stop = worker.shutdown_handle();
/// tokio::spawn(async move {
///     tokio::time::sleep(Duration::from_secs(3600)).await; // serve for an hour
///     stop.shutdown();
/// });
/// worker.run().await?;
/// # Ok(()) }
/// ```
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

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("namespace", &self.namespace)
            .field("task_queue", &self.task_queue)
            .field("activities", &self.registry.names())
            .field("pools", &self.pools)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts configuring a worker.
    pub fn builder() -> WorkerBuilder {
        WorkerBuilder::default()
    }

    /// Where the worker serves its metrics (`GET /metrics`), when configured with
    /// [`WorkerBuilder::metrics`]: the port actually bound when it was asked for port 0.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.telemetry
            .as_ref()
            .and_then(telemetry::Telemetry::address)
    }

    /// Where the worker serves its health probes (`GET /livez`, `GET /readyz`), when configured
    /// with [`WorkerBuilder::health_probes`]: the port actually bound when it was asked for port 0.
    pub fn health_address(&self) -> Option<std::net::SocketAddr> {
        self.health_endpoint
            .as_ref()
            .map(health::HealthEndpoint::address)
    }

    /// The worker's health (live, ready, and why), what its probes answer: a handle that stays
    /// valid after [`run`](Self::run) has taken the worker, for your own HTTP server.
    pub fn health(&self) -> WorkerHealth {
        self.health.clone()
    }

    /// A meter that records with this worker's metrics (labelled with its namespace and task
    /// queue), for code beside the worker: a codec server (`codec_server`) mounted in the
    /// same process, your own counters. Records nothing without [`WorkerBuilder::metrics`].
    pub fn metric_meter(&self) -> MetricMeter {
        self.meter.clone()
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

    /// Serves activities until SIGTERM, Ctrl-C (SIGINT) or [`ShutdownHandle::shutdown`], then
    /// shuts down within a bound:
    ///
    /// 1. No new activities are accepted; running ones may finish for the
    ///    [graceful period](WorkerBuilder::graceful_shutdown_period) (default: none).
    /// 2. Then they are cancelled with reason
    ///    [`WorkerShutdown`](crate::CancellationReason::WorkerShutdown); one that returns is
    ///    reported as the retryable `WorkerShutdown` failure the server retries at once.
    /// 3. Every attempt still running [`shutdown_abandon_after`](WorkerBuilder::shutdown_abandon_after)
    ///    later (default 10 s), or at once on a second signal, is reported as that same failure
    ///    and abandoned (async activities are dropped, blocking threads left to finish on their
    ///    own, process-isolated children killed), and `run` returns.
    ///
    /// Every started activity gets an answer before this returns.
    ///
    /// # Errors
    /// When polling fails for good (the server went away for longer than core's retries).
    pub async fn run(self) -> Result<(), WorkerError> {
        self.serving().await
    }

    /// The body of [`run`](Self::run), boxed so that the worker's loop (and core's poll stack
    /// under it) is compiled once, in this crate: an `async fn`'s body is compiled in every
    /// crate that awaits it, which cost each binary with a worker half a minute of build.
    fn serving(self) -> BoxFuture<'static, Result<(), WorkerError>> {
        Box::pin(self.serve())
    }

    async fn serve(self) -> Result<(), WorkerError> {
        let running: Running = Arc::default();
        let tasks = TaskTracker::new();
        // Cancelled when the attempts still running are to be abandoned.
        let abandon = CancellationToken::new();
        let watcher = tokio::spawn(watch_for_stop(
            self.shutdown.clone(),
            self.health.clone(),
            self.attempt_parts.worker_shutdown.clone(),
            self.core.clone(),
            abandon.clone(),
            self.graceful_shutdown_period + self.shutdown_abandon_after,
        ));

        tracing::info!(
            task_queue = %self.task_queue,
            namespace = %self.namespace,
            activities = %self.registry.names(),
            "worker started"
        );
        let server_checks = tokio::spawn(health::watch_server(
            self.health.clone(),
            self.connection.clone(),
        ));
        self.health.polling();
        let mut fatal = None;
        let mut abandoned = false;
        // Tasks whose payloads are being decoded apart from this loop (storage, codec), by task
        // token, and the channel on which they come back decoded.
        let decoding: Decoding = Arc::default();
        let (decoded_tx, mut decoded_rx) = tokio::sync::mpsc::unbounded_channel::<Decoded>();
        loop {
            let polled = tokio::select! {
                () = abandon.cancelled(), if !abandoned => {
                    abandoned = true;
                    self.abandon_running(&running, &tasks);
                    for cancel in decoding.lock().values() {
                        cancel.cancel();
                    }
                    continue;
                }
                Some(decoded) = decoded_rx.recv() => {
                    self.dispatch(decoded.task, decoded.wire_sizes, &running, &tasks);
                    continue;
                }
                polled = self.core.poll_activity_task() => polled,
            };
            match polled {
                // Past the bound, a task core still hands out is not started at all.
                Ok(task) if abandoned && is_start(&task) => self.reply(
                    ActivityTaskCompletion {
                        task_token: task.task_token,
                        result: Some(ActivityExecutionResult::fail(worker_shutdown_failure())),
                    },
                    &tasks,
                ),
                // A cancellation of an attempt whose arguments are still being decoded.
                Ok(task) if !is_start(&task) && decoding.lock().contains_key(&task.task_token) => {
                    if let Some(cancel) = decoding.lock().get(&task.task_token) {
                        cancel.cancel();
                    }
                }
                Ok(task) => match self.check_references(task) {
                    Ok((task, wire_sizes)) => match &self.decoder {
                        Some(decoder) if is_start(&task) => self.decode_apart(
                            decoder.clone(),
                            task,
                            wire_sizes,
                            &decoding,
                            &decoded_tx,
                            &abandon,
                            &tasks,
                        ),
                        _ => self.dispatch(task, wire_sizes, &running, &tasks),
                    },
                    Err(completion) => self.reply(completion, &tasks),
                },
                Err(PollError::ShutDown) => break,
                Err(err) => {
                    tracing::error!(error = %err, "activity polling failed; shutting down");
                    fatal = Some(WorkerError::Core(err.into()));
                    self.core.initiate_shutdown();
                }
            }
        }
        // Decoded after the loop ended: answered, as core requires, but not started. (A decode
        // still under way answers for itself when it finds the channel closed.)
        decoded_rx.close();
        while let Ok(decoded) = decoded_rx.try_recv() {
            self.reply(
                ActivityTaskCompletion {
                    task_token: decoded.task.task_token,
                    result: Some(ActivityExecutionResult::fail(worker_shutdown_failure())),
                },
                &tasks,
            );
        }
        watcher.abort();
        server_checks.abort();
        tasks.close();
        tasks.wait().await;
        self.core.shutdown().await;
        match Arc::try_unwrap(self.core) {
            Ok(core) => core.finalize_shutdown().await,
            Err(_) => tracing::warn!("worker core still shared at shutdown; not finalized"),
        }
        tracing::info!(task_queue = %self.task_queue, "worker stopped");
        self.health.stopped(fatal.as_ref());
        fatal.map_or(Ok(()), Err)
    }

    /// Fails at once a task that holds external storage references when this worker has no
    /// storage. With storage, the sizes of the arguments as they came over the wire (the
    /// references) are returned too, for the size checks.
    #[allow(clippy::result_large_err)]
    fn check_references(
        &self,
        task: ActivityTask,
    ) -> Result<(ActivityTask, Option<Vec<usize>>), ActivityTaskCompletion> {
        let wire_sizes = match (&self.storage, &task.variant) {
            (Some(_), Some(activity_task::Variant::Start(start))) => {
                Some(start.input.iter().map(field_size).collect())
            }
            (None, Some(activity_task::Variant::Start(start)))
                if start
                    .input
                    .iter()
                    .chain(&start.heartbeat_details)
                    .any(|p| is_reference(p) || is_marked_reference(p)) =>
            {
                tracing::error!(
                    activity_type = %start.activity_type,
                    "an activity task holds externally stored payloads, but this worker has no \
                     external storage"
                );
                return Err(ActivityTaskCompletion {
                    task_token: task.task_token,
                    result: Some(ActivityExecutionResult::fail(
                        storage_not_configured_failure(),
                    )),
                });
            }
            _ => None,
        };
        Ok((task, wire_sizes))
    }

    /// Resolves a started task's external storage references and applies the codec in a task of
    /// its own, so that a slow or hanging store delays only the attempts whose payloads it holds,
    /// never the poll loop. The decoded task comes back on `decoded`; a task that cannot be
    /// decoded, is cancelled meanwhile or reaches its attempt's deadline is answered from there.
    #[allow(clippy::too_many_arguments)]
    fn decode_apart(
        &self,
        decoder: SharedCodec,
        mut task: ActivityTask,
        wire_sizes: Option<Vec<usize>>,
        decoding: &Decoding,
        decoded: &tokio::sync::mpsc::UnboundedSender<Decoded>,
        abandon: &CancellationToken,
        tasks: &TaskTracker,
    ) {
        let Some(activity_task::Variant::Start(start)) = &task.variant else {
            return;
        };
        let info =
            ActivityInfo::from_start(start, &self.namespace, &self.task_queue, &task.task_token);
        let stored = stored_references(start);
        let cancel = CancellationToken::new();
        decoding
            .lock()
            .insert(task.task_token.clone(), cancel.clone());
        let (decoding, decoded, abandon) = (decoding.clone(), decoded.clone(), abandon.clone());
        let (core, reporter) = (self.core.clone(), self.reporter.clone());
        tasks.spawn(async move {
            // A little before the deadline, so that the failure (which names the store) reaches
            // the server before its own timeout does.
            let until_deadline = info.deadline().map(|d| {
                let left = d.duration_since(std::time::SystemTime::now()).unwrap_or_default();
                left.saturating_sub((left / 10).min(Duration::from_secs(1)))
            });
            let failed = tokio::select! {
                decoded = decoder.decode_task(&mut task) => decoded.err().map(|err| {
                    tracing::error!(error = %crate::codec::chain(&err), activity_id = %info.activity_id, "an activity task could not be decoded");
                    ActivityExecutionResult::fail(crate::codec::failure(&err, "decode the activity's arguments"))
                }),
                () = cancel.cancelled() => Some(if abandon.is_cancelled() {
                    ActivityExecutionResult::fail(worker_shutdown_failure())
                } else {
                    ActivityExecutionResult::cancel_from_details(None)
                }),
                () = sleep_for(until_deadline) => {
                    let failure = decode_timeout_failure(&info, &stored);
                    tracing::error!(activity_id = %info.activity_id, "{}", failure.message);
                    Some(ActivityExecutionResult::fail(failure))
                }
            };
            decoding.lock().remove(&task.task_token);
            let result = match failed {
                Some(result) => result,
                None => match decoded.send(Decoded { task, wire_sizes }) {
                    Ok(()) => return,
                    Err(unsent) => {
                        task = unsent.0.task;
                        ActivityExecutionResult::fail(worker_shutdown_failure())
                    }
                },
            };
            let completion = ActivityTaskCompletion {
                task_token: task.task_token,
                result: Some(result),
            };
            reporter.complete(&core, completion, &info).await;
        });
    }

    /// What encodes an attempt's results and heartbeat details: the codec, followed by external
    /// storage for the attempt's target (the workflow that scheduled it, as Python's worker
    /// keys it, or the standalone activity).
    fn encoder(&self, start: &Start) -> Option<SharedCodec> {
        let Some(storage) = &self.storage else {
            return self.codec.clone();
        };
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let namespace = some(&start.workflow_namespace).unwrap_or_else(|| self.namespace.clone());
        let workflow = start
            .workflow_execution
            .as_ref()
            .filter(|execution| !execution.workflow_id.is_empty());
        let target = match workflow {
            Some(execution) => StoreTarget::Workflow {
                namespace,
                id: some(&execution.workflow_id),
                run_id: some(&execution.run_id),
                workflow_type: some(&start.workflow_type),
            },
            None => StoreTarget::Activity {
                namespace,
                id: some(&start.activity_id),
                run_id: some(&start.run_id),
                activity_type: some(&start.activity_type),
            },
        };
        Some(SharedCodec::with_storage(
            self.codec.clone(),
            storage.clone(),
            StoreContext::new(Some(target)),
        ))
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

    /// Reports every attempt still running as the retryable `WorkerShutdown` failure and stops
    /// waiting for it: the end of a shutdown's bound, or a second signal.
    fn abandon_running(&self, running: &Running, tasks: &TaskTracker) {
        let abandoned: Vec<(Vec<u8>, RunningAttempt)> = running.lock().drain().collect();
        for (task_token, attempt) in abandoned {
            attempt.abort.abort();
            let info = attempt.ctx.info().clone();
            tracing::warn!(
                activity_type = %info.activity_type,
                activity_id = %info.activity_id,
                attempt = info.attempt,
                "activity `{}` (id {}) did not return after it was cancelled for the worker's \
                 shutdown: reported as failed (WorkerShutdown) so that the server retries it \
                 now, and abandoned",
                info.activity_type,
                info.activity_id,
            );
            let core = self.core.clone();
            let reporter = self.reporter.clone();
            tasks.spawn(async move {
                let completion = ActivityTaskCompletion {
                    task_token,
                    result: Some(ActivityExecutionResult::fail(worker_shutdown_failure())),
                };
                reporter
                    .complete(&core, completion, attempt.ctx.info())
                    .await;
            });
        }
    }

    fn dispatch(
        &self,
        task: ActivityTask,
        wire_sizes: Option<Vec<usize>>,
        running: &Running,
        tasks: &TaskTracker,
    ) {
        let task_token = task.task_token;
        match task.variant {
            Some(activity_task::Variant::Start(start)) => {
                let (ctx, attempt) = self.start(&task_token, start, wire_sizes);
                let core = self.core.clone();
                let reporter = self.reporter.clone();
                let running_now = running.clone();
                let token = task_token.clone();
                // Held until the attempt is in the map: an attempt that ends at once waits here
                // for it, and finds itself there.
                let mut running = running.lock();
                let spawned = tasks.spawn(async move {
                    let result = attempt.await;
                    // An attempt abandoned at shutdown was already reported.
                    let Some(finished) = running_now.lock().remove(&token) else {
                        return;
                    };
                    let completion = ActivityTaskCompletion {
                        task_token: token,
                        result: Some(result),
                    };
                    reporter
                        .complete(&core, completion, finished.ctx.info())
                        .await;
                });
                let abort = spawned.abort_handle();
                running.insert(task_token, RunningAttempt { ctx, abort });
            }
            Some(activity_task::Variant::Cancel(cancel)) => {
                let ctx = running.lock().get(&task_token).map(|a| a.ctx.clone());
                if let Some(ctx) = ctx {
                    let details = CancellationDetails::from_core(&cancel);
                    tracing::debug!(activity_id = %ctx.info().activity_id, ?details, "activity cancelled");
                    ctx.cancel(details);
                }
            }
            None => tracing::warn!("activity task without a variant ignored"),
        }
    }

    /// Prepares one attempt: its context, and the future that runs it to its completion result.
    /// `wire_sizes` are the sizes of the arguments as they came over the wire, when they differ
    /// from `start`'s (with storage).
    fn start(
        &self,
        task_token: &[u8],
        start: Start,
        wire_sizes: Option<Vec<usize>>,
    ) -> (
        ActivityContext,
        impl Future<Output = ActivityExecutionResult> + Send + 'static,
    ) {
        let info = ActivityInfo::from_start(&start, &self.namespace, &self.task_queue, task_token);
        let span = tracing::info_span!(
            "activity",
            activity_type = %info.activity_type,
            activity_id = %info.activity_id,
            attempt = info.attempt,
            workflow_id = info.workflow_id.as_deref().unwrap_or(""),
            // What the child process of a process-isolated activity used.
            child_peak_memory_bytes = tracing::field::Empty,
            child_cpu_time_ms = tracing::field::Empty,
        );
        #[cfg(feature = "otel")]
        trace_context::continue_trace(&span, &start.header_fields);
        let registration = self.registry.get(&start.activity_type).cloned();
        let limits = self
            .limits
            .attempt(&start.activity_type, registration.as_ref());
        let codec = self.encoder(&start);
        let not_found = registration
            .is_none()
            .then(|| not_found_failure(&start.activity_type, self.registry.names()));
        // Only a codec (or storage) can fail to encode heartbeat details: then both are set.
        let mut fault = None;
        let mut pending_heartbeats = None;
        let heartbeat_sink = {
            let sink =
                limits.guard_heartbeats(heartbeat_sink(self.core.clone(), task_token.to_vec()));
            // With a codec or storage, sizes are checked on what is sent: after encoding.
            let sink = match &codec {
                Some(codec) => {
                    let raised = Arc::new(HeartbeatFault::default());
                    fault = Some(raised.clone());
                    let activity_type = info.activity_type.clone();
                    let (sink, pending) =
                        codec.encoding_sink(sink, move |err| raised.record(&activity_type, err));
                    pending_heartbeats = Some(pending);
                    sink
                }
                None => sink,
            };
            match &self.heartbeat_hooks {
                Some(hooks) => intercepted_sink(hooks.clone(), info.clone(), sink),
                None => sink,
            }
        };
        let ctx = ActivityContext::new(ContextParts {
            info,
            heartbeat_details: start.heartbeat_details,
            headers: start.header_fields,
            heartbeat_sink,
            worker: self.attempt_parts.clone(),
        });
        span.in_scope(|| match &wire_sizes {
            Some(sizes) => limits.check_input(sizes.iter().copied()),
            None => limits.check_input(start.input.iter().map(field_size)),
        });
        let input = ActivityInput::new(start.activity_type, start.input)
            .with_payload_converter(self.attempt_parts.converter.clone());
        let encode_failures = self
            .encode_failure_attributes
            .then(|| self.attempt_parts.converter.clone());
        let runtime_metrics = self.runtime_metrics.clone();
        let activity_type = ctx.info().activity_type.clone();
        let attempts = self.attempts.clone();
        let start_at = self.pacer.as_ref().map(pacer::StartPacer::reserve);
        let running_ctx = ctx.clone();
        let attempt = async move {
            if let Some(at) = start_at {
                tokio::time::sleep_until(at).await;
            }
            let Some(registration) = registration else {
                return ActivityExecutionResult::fail(not_found.expect("set when unregistered"));
            };
            let attempt = Attempt::new(ctx.clone(), input, registration);
            let running = AssertUnwindSafe(attempts.oneshot(attempt)).catch_unwind();
            tokio::pin!(running);
            // Heartbeat details that cannot be sent cancel the attempt, which then ends.
            let result = match &fault {
                Some(fault) => tokio::select! {
                    result = &mut running => result,
                    () = fault.cancel_on_fault(&ctx) => running.await,
                },
                None => running.await,
            };
            if let Some(pending) = &pending_heartbeats {
                pending.settled().await;
            }
            if let Some(failure) = fault.as_deref().and_then(HeartbeatFault::failure) {
                return ActivityExecutionResult::fail(failure);
            }
            if let Some(failure) = paused_or_reset(&ctx) {
                return ActivityExecutionResult::fail(failure);
            }
            match result {
                Ok(Ok(output)) => ActivityExecutionResult::ok(output.payload),
                Ok(Err(err)) => completion_for_error(err, &ctx),
                Err(panic) => {
                    let message = panic_message(panic.as_ref());
                    tracing::error!(panic = %message, "activity panicked");
                    let err = ActivityError::panicked(&ctx.info().activity_type, &message);
                    completion_for_error(err, &ctx)
                }
            }
        }
        .then(move |mut result| async move {
            if let Some(converter) = &encode_failures {
                encode_failure_attributes(&mut result, converter);
            }
            let result = match codec {
                Some(codec) => limits.finish(codec.encode_result(result).await),
                None => limits.finish(result),
            };
            runtime_metrics.observe(&activity_type, &result);
            result
        })
        .instrument(span);
        (running_ctx, attempt)
    }
}

/// Moves a failed result's message and stack trace into `encoded_attributes`.
fn encode_failure_attributes(result: &mut ActivityExecutionResult, converter: &PayloadConverter) {
    use temporalio_common::protos::coresdk::activity_result::{self, activity_execution_result};
    if let Some(activity_execution_result::Status::Failed(activity_result::Failure {
        failure: Some(failure),
        ..
    })) = &mut result.status
    {
        crate::error::encode_common_attributes(failure, converter);
    }
}

/// `sink` behind the heartbeat hooks: each may change the details before they are sent.
fn intercepted_sink(
    hooks: Arc<[HeartbeatHook]>,
    info: ActivityInfo,
    sink: HeartbeatSink,
) -> HeartbeatSink {
    Arc::new(move |mut details| {
        for hook in hooks.iter() {
            hook(&info, &mut details);
        }
        sink(details)
    })
}

/// Running attempts by task token, so that cancellations reach their context and a shutdown can
/// abandon them.
type Running = Arc<Mutex<HashMap<Vec<u8>, RunningAttempt, foldhash::fast::RandomState>>>;

struct RunningAttempt {
    ctx: ActivityContext,
    /// Stops the task that runs the attempt.
    abort: tokio::task::AbortHandle,
}

/// Waits for the end: a stop request or signal starts the graceful shutdown, and the end of
/// `bound` after it, or a second signal, cancels `abandon`.
async fn watch_for_stop(
    handle: ShutdownHandle,
    health: WorkerHealth,
    shutting_down: CancellationToken,
    core: Arc<CoreWorker>,
    abandon: CancellationToken,
    bound: Duration,
) {
    let mut signals = Signals::new();
    tokio::select! {
        () = handle.requested() => tracing::info!("shutdown requested, shutting down"),
        signal = signals.recv() => tracing::info!(
            "{signal} received, shutting down (a second signal stops at once)"
        ),
    }
    health.shutting_down();
    shutting_down.cancel();
    core.initiate_shutdown();
    tokio::select! {
        () = tokio::time::sleep(bound) => {}
        signal = signals.recv() => tracing::warn!(
            "{signal} received again: abandoning the activities still running"
        ),
    }
    abandon.cancel();
}

/// SIGTERM (how Docker, systemd and Kubernetes stop a process) and SIGINT (Ctrl-C), listened to
/// from the start of `run` so that none is missed between the first and the second.
struct Signals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| {
                signal(kind)
                    .inspect_err(|err| {
                        tracing::warn!(error = %err, "cannot listen for {name}; it will not stop the worker gracefully");
                    })
                    .ok()
            };
            Self {
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The name of the next signal.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = next(&mut self.terminate) => "SIGTERM",
                () = next(&mut self.interrupt) => "Ctrl-C (SIGINT)",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

fn is_start(task: &ActivityTask) -> bool {
    matches!(task.variant, Some(activity_task::Variant::Start(_)))
}

/// What core itself reports for an activity that returned a cancellation at shutdown: a retryable
/// failure the server retries at once, without waiting for a timeout.
fn worker_shutdown_failure() -> Failure {
    ActivityError::new("Worker is shutting down and this activity did not complete in time")
        .with_type("WorkerShutdown")
        .into_failure()
}

/// The failure of an attempt whose activity was paused or reset, whatever the activity then
/// returned: the retryable `ActivityPause` / `ActivityReset` failures the other SDKs report, which
/// the server records at once (a cancellation nobody requested would wait for a timeout).
fn paused_or_reset(ctx: &ActivityContext) -> Option<Failure> {
    let details = ctx.cancellation_details()?;
    let (error_type, cause) = if details.paused {
        ("ActivityPause", "pause")
    } else if details.reset {
        ("ActivityReset", "reset")
    } else {
        return None;
    };
    tracing::warn!(
        "completing as failure due to unhandled cancel error produced by activity {cause}"
    );
    Some(
        ActivityError::new(format!(
            "Unhandled activity cancel error produced by activity {cause}"
        ))
        .with_type(error_type)
        .into_failure(),
    )
}

fn completion_for_error(err: ActivityError, ctx: &ActivityContext) -> ActivityExecutionResult {
    match err.into_outcome() {
        Outcome::Failed(failure) => {
            tracing::warn!(error = %failure.message, "activity attempt failed");
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

/// The failure of a task whose payloads were stored externally, on a worker without external
/// storage: retryable, since a worker that has it (or this one, redeployed) can run it.
/// Started tasks whose payloads are being decoded, by task token: cancelling one answers its task
/// as cancelled (or, at the shutdown's bound, as `WorkerShutdown`).
type Decoding = Arc<Mutex<HashMap<Vec<u8>, CancellationToken>>>;

/// A started task whose payloads were decoded apart from the poll loop.
struct Decoded {
    task: ActivityTask,
    wire_sizes: Option<Vec<usize>>,
}

/// Sleeps for `duration`, or forever when there is none.
async fn sleep_for(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}

/// Where a task's externally stored payloads are, for messages: each reference's driver and
/// claim (bucket and key for the S3 driver), without the hashes.
fn stored_references(start: &Start) -> Vec<String> {
    start
        .input
        .iter()
        .chain(&start.heartbeat_details)
        .filter_map(|payload| crate::storage::decode_reference(payload).ok().flatten())
        .map(|reference| {
            let claim = reference
                .claim
                .claim_data
                .iter()
                .filter(|(key, _)| !key.starts_with("hash"))
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("driver `{}` [{claim}]", reference.driver_name)
        })
        .collect()
}

/// The retryable failure of an attempt whose payloads were not decoded by its deadline: names the
/// store and the keys when they are external storage references.
fn decode_timeout_failure(info: &ActivityInfo, stored: &[String]) -> Failure {
    let error = if stored.is_empty() {
        ActivityError::new(format!(
            "the payload codec did not decode the arguments of activity `{}` (id {}) before its \
             attempt's deadline",
            info.activity_type, info.activity_id
        ))
        .with_type("PayloadCodecError")
    } else {
        ActivityError::new(format!(
            "external storage did not return the arguments of activity `{}` (id {}) before its \
             attempt's deadline: {}",
            info.activity_type,
            info.activity_id,
            stored.join("; ")
        ))
        .with_type("ExternalStorageError")
    };
    error.into_failure()
}

fn storage_not_configured_failure() -> Failure {
    ActivityError::new(
        "the activity's arguments or heartbeat details are stored externally (references of the \
         other SDKs' external storage), but this worker has no external storage: configure it \
         with `WorkerBuilder::external_storage` (see \"Large payloads and external storage\" in the guide)",
    )
    .with_type("ExternalStorageError")
    .into_failure()
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
