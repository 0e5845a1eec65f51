//! The worker: connects to Temporal, polls activity tasks from the official worker core and runs
//! the registered activities.
//!
//! [`builder`] configures and connects it, [`pools`] holds where blocking and process-isolated
//! activities run, [`limits`] checks payload sizes per attempt, [`error`] says why a worker could
//! not be built or stopped serving.

mod builder;
mod error;
mod limits;
mod pools;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use parking_lot::Mutex;
use temporalio_common::protos::coresdk::activity_result::ActivityExecutionResult;
use temporalio_common::protos::coresdk::activity_task::{ActivityTask, Start, activity_task};
use temporalio_common::protos::coresdk::{ActivityHeartbeat, ActivityTaskCompletion};
use temporalio_common::protos::temporal::api::failure::v1::Failure;
use temporalio_sdk_core::{CoreRuntime, PollError, Worker as CoreWorker};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

pub use builder::WorkerBuilder;
pub use error::WorkerError;

use self::limits::WorkerLimits;
use self::pools::WorkerPools;
use crate::attempt::ActivityInput;
use crate::client::Client;
use crate::codec::SharedCodec;
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, ContextParts, HeartbeatSink,
};
use crate::error::{ActivityError, Outcome, panic_message};
use crate::registry::Registry;

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
    /// Where blocking and process-isolated activities run: threads exit and children are killed
    /// when the worker is dropped.
    pools: WorkerPools,
    /// Encodes and decodes payloads at the boundary with the server, if set.
    codec: Option<SharedCodec>,
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
                    fatal = Some(WorkerError::Core(err.into()));
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
                    running.lock().remove(&task_token);
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
                let ctx = running.lock().get(&task_token).cloned();
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
            executors: self.pools.executors(),
            extensions: {
                let mut extensions = http::Extensions::new();
                extensions.insert(self.client.clone());
                extensions
            },
        });
        if registration.is_some() {
            running.lock().insert(task_token, ctx.clone());
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
                    let err = ActivityError::panicked(&ctx.info().activity_type, &message);
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
