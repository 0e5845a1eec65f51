//! Heartbeat details the worker could not send because the payload codec or external storage
//! failed to encode them.
//!
//! Python's worker (`temporalio/worker/_activity.py`, `_send_latest_heartbeat`) cancels the
//! attempt when a heartbeat fails to encode ("Cancelling activity because failed recording
//! heartbeat") and completes it as a failure carrying that error once the activity ends with the
//! cancellation; its async activities are interrupted at their next `await`, so they nearly
//! always do. Here cancellation is cooperative, so the attempt is cancelled with
//! [`CancellationReason::HeartbeatFailed`] and fails with the error whatever the activity then
//! returns, as for heartbeat details over the size limit: details are never lost silently, and
//! the next attempt resumes from the last details that were sent.

use std::sync::OnceLock;

use temporalio_common::protos::temporal::api::failure::v1::Failure;
use tokio_util::sync::CancellationToken;

use crate::codec::PayloadConversionError;
use crate::context::{ActivityContext, CancellationDetails, CancellationReason};

/// The first heartbeat of an attempt that could not be encoded, if any.
#[derive(Default)]
pub(super) struct HeartbeatFault {
    failure: OnceLock<Failure>,
    raised: CancellationToken,
}

impl HeartbeatFault {
    /// Records that heartbeat details of `activity_type` could not be encoded (the first error
    /// wins) and wakes [`cancel_on_fault`](Self::cancel_on_fault).
    pub(super) fn record(&self, activity_type: &str, err: &PayloadConversionError) {
        let failure = crate::codec::failure(err, "encode the heartbeat details");
        tracing::warn!(
            activity_type,
            "cancelling activity `{activity_type}`: its heartbeat details could not be sent: {}",
            failure.message
        );
        let _ = self.failure.set(failure);
        self.raised.cancel();
    }

    /// Cancels `ctx` with [`CancellationReason::HeartbeatFailed`] once a fault is recorded.
    pub(super) async fn cancel_on_fault(&self, ctx: &ActivityContext) {
        self.raised.cancelled().await;
        ctx.cancel(CancellationDetails::from_reason(
            CancellationReason::HeartbeatFailed,
        ));
    }

    /// The failure the attempt ends with, if a heartbeat could not be encoded.
    pub(super) fn failure(&self) -> Option<Failure> {
        self.failure.get().cloned()
    }
}
