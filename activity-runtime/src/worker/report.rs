//! Reporting an attempt's outcome through core, and re-sending it when core gives it up.
//!
//! When the server cannot be reached as an attempt ends, core retries the completion for a few
//! seconds, then drops it with only a `WARN` ("Network error while completing activity") that
//! names no activity, and returns as if it had been sent. The server would then run the activity
//! again after its timeout: a second charge of the card. But the attempt's task token stays valid
//! until the attempt times out, so the result can still be delivered. Each completion runs under a
//! subscriber that passes every event on to the application's own and notices that one; the
//! worker then re-sends the completion by task token through its own connection
//! (`RespondActivityTaskCompleted`, `…Failed`, `…Canceled`), with a backoff, until the server
//! takes it, answers that the attempt is gone, or the attempt's deadline passes. Only then is the
//! result lost, and the worker logs an `ERROR` naming the activity and why.
//!
//! Evaluated instead: `tracing-subscriber`'s layers wrap a subscriber the application has not
//! built yet, and core offers no hook or error for this case.

use super::telemetry::RuntimeMetrics;
use std::cell::Cell;
use std::time::{Duration, SystemTime};

use temporalio_client::grpc::WorkflowService;
use temporalio_client::tonic::{self, Code, IntoRequest};
use temporalio_common::protos::coresdk::ActivityTaskCompletion;
use temporalio_common::protos::coresdk::activity_result::{
    self as ar, ActivityExecutionResult, activity_execution_result as aer,
};
use temporalio_common::protos::temporal::api::common::v1::Payloads;
use temporalio_common::protos::temporal::api::failure::v1::{
    CanceledFailureInfo, Failure, failure::FailureInfo,
};
use temporalio_common::protos::temporal::api::workflowservice::v1::{
    RespondActivityTaskCanceledRequest, RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedRequest,
};
use temporalio_sdk_core::Worker as CoreWorker;
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

use crate::context::ActivityInfo;

/// Where core logs the completion it gave up.
const CORE_ACTIVITIES: &str = "temporalio_sdk_core::worker::activities";
/// What it logs then.
const GAVE_UP: &str = "Network error while completing activity";

/// Sends completions to core, watching for the ones it gives up.
#[derive(Clone)]
pub(super) struct Reporter {
    /// The application's subscriber, wrapped: made once, as registering a dispatcher
    /// re-evaluates every callsite.
    watcher: Dispatch,
    /// Counts the results re-sent and lost.
    metrics: RuntimeMetrics,
    /// The worker's own connection, to re-send what core gave up.
    client: temporalio_client::Client,
}

tokio::task_local! {
    /// Set when core gives up the completion being sent.
    static LOST: Cell<bool>;
}

impl Reporter {
    /// Watches through the subscriber in force now (the application's).
    pub(super) fn new(metrics: RuntimeMetrics, client: temporalio_client::Client) -> Self {
        Self {
            watcher: Dispatch::new(LostCompletionWatcher {
                inner: tracing::dispatcher::get_default(Dispatch::clone),
                max_level: LevelFilter::current().max(LevelFilter::WARN),
            }),
            metrics,
            client,
        }
    }

    /// Sends `completion` of the attempt `info` describes. When core gives it up, re-sends it
    /// until the server takes it, and logs an `ERROR` naming the attempt when it cannot.
    pub(super) async fn complete(
        &self,
        core: &CoreWorker,
        completion: ActivityTaskCompletion,
        info: &ActivityInfo,
    ) {
        // Kept for a re-send: the task token and the result's payloads, a copy that is small next
        // to the RPC that sends them.
        let resend = completion
            .result
            .as_ref()
            .and_then(|result| Resend::of(&completion.task_token, result));
        // Boxed: core's future (the RPC with its retries) is about 7 KB, and inline it would make
        // every attempt's task, which awaits this at its end, that much larger for its whole life:
        // 14 MB with 2000 activities in flight.
        let sending =
            Box::pin(core.complete_activity_task(completion)).with_subscriber(self.watcher.clone());
        let (sent, lost) = LOST
            .scope(Cell::new(false), async {
                let sent = sending.await;
                (sent, LOST.with(Cell::get))
            })
            .await;
        if let Err(err) = sent {
            self.metrics.result_lost(&info.activity_type);
            tracing::error!(
                error = %err,
                activity_type = %info.activity_type,
                activity_id = %info.activity_id,
                attempt = info.attempt,
                "could not report the result of activity `{}` (id {}, attempt {})",
                info.activity_type,
                info.activity_id,
                info.attempt,
            );
        } else if lost {
            match resend {
                Some(resend) => self.resend(resend, info).await,
                None => self.lost(
                    info,
                    "the Temporal server could not be reached to record it",
                ),
            }
        }
    }

    /// Re-sends a completion core gave up, with a backoff from 250 ms to 5 s, until the attempt's
    /// deadline: a send still under way then is given up too, so that a result is either recorded
    /// or reported lost before the server can run the activity again.
    async fn resend(&self, resend: Resend, info: &ActivityInfo) {
        let deadline = info.deadline();
        let mut client = self.client.clone();
        let mut delay = Duration::from_millis(250);
        let mut tries = 0u32;
        let mut last = None;
        let reason = loop {
            let remaining =
                deadline.map(|d| d.duration_since(SystemTime::now()).unwrap_or_default());
            if remaining == Some(Duration::ZERO) {
                break past_deadline(tries, last.as_ref());
            }
            tries += 1;
            let sending = resend.send(&mut client);
            let sent = match remaining {
                Some(remaining) => match tokio::time::timeout(remaining, sending).await {
                    Ok(sent) => sent,
                    Err(_) => break past_deadline(tries, last.as_ref()),
                },
                None => sending.await,
            };
            match sent {
                Ok(()) => {
                    self.metrics.result_resent(&info.activity_type);
                    tracing::warn!(
                        activity_type = %info.activity_type,
                        activity_id = %info.activity_id,
                        attempt = info.attempt,
                        tries,
                        "the result of activity `{}` (id {}, attempt {}) was re-sent and recorded \
                         after the Temporal server could not be reached ({tries} tries)",
                        info.activity_type,
                        info.activity_id,
                        info.attempt,
                    );
                    return;
                }
                Err(status) if attempt_is_gone(status.code()) => {
                    break format!(
                        "the server no longer accepts it ({}: {}); the attempt timed out or was \
                         completed elsewhere while the server could not be reached",
                        status.code(),
                        status.message()
                    );
                }
                Err(status) => {
                    tracing::debug!(activity_id = %info.activity_id, error = %status, "re-sending a result");
                    last = Some(status);
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        };
        self.lost(info, &reason);
    }

    /// Counts and logs a result the server will never record.
    fn lost(&self, info: &ActivityInfo, reason: &str) {
        self.metrics.result_lost(&info.activity_type);
        tracing::error!(
            activity_type = %info.activity_type,
            activity_id = %info.activity_id,
            attempt = info.attempt,
            reason,
            "the result of activity `{}` (id {}, attempt {}) was lost: {reason}. The server will \
             run the activity again once this attempt times out (its start-to-close or heartbeat \
             timeout)",
            info.activity_type,
            info.activity_id,
            info.attempt,
        );
    }
}

/// Why a result was lost at its attempt's deadline.
fn past_deadline(tries: u32, last: Option<&tonic::Status>) -> String {
    let last = last.map_or_else(String::new, |status| {
        format!("; last: {}: {}", status.code(), status.message())
    });
    format!(
        "the Temporal server could not be reached to record it before the attempt's deadline \
         ({tries} tries{last})"
    )
}

/// Whether the server refused a re-sent completion for good: the attempt it names is gone, or
/// the request can never succeed.
fn attempt_is_gone(code: Code) -> bool {
    matches!(
        code,
        Code::NotFound
            | Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::AlreadyExists
    )
}

/// What a completion sends, kept to deliver it by task token as core would have: the request
/// itself is made only for a re-send, which is rare.
struct Resend {
    task_token: Vec<u8>,
    outcome: ResendOutcome,
}

enum ResendOutcome {
    Completed(Option<Payloads>),
    /// Boxed: a failure is several times the size of the others.
    Failed(Box<Option<Failure>>, i32),
    Canceled(Option<Payloads>),
}

impl Resend {
    /// What `result` sends; `None` for an activity that completes asynchronously (nothing to
    /// send).
    fn of(task_token: &[u8], result: &ActivityExecutionResult) -> Option<Self> {
        let outcome = match result.status.as_ref()? {
            aer::Status::Completed(ar::Success { result }) => {
                ResendOutcome::Completed(result.clone().map(|payload| Payloads {
                    payloads: vec![payload],
                }))
            }
            aer::Status::Failed(ar::Failure { failure, cause }) => {
                ResendOutcome::Failed(Box::new(failure.clone()), *cause)
            }
            aer::Status::Cancelled(ar::Cancellation { failure }) => {
                ResendOutcome::Canceled(match failure {
                    Some(Failure {
                        failure_info:
                            Some(FailureInfo::CanceledFailureInfo(CanceledFailureInfo {
                                details, ..
                            })),
                        ..
                    }) => details.clone(),
                    _ => None,
                })
            }
            aer::Status::WillCompleteAsync(_) => return None,
        };
        Some(Self {
            task_token: task_token.to_vec(),
            outcome,
        })
    }

    /// Sends it once.
    async fn send(&self, client: &mut temporalio_client::Client) -> Result<(), tonic::Status> {
        use temporalio_client::NamespacedClient;
        let (namespace, identity) = (client.namespace(), client.identity());
        let task_token = self.task_token.clone();
        match &self.outcome {
            ResendOutcome::Completed(result) => client
                .respond_activity_task_completed(
                    RespondActivityTaskCompletedRequest {
                        task_token,
                        result: result.clone(),
                        identity,
                        namespace,
                        ..Default::default()
                    }
                    .into_request(),
                )
                .await
                .map(drop),
            ResendOutcome::Failed(failure, cause) => client
                .respond_activity_task_failed(
                    RespondActivityTaskFailedRequest {
                        task_token,
                        failure: (**failure).clone(),
                        cause: *cause,
                        identity,
                        namespace,
                        ..Default::default()
                    }
                    .into_request(),
                )
                .await
                .map(drop),
            ResendOutcome::Canceled(details) => client
                .respond_activity_task_canceled(
                    RespondActivityTaskCanceledRequest {
                        task_token,
                        details: details.clone(),
                        identity,
                        namespace,
                        ..Default::default()
                    }
                    .into_request(),
                )
                .await
                .map(drop),
        }
    }
}

/// Passes everything on to `inner`, and marks the completion being sent as lost when core logs
/// that it gave it up (even when `inner` would not record that event).
struct LostCompletionWatcher {
    inner: Dispatch,
    /// `inner`'s level hint (it has no public accessor), but at least `WARN`.
    max_level: LevelFilter,
}

fn is_core_activity_warning(metadata: &Metadata<'_>) -> bool {
    *metadata.level() == tracing::Level::WARN
        && metadata.is_event()
        && metadata.target().starts_with(CORE_ACTIVITIES)
}

impl Subscriber for LostCompletionWatcher {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        let interest = self.inner.register_callsite(metadata);
        if interest.is_never() && is_core_activity_warning(metadata) {
            Interest::sometimes()
        } else {
            interest
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata) || is_core_activity_warning(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max_level)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.inner.record(span, values)
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.inner.record_follows_from(span, follows)
    }

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if is_core_activity_warning(metadata) {
            let mut message = MessageIs(GAVE_UP, false);
            event.record(&mut message);
            if message.1 {
                let _ = LOST.try_with(|lost| lost.set(true));
            }
        }
        if self.inner.enabled(metadata) {
            self.inner.event(event)
        }
    }

    fn enter(&self, span: &Id) {
        self.inner.enter(span)
    }

    fn exit(&self, span: &Id) {
        self.inner.exit(span)
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.inner.try_close(id)
    }
}

/// Whether an event's message is the given text.
struct MessageIs(&'static str, bool);

impl Visit for MessageIs {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == self.0 {
            self.1 = true;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" && value == self.0 {
            self.1 = true;
        }
    }
}
