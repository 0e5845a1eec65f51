//! What a running activity can see and do: its info, heartbeats and cancellation; and where its
//! blocking or process-isolated body runs ([`Executors`], implemented by the worker's pools and by
//! test environments).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use parking_lot::{Condvar, Mutex};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use temporalio_common::protos::coresdk::activity_task::{ActivityCancelReason, Cancel, Start};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use tokio_util::sync::CancellationToken;

use crate::attempt::{ActivityFuture, ActivityInput, ActivityOutput};
use crate::error::ActivityError;
use crate::limits::ProcessLimits;
use crate::meter::MetricMeter;
use crate::payload::{PayloadConverter, PayloadError};

/// The handle an activity gets when its first parameter is `ActivityContext`.
///
/// Cheap to clone (one `Arc`), `Send + Sync`, and usable from async code and from blocking threads
/// alike. It is not an argument: callers do not pass it, the worker does.
///
/// ```
/// use activity_runtime::{ActivityContext, ActivityError, activity};
///
/// #[activity]
/// async fn import_rows(ctx: ActivityContext, rows: Vec<String>) -> Result<usize, ActivityError> {
///     // Resume after the rows the previous attempt recorded in its last heartbeat.
///     let done: usize = ctx.heartbeat_details()?.unwrap_or(0);
///     for i in done..rows.len() {
///         tracing::info!(attempt = ctx.info().attempt, row = i, "importing");
///         ctx.heartbeat(&(i + 1))?; // never blocks; core sends the latest details when due
///         if ctx.is_cancelled() {
///             return Err(ActivityError::cancelled());
///         }
///     }
///     Ok(rows.len())
/// }
/// ```
#[derive(Clone)]
pub struct ActivityContext {
    inner: Arc<Inner>,
}

struct Inner {
    info: ActivityInfo,
    heartbeat_details: Vec<Payload>,
    headers: HashMap<String, Payload>,
    heartbeat_sink: HeartbeatSink,
    cancellation: Cancellation,
    worker: Arc<WorkerParts>,
}

/// Where heartbeat details go: the worker core, or a test environment. It may refuse them (details
/// over the size limit).
pub(crate) type HeartbeatSink = Arc<dyn Fn(Vec<Payload>) -> Result<(), PayloadError> + Send + Sync>;

/// A blocking activity body, queued on a pool.
pub(crate) type BlockingJob = Box<dyn FnOnce() + Send + 'static>;

/// The function a process-isolated activity runs in the child: decode, call, encode.
pub(crate) type ProcessEntry =
    fn(ActivityContext, ActivityInput) -> Result<ActivityOutput, ActivityError>;

/// Where the blocking and process-isolated bodies of a context's activity run: the worker's pools,
/// or a test environment's. Implemented above this layer (`blocking`, `worker`).
pub(crate) trait Executors: Send + Sync + 'static {
    /// Queues `job` on the blocking pool.
    ///
    /// # Errors
    /// When the pool has shut down.
    fn submit_blocking(&self, job: BlockingJob) -> Result<(), ActivityError>;

    /// Runs `entry` in a child process under `limits`. Without a process pool (test
    /// environments, a child itself) it runs on the blocking pool, in this process, without them.
    fn run_in_process(
        &self,
        entry: ProcessEntry,
        _limits: &ProcessLimits,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> ActivityFuture {
        run_blocking(self, move || entry(ctx, input))
    }
}

/// Queues `body` on the blocking pool of `executors`; its result (or panic) comes back in the
/// returned future. The activity's span goes along to the pool thread, so logs there carry the
/// activity's fields too.
pub(crate) fn run_blocking<E, F>(executors: &E, body: F) -> ActivityFuture
where
    E: Executors + ?Sized,
    F: FnOnce() -> Result<ActivityOutput, ActivityError> + Send + 'static,
{
    let span = tracing::Span::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let submitted = executors.submit_blocking(Box::new(move || {
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| span.in_scope(body)));
        let _ = tx.send(result);
    }));
    Box::pin(async move {
        submitted?;
        match rx.await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(ActivityError::new(
                "the blocking activity was not run: its thread pool shut down",
            )),
        }
    })
}

/// Everything a context is made of, from the worker or from an `ActivityEnvironment`.
pub(crate) struct ContextParts {
    pub(crate) info: ActivityInfo,
    /// The previous attempt's last heartbeat details.
    pub(crate) heartbeat_details: Vec<Payload>,
    pub(crate) headers: HashMap<String, Payload>,
    pub(crate) heartbeat_sink: HeartbeatSink,
    /// What the attempt shares with the others of its worker.
    pub(crate) worker: Arc<WorkerParts>,
}

/// What every context of one worker (or test environment) shares: made once, so that a context
/// holds it by one reference count, not a clone of each part per attempt.
pub(crate) struct WorkerParts {
    /// Cancelled when the worker begins a graceful shutdown.
    pub(crate) worker_shutdown: CancellationToken,
    /// Where blocking and process-isolated bodies run.
    pub(crate) executors: Arc<dyn Executors>,
    /// What layers above this one hand to activities (the worker's client, for one), by type.
    pub(crate) extensions: http::Extensions,
    /// The worker's payload converter (heartbeat details go through it).
    pub(crate) converter: PayloadConverter,
}

impl ActivityContext {
    pub(crate) fn new(parts: ContextParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                info: parts.info,
                heartbeat_details: parts.heartbeat_details,
                headers: parts.headers,
                heartbeat_sink: parts.heartbeat_sink,
                cancellation: Cancellation::default(),
                worker: parts.worker,
            }),
        }
    }

    /// Facts about this activity attempt.
    pub fn info(&self) -> &ActivityInfo {
        &self.inner.info
    }

    /// Records a heartbeat with `details`, telling the server the activity is alive and letting
    /// the next attempt resume from them. Returns at once; the worker throttles what it sends.
    ///
    /// # Errors
    /// When `details` cannot be encoded, or are over the size limit ([`PayloadError::TooLarge`]:
    /// this attempt then fails, see [`crate::limits`]); nothing is sent then.
    pub fn heartbeat<T: Serialize + ?Sized>(&self, details: &T) -> Result<(), PayloadError> {
        let payload = self.inner.worker.converter.to_payload(details)?;
        (self.inner.heartbeat_sink)(vec![payload])
    }

    /// The details of the last heartbeat of a previous attempt, decoded into `T`, or `None` when
    /// no previous attempt heartbeated with details.
    ///
    /// # Errors
    /// When the details do not decode into `T`.
    pub fn heartbeat_details<T: DeserializeOwned>(&self) -> Result<Option<T>, PayloadError> {
        self.inner
            .heartbeat_details
            .first()
            .map(|details| self.inner.worker.converter.from_payload(details))
            .transpose()
    }

    /// The headers the caller attached (raw payloads, e.g. for tracing propagation).
    pub fn headers(&self) -> &HashMap<String, Payload> {
        &self.inner.headers
    }

    /// The payload converter the worker uses for arguments and results, for decoding raw values
    /// the same way.
    pub fn payload_converter(&self) -> PayloadConverter {
        self.inner.worker.converter.clone()
    }

    /// Whether the worker has begun a graceful shutdown. The activity may go on until the grace
    /// period ends; then it is cancelled with reason [`CancellationReason::WorkerShutdown`].
    pub fn is_worker_shutdown(&self) -> bool {
        self.inner.worker.worker_shutdown.is_cancelled()
    }

    /// Resolves once the worker begins a graceful shutdown.
    pub async fn worker_shutdown(&self) {
        self.inner.worker.worker_shutdown.cancelled().await
    }

    /// Whether cancellation of this activity has been requested (or it timed out, or the worker
    /// is shutting down past its grace period).
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.token.is_cancelled()
    }

    /// Resolves once the activity is cancelled. Use it in `tokio::select!` beside the real work.
    pub async fn cancelled(&self) {
        self.inner.cancellation.token.cancelled().await
    }

    /// Why the activity was cancelled, once it has been.
    pub fn cancellation_reason(&self) -> Option<CancellationReason> {
        self.cancellation_details().map(|d| d.reason)
    }

    /// The reason and every flag the server gave with the cancellation, once it came.
    pub fn cancellation_details(&self) -> Option<CancellationDetails> {
        self.inner.cancellation.details.get().copied()
    }

    /// For blocking activities: waits up to `timeout` for cancellation, and says whether it came.
    /// Never call this from async code (use [`ActivityContext::cancelled`] there).
    pub fn wait_cancelled_timeout(&self, timeout: Duration) -> bool {
        let cancellation = &self.inner.cancellation;
        let mut flag = cancellation.flag.lock();
        cancellation
            .condvar
            .wait_while_for(&mut flag, |cancelled| !*cancelled, timeout);
        *flag
    }

    /// Creates counters, histograms and gauges exported with the worker's metrics, labelled with
    /// this activity's type, task queue and namespace. In the child process of a process-isolated
    /// activity each recording crosses to the worker, which exports it. Records nothing when the
    /// worker has no metrics configured, and in an `ActivityEnvironment`.
    pub fn metric_meter(&self) -> MetricMeter {
        match self.extension::<MetricMeter>() {
            Some(meter) => {
                meter.with_labels([("activity_type", self.inner.info.activity_type.as_str())])
            }
            None => MetricMeter::noop(),
        }
    }

    /// Where this activity's blocking and process-isolated bodies run.
    pub(crate) fn executors(&self) -> &Arc<dyn Executors> {
        &self.inner.worker.executors
    }

    /// A value of type `T` that the layer which made this context handed to it.
    pub(crate) fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.worker.extensions.get::<T>()
    }

    /// The previous attempt's last heartbeat details, raw.
    pub(crate) fn previous_heartbeat_details(&self) -> &[Payload] {
        &self.inner.heartbeat_details
    }

    /// Records heartbeat details that are already encoded (from a child process).
    pub(crate) fn heartbeat_payloads(&self, details: Vec<Payload>) -> Result<(), PayloadError> {
        (self.inner.heartbeat_sink)(details)
    }

    /// Marks the activity cancelled. The first cancellation wins.
    pub(crate) fn cancel(&self, details: CancellationDetails) {
        let cancellation = &self.inner.cancellation;
        let _ = cancellation.details.set(details);
        // The token first: a blocking activity woken by the flag below must already be seen as
        // cancelled by `is_cancelled`, which is what the worker checks when it returns.
        cancellation.token.cancel();
        *cancellation.flag.lock() = true;
        cancellation.condvar.notify_all();
    }
}

impl std::fmt::Debug for ActivityContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityContext")
            .field("info", &self.inner.info)
            .field("cancelled", &self.cancellation_reason())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Cancellation {
    token: CancellationToken,
    details: OnceLock<CancellationDetails>,
    flag: Mutex<bool>,
    condvar: Condvar,
}

/// Why an activity was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CancellationReason {
    /// A client or workflow asked for cancellation.
    CancelRequested,
    /// The activity timed out (start-to-close, schedule-to-close or heartbeat).
    TimedOut,
    /// The server no longer knows the activity (it completed elsewhere, or was reset).
    NotFound,
    /// The worker is shutting down and the grace period is over.
    WorkerShutdown,
    /// The activity was paused.
    Paused,
    /// The activity was reset.
    Reset,
    /// The worker could not send the activity's heartbeat details: the payload codec or external
    /// storage failed to encode them (a store that refuses writes, say). The attempt then fails
    /// with that error, whatever the activity returns, as in the Python SDK.
    HeartbeatFailed,
}

impl CancellationReason {
    pub(crate) fn from_core(reason: i32) -> Self {
        match ActivityCancelReason::try_from(reason) {
            Ok(ActivityCancelReason::Cancelled) => Self::CancelRequested,
            Ok(ActivityCancelReason::TimedOut) => Self::TimedOut,
            Ok(ActivityCancelReason::WorkerShutdown) => Self::WorkerShutdown,
            Ok(ActivityCancelReason::Paused) => Self::Paused,
            Ok(ActivityCancelReason::Reset) => Self::Reset,
            Ok(ActivityCancelReason::NotFound) | Err(_) => Self::NotFound,
        }
    }
}

/// Why an activity was cancelled, with every flag the server set (several may be set at once,
/// e.g. paused and cancel-requested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CancellationDetails {
    /// The reason the worker core gave.
    pub reason: CancellationReason,
    /// Cancellation was requested by a client or workflow.
    pub cancel_requested: bool,
    /// The activity timed out.
    pub timed_out: bool,
    /// The server no longer knows the activity.
    pub not_found: bool,
    /// The worker is shutting down.
    pub worker_shutdown: bool,
    /// The activity was paused.
    pub paused: bool,
    /// The activity was reset.
    pub reset: bool,
}

impl CancellationDetails {
    /// Details with only `reason` known, its own flag set.
    pub fn from_reason(reason: CancellationReason) -> Self {
        Self {
            reason,
            cancel_requested: reason == CancellationReason::CancelRequested,
            timed_out: reason == CancellationReason::TimedOut,
            not_found: reason == CancellationReason::NotFound,
            worker_shutdown: reason == CancellationReason::WorkerShutdown,
            paused: reason == CancellationReason::Paused,
            reset: reason == CancellationReason::Reset,
        }
    }

    pub(crate) fn from_core(cancel: &Cancel) -> Self {
        let reason = CancellationReason::from_core(cancel.reason);
        let mut details = Self::from_reason(reason);
        if let Some(flags) = &cancel.details {
            details.cancel_requested |= flags.is_cancelled;
            details.timed_out |= flags.is_timed_out;
            details.not_found |= flags.is_not_found;
            details.worker_shutdown |= flags.is_worker_shutdown;
            details.paused |= flags.is_paused;
            details.reset |= flags.is_reset;
        }
        details
    }
}

/// The namespace used when none is set (connections, test environments).
pub(crate) const DEFAULT_NAMESPACE: &str = "default";

/// Facts about one activity attempt, as the server sent them.
///
/// It serializes with serde (times as seconds and nanoseconds since the Unix epoch), e.g. to log it
/// or to hand it to another process.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ActivityInfo {
    /// The activity id.
    pub activity_id: String,
    /// The activity type name this attempt was dispatched for.
    pub activity_type: String,
    /// The attempt number, starting at 1.
    pub attempt: u32,
    /// The namespace.
    pub namespace: String,
    /// The task queue the worker polls.
    pub task_queue: String,
    /// The calling workflow's type; `None` for standalone activities.
    pub workflow_type: Option<String>,
    /// The calling workflow's id; `None` for standalone activities.
    pub workflow_id: Option<String>,
    /// The calling workflow's run id; `None` for standalone activities.
    pub workflow_run_id: Option<String>,
    /// The run id of a standalone activity; `None` for activities called by workflows.
    pub activity_run_id: Option<String>,
    /// When the activity was first scheduled.
    pub scheduled_time: Option<SystemTime>,
    /// When this attempt was scheduled.
    pub current_attempt_scheduled_time: Option<SystemTime>,
    /// When this attempt started.
    pub started_time: Option<SystemTime>,
    /// Schedule-to-close timeout, if set.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Start-to-close timeout, if set.
    pub start_to_close_timeout: Option<Duration>,
    /// Heartbeat timeout, if set.
    pub heartbeat_timeout: Option<Duration>,
    /// The retry policy in force, if any.
    pub retry_policy: Option<RetryPolicy>,
    /// The priority key (0 when unset).
    pub priority_key: i32,
    /// The fairness key (empty when unset).
    pub fairness_key: String,
    /// Whether this is a local activity.
    pub is_local: bool,
    /// The opaque task token, for completing the activity from elsewhere.
    pub task_token: Vec<u8>,
}

impl ActivityInfo {
    /// When this attempt must end: the earlier of start-to-close after the start and
    /// schedule-to-close after the first scheduling.
    pub fn deadline(&self) -> Option<SystemTime> {
        let by_start = self
            .started_time
            .zip(self.start_to_close_timeout)
            .map(|(t, d)| t + d);
        let by_schedule = self
            .scheduled_time
            .zip(self.schedule_to_close_timeout)
            .map(|(t, d)| t + d);
        match (by_start, by_schedule) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn from_start(
        start: &Start,
        namespace: &str,
        task_queue: &str,
        task_token: &[u8],
    ) -> Self {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let workflow = start.workflow_execution.as_ref();
        Self {
            activity_id: start.activity_id.clone(),
            activity_type: start.activity_type.clone(),
            attempt: start.attempt,
            namespace: non_empty(&start.workflow_namespace).unwrap_or_else(|| namespace.to_owned()),
            task_queue: task_queue.to_owned(),
            workflow_type: non_empty(&start.workflow_type),
            workflow_id: workflow.and_then(|w| non_empty(&w.workflow_id)),
            workflow_run_id: workflow.and_then(|w| non_empty(&w.run_id)),
            activity_run_id: non_empty(&start.run_id),
            scheduled_time: start.scheduled_time.and_then(system_time),
            current_attempt_scheduled_time: start
                .current_attempt_scheduled_time
                .and_then(system_time),
            started_time: start.started_time.and_then(system_time),
            schedule_to_close_timeout: start.schedule_to_close_timeout.and_then(duration),
            start_to_close_timeout: start.start_to_close_timeout.and_then(duration),
            heartbeat_timeout: start.heartbeat_timeout.and_then(duration),
            retry_policy: start.retry_policy.as_ref().map(|p| RetryPolicy {
                initial_interval: p.initial_interval.and_then(duration),
                backoff_coefficient: p.backoff_coefficient,
                maximum_interval: p.maximum_interval.and_then(duration),
                maximum_attempts: u32::try_from(p.maximum_attempts).unwrap_or(0),
                non_retryable_error_types: p.non_retryable_error_types.clone(),
            }),
            priority_key: start.priority.as_ref().map_or(0, |p| p.priority_key),
            fairness_key: start
                .priority
                .as_ref()
                .map(|p| p.fairness_key.clone())
                .unwrap_or_default(),
            is_local: start.is_local,
            task_token: task_token.to_vec(),
        }
    }
}

/// How the server retries a failed activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub initial_interval: Option<Duration>,
    /// Multiplier applied to the delay after each retry.
    pub backoff_coefficient: f64,
    /// Upper bound of the delay.
    pub maximum_interval: Option<Duration>,
    /// Maximum number of attempts; 0 means unlimited.
    pub maximum_attempts: u32,
    /// Failure types that are never retried.
    pub non_retryable_error_types: Vec<String>,
}

fn system_time(t: prost_types::Timestamp) -> Option<SystemTime> {
    SystemTime::try_from(t).ok()
}

/// A duration from the server; zero is how it says "not set" (a standalone activity without a
/// schedule-to-close timeout, a retry policy without a maximum interval).
fn duration(d: prost_types::Duration) -> Option<Duration> {
    Duration::try_from(d).ok().filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn context() -> (ActivityContext, Arc<AtomicUsize>) {
        static POOL: OnceLock<crate::blocking::BlockingPool> = OnceLock::new();
        let pool = POOL.get_or_init(|| crate::blocking::BlockingPool::new("context-test", 1));
        let beats = Arc::new(AtomicUsize::new(0));
        let counter = beats.clone();
        let sink: HeartbeatSink = Arc::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let parts = ContextParts {
            info: ActivityInfo::default(),
            heartbeat_details: vec![crate::payload::to_payload(&7u32).unwrap()],
            headers: HashMap::new(),
            heartbeat_sink: sink,
            worker: Arc::new(WorkerParts {
                worker_shutdown: CancellationToken::new(),
                executors: Arc::new(pool.handle()),
                extensions: http::Extensions::new(),
                converter: PayloadConverter::default(),
            }),
        };
        (ActivityContext::new(parts), beats)
    }

    #[test]
    fn heartbeats_reach_the_sink_and_details_decode() {
        let (ctx, beats) = context();
        ctx.heartbeat(&"progress").unwrap();
        assert_eq!(beats.load(Ordering::SeqCst), 1);
        assert_eq!(ctx.heartbeat_details::<u32>().unwrap(), Some(7));
    }

    #[test]
    fn blocking_wait_sees_cancellation_from_another_thread() {
        let (ctx, _) = context();
        assert!(!ctx.wait_cancelled_timeout(Duration::from_millis(10)));
        let other = ctx.clone();
        let t = std::thread::spawn(move || other.wait_cancelled_timeout(Duration::from_secs(30)));
        ctx.cancel(CancellationDetails::from_reason(
            CancellationReason::TimedOut,
        ));
        ctx.cancel(CancellationDetails::from_reason(
            CancellationReason::CancelRequested,
        ));
        assert!(t.join().unwrap());
        assert!(ctx.is_cancelled());
        assert_eq!(
            ctx.cancellation_reason(),
            Some(CancellationReason::TimedOut)
        );
    }
}
