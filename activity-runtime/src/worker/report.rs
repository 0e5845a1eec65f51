//! Reporting an attempt's outcome through core, and saying so when core gives it up.
//!
//! When the server cannot be reached as an attempt ends, core retries the completion for a few
//! seconds, then drops it with only a `WARN` ("Network error while completing activity") that
//! names no activity, and returns as if it had been sent. The server then runs the activity again
//! after its timeout. At-least-once is Temporal's contract, but the person running the worker
//! should see which result was lost: so each completion runs under a subscriber that passes every
//! event on to the application's own and notices that one, and the worker logs an `ERROR` naming
//! the activity.
//!
//! Evaluated instead: `tracing-subscriber`'s layers wrap a subscriber the application has not
//! built yet, and core offers no hook or error for this case.

use super::telemetry::RuntimeMetrics;
use std::cell::Cell;

use temporalio_common::protos::coresdk::ActivityTaskCompletion;
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
    /// Counts the results lost.
    metrics: RuntimeMetrics,
}

tokio::task_local! {
    /// Set when core gives up the completion being sent.
    static LOST: Cell<bool>;
}

impl Reporter {
    /// Watches through the subscriber in force now (the application's).
    pub(super) fn new(metrics: RuntimeMetrics) -> Self {
        Self {
            watcher: Dispatch::new(LostCompletionWatcher {
                inner: tracing::dispatcher::get_default(Dispatch::clone),
                max_level: LevelFilter::current().max(LevelFilter::WARN),
            }),
            metrics,
        }
    }

    /// Sends `completion` of the attempt `info` describes; logs an `ERROR` naming it when core
    /// could not report it to the server.
    pub(super) async fn complete(
        &self,
        core: &CoreWorker,
        completion: ActivityTaskCompletion,
        info: &ActivityInfo,
    ) {
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
        if sent.is_err() || lost {
            self.metrics.result_lost(&info.activity_type);
        }
        if let Err(err) = sent {
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
            tracing::error!(
                activity_type = %info.activity_type,
                activity_id = %info.activity_id,
                attempt = info.attempt,
                "the result of activity `{}` (id {}, attempt {}) was lost: the Temporal server \
                 could not be reached to record it. The server will run the activity again once \
                 this attempt times out (its start-to-close or heartbeat timeout)",
                info.activity_type,
                info.activity_id,
                info.attempt,
            );
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
