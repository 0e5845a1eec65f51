//! Interceptors: [`tower`] layers around every attempt, and hooks on every heartbeat.
//!
//! An attempt is a [`tower::Service`] from [`Attempt`] to [`ActivityOutput`], failing with
//! [`ActivityError`]; [`WorkerBuilder::layer`](crate::WorkerBuilder::layer) wraps it in any
//! [`tower::Layer`] (the ecosystem's middleware, as in tonic and axum), whatever the activity's
//! kind: async, blocking, process-isolated (the layers run in the worker, around the child) or
//! dynamic. Heartbeats are synchronous calls, from blocking threads too, so they are intercepted
//! with plain functions ([`WorkerBuilder::on_heartbeat`](crate::WorkerBuilder::on_heartbeat))
//! rather than an asynchronous service.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use temporalio_common::protos::temporal::api::common::v1::Payload;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::activity::Registration;
use crate::attempt::{ActivityInput, ActivityOutput};
use crate::context::{ActivityContext, ActivityInfo};
use crate::error::ActivityError;

/// One attempt, as interceptors see it: the activity's context (info, headers, cancellation,
/// heartbeats, metric meter) and its encoded arguments.
#[derive(Debug)]
pub struct Attempt {
    context: ActivityContext,
    input: ActivityInput,
    registration: Registration,
}

impl Attempt {
    pub(super) fn new(
        context: ActivityContext,
        input: ActivityInput,
        registration: Registration,
    ) -> Self {
        Self {
            context,
            input,
            registration,
        }
    }

    /// The context the activity gets.
    pub fn context(&self) -> &ActivityContext {
        &self.context
    }

    /// The attempt's info: activity type and id, attempt number, workflow, deadlines...
    pub fn info(&self) -> &ActivityInfo {
        self.context.info()
    }

    /// The headers the caller sent (e.g. an authorization token, `_tracer-data`).
    pub fn headers(&self) -> &HashMap<String, Payload> {
        self.context.headers()
    }

    /// The encoded arguments.
    pub fn input(&self) -> &ActivityInput {
        &self.input
    }

    /// The encoded arguments, to change before the activity decodes them.
    pub fn input_mut(&mut self) -> &mut ActivityInput {
        &mut self.input
    }

    /// The registered activity that will run: the dynamic one for a type no other serves. (An
    /// attempt of a type the worker does not serve fails with `NotFoundError` before any layer.)
    pub fn registration(&self) -> &Registration {
        &self.registration
    }
}

/// An attempt as a service: what each layer of [`WorkerBuilder::layer`](crate::WorkerBuilder::layer)
/// wraps, and what it must return.
pub type AttemptService = BoxCloneSyncService<Attempt, ActivityOutput, ActivityError>;

/// A layer from an async function of the attempt and the rest of the stack, as axum's
/// `middleware::from_fn`: the function may look at the attempt, refuse it, run it with
/// [`Next::run`], and look at or replace the result.
///
/// ```no_run
/// use std::time::Instant;
/// use activity_runtime::interceptors::{Attempt, Next, from_fn};
///
/// # fn builder() -> activity_runtime::WorkerBuilder {
/// activity_runtime::Worker::builder()
///     .task_queue("billing")
///     .layer(from_fn(|attempt: Attempt, next: Next| async move {
///         let activity_type = attempt.info().activity_type.clone();
///         let started = Instant::now();
///         let result = next.run(attempt).await;
///         tracing::info!(%activity_type, took = ?started.elapsed(), ok = result.is_ok(), "attempt");
///         result
///     }))
/// # }
/// ```
pub fn from_fn<F, Fut>(function: F) -> FromFnLayer<F>
where
    F: Fn(Attempt, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<ActivityOutput, ActivityError>> + Send + 'static,
{
    FromFnLayer { function }
}

/// The layer [`from_fn`] makes.
#[derive(Clone)]
pub struct FromFnLayer<F> {
    function: F,
}

impl<F> fmt::Debug for FromFnLayer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromFnLayer").finish_non_exhaustive()
    }
}

impl<F: Clone> Layer<AttemptService> for FromFnLayer<F> {
    type Service = FromFn<F>;

    fn layer(&self, next: AttemptService) -> FromFn<F> {
        FromFn {
            function: self.function.clone(),
            next,
        }
    }
}

/// The service [`FromFnLayer`] wraps the rest of the stack in.
#[derive(Clone)]
pub struct FromFn<F> {
    function: F,
    next: AttemptService,
}

impl<F> fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromFn").finish_non_exhaustive()
    }
}

impl<F, Fut> Service<Attempt> for FromFn<F>
where
    F: Fn(Attempt, Next) -> Fut,
    Fut: Future<Output = Result<ActivityOutput, ActivityError>> + Send + 'static,
{
    type Response = ActivityOutput;
    type Error = ActivityError;
    type Future = Fut;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ActivityError>> {
        // The rest of the stack is made ready when `Next::run` calls it.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, attempt: Attempt) -> Fut {
        (self.function)(attempt, Next(self.next.clone()))
    }
}

/// The rest of the stack below a [`from_fn`] layer: the next layers, then the activity.
#[derive(Debug)]
pub struct Next(AttemptService);

impl Next {
    /// Runs `attempt` through the rest of the stack.
    ///
    /// # Errors
    /// The activity's error, or a layer's below.
    pub async fn run(self, attempt: Attempt) -> Result<ActivityOutput, ActivityError> {
        self.0.oneshot(attempt).await
    }
}

/// The service at the bottom of the stack: runs the registered activity.
pub(super) fn run_activity() -> AttemptService {
    BoxCloneSyncService::new(tower::service_fn(|attempt: Attempt| {
        let Attempt {
            context,
            input,
            registration,
        } = attempt;
        registration.invoke(context, input)
    }))
}

/// The layers of a worker, outermost first, and its heartbeat hooks in order.
#[derive(Clone, Default)]
pub(super) struct Interceptors {
    layers: Vec<Arc<dyn Fn(AttemptService) -> AttemptService + Send + Sync>>,
    heartbeat_hooks: Vec<HeartbeatHook>,
}

/// A function every heartbeat goes through before it is sent.
pub(super) type HeartbeatHook = Arc<dyn Fn(&ActivityInfo, &mut Vec<Payload>) + Send + Sync>;

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interceptors")
            .field("layers", &self.layers.len())
            .field("heartbeat_hooks", &self.heartbeat_hooks.len())
            .finish()
    }
}

impl Interceptors {
    pub(super) fn push_layer<L>(&mut self, layer: L)
    where
        L: Layer<AttemptService> + Send + Sync + 'static,
        L::Service: Service<Attempt, Response = ActivityOutput, Error = ActivityError>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Attempt>>::Future: Send + 'static,
    {
        self.layers.push(Arc::new(move |inner| {
            BoxCloneSyncService::new(layer.layer(inner))
        }));
    }

    pub(super) fn push_heartbeat_hook(&mut self, hook: HeartbeatHook) {
        self.heartbeat_hooks.push(hook);
    }

    /// `inner` wrapped in every layer: the first one added sees each attempt first and its
    /// result last, as with `tower::ServiceBuilder`.
    pub(super) fn wrap(&self, inner: AttemptService) -> AttemptService {
        self.layers
            .iter()
            .rev()
            .fold(inner, |service, layer| layer(service))
    }

    /// The heartbeat hooks, in the order added; `None` when there are none.
    pub(super) fn heartbeat_hooks(&self) -> Option<Arc<[HeartbeatHook]>> {
        (!self.heartbeat_hooks.is_empty()).then(|| self.heartbeat_hooks.clone().into())
    }
}
