//! Unit-testing activities without a server.
//!
//! [`ActivityEnvironment`] runs an activity through the same path as the worker: the arguments are
//! encoded to payloads, decoded by the generated code, and the result is encoded and decoded back.
//! So a test catches an argument or result type that does not survive the wire, which calling the
//! function directly would not.
//!
//! ```
//! use activity_runtime::testing::ActivityEnvironment;
//! use activity_runtime::{ActivityContext, ActivityError, activity};
//!
//! #[activity]
//! async fn count_to(ctx: ActivityContext, n: u32) -> Result<u32, ActivityError> {
//!     for i in 1..=n {
//!         ctx.heartbeat(&i)?;
//!     }
//!     Ok(n)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = ActivityEnvironment::new();
//! let out: u32 = env.run::<count_to, _>((3,)).await.unwrap();
//! assert_eq!(out, 3);
//! assert_eq!(env.heartbeats::<u32>(), [1, 2, 3]);
//! # }
//! ```

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use parking_lot::Mutex;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::activity::Activity;
use crate::attempt::ActivityInput;
use crate::blocking::BlockingPool;
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, CancellationReason, ContextParts,
    DEFAULT_NAMESPACE, WorkerParts,
};
use crate::error::ActivityError;
use crate::payload::{ActivityArgs, Payload, PayloadConverter};

/// Runs activities in a test, with settable info, captured heartbeats, cancellation with a
/// chosen reason at a chosen moment, and a worker-shutdown signal.
#[derive(Debug)]
pub struct ActivityEnvironment {
    info: ActivityInfo,
    previous_heartbeat: Vec<Payload>,
    headers: HashMap<String, Payload>,
    shared: Arc<Shared>,
    worker_shutdown: CancellationToken,
    /// Where blocking activities run: this environment's own small pool.
    blocking_pool: BlockingPool,
    /// Encodes the arguments, decodes the result, and is the activity's converter.
    converter: PayloadConverter,
}

#[derive(Default, Debug)]
struct Shared {
    heartbeats: Mutex<Vec<Payload>>,
    /// The context of the activity running now, so that `cancel` reaches it.
    running: Mutex<Option<ActivityContext>>,
    /// A cancellation asked for before or while running, applied as soon as possible.
    pending_cancel: Mutex<Option<CancellationDetails>>,
    /// Cancel once this many heartbeats have been recorded.
    cancel_on_heartbeat: Mutex<Option<(usize, CancellationDetails)>>,
}

impl Default for ActivityEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl ActivityEnvironment {
    /// An environment with test info: activity id `test-activity`, attempt 1, namespace
    /// `default`, task queue `test`; the activity type is set to the activity's name on each run.
    pub fn new() -> Self {
        let info = ActivityInfo {
            activity_id: "test-activity".to_owned(),
            attempt: 1,
            namespace: DEFAULT_NAMESPACE.to_owned(),
            task_queue: "test".to_owned(),
            task_token: b"test-task-token".to_vec(),
            ..ActivityInfo::default()
        };
        Self {
            info,
            previous_heartbeat: Vec::new(),
            headers: HashMap::new(),
            shared: Arc::default(),
            worker_shutdown: CancellationToken::new(),
            blocking_pool: BlockingPool::new("activity-env-blocking", 4),
            converter: PayloadConverter::default(),
        }
    }

    /// Runs activities with `converter`, as a worker with
    /// [`payload_converter`](crate::WorkerBuilder::payload_converter) would: it encodes the
    /// arguments, decodes the result, and is the activity's own converter.
    pub fn with_payload_converter(mut self, converter: PayloadConverter) -> Self {
        self.converter = converter;
        self
    }

    /// The info the next run sees; change any field.
    pub fn info_mut(&mut self) -> &mut ActivityInfo {
        &mut self.info
    }

    /// Pretends a previous attempt heartbeated `details`, as [`ActivityContext::heartbeat_details`]
    /// will read them.
    ///
    /// # Panics
    /// When `details` cannot be encoded.
    pub fn with_previous_heartbeat<T: Serialize + ?Sized>(mut self, details: &T) -> Self {
        let payload = self.converter.to_payload(details);
        self.previous_heartbeat = vec![payload.expect("heartbeat details encode")];
        self
    }

    /// Adds a header the activity sees.
    pub fn with_header(mut self, key: impl Into<String>, value: Payload) -> Self {
        self.headers.insert(key.into(), value);
        self
    }

    /// Runs activity `A` with `args` (a tuple, one element per parameter) and decodes its result
    /// into `R`. A panic in the activity resumes in the caller.
    ///
    /// # Errors
    /// The activity's own error, a decoding error of the arguments (as the worker would report
    /// it), or a result that does not decode into `R`.
    pub async fn run<A: Activity, R: DeserializeOwned>(
        &self,
        args: impl ActivityArgs,
    ) -> Result<R, ActivityError> {
        let payloads = args
            .into_payloads_with(&self.converter)
            .map_err(|e| ActivityError::new(e.to_string()))?;
        let ctx = self.context::<A>();
        *self.shared.running.lock() = Some(ctx.clone());
        if let Some(details) = self.shared.pending_cancel.lock().take() {
            ctx.cancel(details);
        }
        let input =
            ActivityInput::new(A::NAME, payloads).with_payload_converter(self.converter.clone());
        let result = AssertUnwindSafe(A::invoke(ctx.clone(), input))
            .catch_unwind()
            .await;
        *self.shared.running.lock() = None;
        let output = match result {
            Ok(output) => output?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        self.converter.from_payload(output.payload()).map_err(|e| {
            ActivityError::new(format!(
                "the result does not decode into the requested type: {e}"
            ))
        })
    }

    /// The context [`run`](Self::run) gives activity `A`: this environment's info (with `A`'s
    /// name as the activity type), previous heartbeat and headers, with heartbeats recorded here.
    /// For calling [`Activity::invoke`] directly, as the dispatch benchmarks do; [`cancel`]
    /// reaches only activities started with `run`.
    ///
    /// [`cancel`]: Self::cancel
    pub fn context<A: Activity>(&self) -> ActivityContext {
        let mut info = self.info.clone();
        info.activity_type = A::NAME.to_owned();
        let shared = self.shared.clone();
        ActivityContext::new(ContextParts {
            info,
            heartbeat_details: self.previous_heartbeat.clone(),
            headers: self.headers.clone(),
            heartbeat_sink: Arc::new(move |details: Vec<Payload>| {
                shared.record(details);
                Ok(())
            }),
            worker: Arc::new(WorkerParts {
                worker_shutdown: self.worker_shutdown.clone(),
                executors: Arc::new(self.blocking_pool.handle()),
                extensions: http::Extensions::new(),
                converter: self.converter.clone(),
            }),
        })
    }

    /// Cancels the running activity with `reason` now, or the next one as soon as it starts.
    pub fn cancel(&self, reason: CancellationReason) {
        let details = CancellationDetails::from_reason(reason);
        match self.shared.running.lock().as_ref() {
            Some(ctx) => ctx.cancel(details),
            None => *self.shared.pending_cancel.lock() = Some(details),
        }
    }

    /// Cancels the running activity with `reason` when it records its `n`-th heartbeat (counting
    /// every heartbeat this environment has captured).
    pub fn cancel_on_heartbeat(&self, n: usize, reason: CancellationReason) {
        *self.shared.cancel_on_heartbeat.lock() =
            Some((n, CancellationDetails::from_reason(reason)));
    }

    /// Signals that the worker is shutting down, as a graceful shutdown would.
    pub fn shutdown_worker(&self) {
        self.worker_shutdown.cancel();
    }

    /// Every heartbeat captured so far, decoded into `T`.
    ///
    /// # Panics
    /// When a heartbeat does not decode into `T`.
    pub fn heartbeats<T: DeserializeOwned>(&self) -> Vec<T> {
        self.shared
            .heartbeats
            .lock()
            .iter()
            .map(|p| {
                self.converter
                    .from_payload(p)
                    .expect("heartbeat decodes into the requested type")
            })
            .collect()
    }

    /// Every heartbeat captured so far, as raw payloads.
    pub fn raw_heartbeats(&self) -> Vec<Payload> {
        self.shared.heartbeats.lock().clone()
    }
}

impl Shared {
    fn record(&self, details: Vec<Payload>) {
        let count = {
            let mut heartbeats = self.heartbeats.lock();
            heartbeats.extend(details);
            heartbeats.len()
        };
        let due = {
            let mut trigger = self.cancel_on_heartbeat.lock();
            match *trigger {
                Some((n, details)) if count >= n => {
                    *trigger = None;
                    Some(details)
                }
                _ => None,
            }
        };
        if let Some(details) = due
            && let Some(ctx) = self.running.lock().as_ref()
        {
            ctx.cancel(details);
        }
    }
}
