//! The payload size checks of a worker and of each attempt (see [`crate::limits`]).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use temporalio_common::protos::coresdk::NamespaceInfo;
use temporalio_common::protos::coresdk::activity_result::{
    ActivityExecutionResult, Success, activity_execution_result::Status,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::failure::v1::Failure;

use crate::activity::Registration;
use crate::context::HeartbeatSink;
use crate::error::ActivityError;
use crate::limits::{
    DEFAULT_WARN_SIZE, Limit, LimitSource, NamespaceLimit, PAYLOADS_TOO_LARGE, PayloadKind,
    PayloadLimits, PayloadsTooLarge, describe_argument, encoded_size, field_size, largest_of,
    sized,
};
use crate::payload::PayloadError;

/// The retryable `PayloadsTooLarge` failure an attempt reports.
fn too_large_failure(err: PayloadsTooLarge) -> Failure {
    ActivityError::new(err.to_string())
        .with_type(PAYLOADS_TOO_LARGE)
        .into_failure()
}

/// The limits of one worker: the namespace's, and which warnings were already logged.
pub(crate) struct WorkerLimits {
    namespace: NamespaceLimit,
    /// The threshold of the worker's external storage, if it has one (for messages).
    storage_threshold: Option<usize>,
    warned: Mutex<HashSet<(String, PayloadKind)>>,
}

impl WorkerLimits {
    /// From the namespace description the worker core fetched at start-up (`None` when it
    /// failed) and the threshold of the worker's external storage, if any.
    pub(crate) fn new(
        namespace: &str,
        info: Option<&NamespaceInfo>,
        storage_threshold: Option<usize>,
    ) -> Arc<Self> {
        let limit = info
            .and_then(|info| info.limits.as_ref())
            .map(|limits| limits.blob_size_limit_error);
        let namespace = NamespaceLimit::new(namespace, limit);
        let limit = namespace.error_limit(None);
        tracing::debug!(
            limit = limit.bytes,
            "payloads over {} fail, set by {}",
            sized(limit.bytes),
            limit.source
        );
        Arc::new(Self {
            namespace,
            storage_threshold,
            warned: Mutex::default(),
        })
    }

    /// The checks of one attempt of `activity_type` (`registration` is `None` when it is not
    /// registered; the defaults apply then).
    pub(crate) fn attempt(
        self: &Arc<Self>,
        activity_type: &str,
        registration: Option<&Registration>,
    ) -> AttemptLimits {
        AttemptLimits {
            worker: self.clone(),
            activity_type: activity_type.to_owned(),
            limits: registration.map_or(PayloadLimits::DEFAULT, Registration::limits),
            parameters: registration.map_or(&[], Registration::parameters),
            heartbeat_violation: Arc::default(),
        }
    }

    /// Whether this is the first warning of `kind` for `activity_type`.
    fn first_warning(&self, activity_type: &str, kind: PayloadKind) -> bool {
        self.warned.lock().insert((activity_type.to_owned(), kind))
    }
}

/// The size checks of one attempt.
#[derive(Clone)]
pub(crate) struct AttemptLimits {
    worker: Arc<WorkerLimits>,
    activity_type: String,
    limits: PayloadLimits,
    parameters: &'static [&'static str],
    /// Set when heartbeat details were refused: the attempt then fails with it, whatever the
    /// activity returns.
    heartbeat_violation: Arc<OnceLock<PayloadsTooLarge>>,
}

impl AttemptLimits {
    /// Warns (once per activity type) when the arguments, given by their sizes as fields of
    /// `Payloads` ([`field_size`]), are over the warning level.
    pub(crate) fn check_input(&self, field_sizes: impl Iterator<Item = usize> + Clone) {
        let size: usize = field_sizes.clone().sum();
        if size <= DEFAULT_WARN_SIZE
            || !self
                .worker
                .first_warning(&self.activity_type, PayloadKind::Input)
        {
            return;
        }
        let limit = self.worker.namespace.error_limit(None);
        let largest = largest_of(field_sizes, self.parameters)
            .map(|arg| format!("; the largest is {}", describe_argument(&arg)))
            .unwrap_or_default();
        tracing::warn!(
            activity_type = %self.activity_type,
            size,
            warn_level = DEFAULT_WARN_SIZE,
            "activity `{}` received arguments of {} encoded, over the warning level of {} ({}){largest}. \
             Arguments over {} ({}) are refused: consider storing large data elsewhere and passing a \
             reference to it. This warning is logged once per activity type",
            self.activity_type,
            sized(size),
            sized(DEFAULT_WARN_SIZE),
            LimitSource::DefaultWarnLevel,
            sized(limit.bytes),
            limit.source,
        );
    }

    /// Wraps the sink of heartbeat details: details over the limit are refused and fail the
    /// attempt; details over the warning level warn once per activity type.
    pub(crate) fn guard_heartbeats(&self, sink: HeartbeatSink) -> HeartbeatSink {
        let this = self.clone();
        Arc::new(move |details: Vec<Payload>| {
            let size = encoded_size(&details);
            let limit = this.error_limit(PayloadKind::HeartbeatDetails);
            if size > limit.bytes {
                let err = this.too_large(PayloadKind::HeartbeatDetails, size, limit);
                let _ = this.heartbeat_violation.set(err.clone());
                return Err(PayloadError::TooLarge(Box::new(err)));
            }
            let warn = Limit {
                bytes: DEFAULT_WARN_SIZE,
                source: LimitSource::DefaultWarnLevel,
            };
            this.warn_once(PayloadKind::HeartbeatDetails, size, &warn, &limit);
            sink(details)
        })
    }

    /// What the worker reports for the attempt: the result as it is, unless it is over the limit
    /// or heartbeat details were refused.
    pub(crate) fn finish(&self, result: ActivityExecutionResult) -> ActivityExecutionResult {
        if let Some(err) = self.heartbeat_violation.get() {
            return self.fail(err.clone());
        }
        let Some(Status::Completed(Success {
            result: Some(payload),
        })) = &result.status
        else {
            return result;
        };
        let size = field_size(payload);
        let limit = self.error_limit(PayloadKind::Result);
        if size > limit.bytes {
            return self.fail(self.too_large(PayloadKind::Result, size, limit));
        }
        let warn = match self.limits.warn_result_size {
            Some(bytes) => Limit {
                bytes,
                source: LimitSource::Attribute {
                    option: "warn_result_size",
                },
            },
            None => Limit {
                bytes: DEFAULT_WARN_SIZE,
                source: LimitSource::DefaultWarnLevel,
            },
        };
        self.warn_once(PayloadKind::Result, size, &warn, &limit);
        result
    }

    fn error_limit(&self, kind: PayloadKind) -> Limit {
        let option = match kind {
            PayloadKind::Result => self.limits.max_result_size.map(|b| (b, "max_result_size")),
            PayloadKind::HeartbeatDetails => self
                .limits
                .max_heartbeat_size
                .map(|b| (b, "max_heartbeat_size")),
            PayloadKind::Input => None,
        };
        self.worker.namespace.error_limit(option)
    }

    fn too_large(&self, kind: PayloadKind, size: usize, limit: Limit) -> PayloadsTooLarge {
        PayloadsTooLarge {
            activity_type: self.activity_type.clone(),
            kind,
            size,
            limit: limit.bytes,
            limit_source: limit.source,
            largest_argument: None,
            external_storage: self.worker.storage_threshold,
        }
    }

    fn fail(&self, err: PayloadsTooLarge) -> ActivityExecutionResult {
        tracing::error!(
            activity_type = %self.activity_type,
            size = err.size,
            limit = err.limit,
            "{err}"
        );
        ActivityExecutionResult::fail(too_large_failure(err))
    }

    fn warn_once(&self, kind: PayloadKind, size: usize, warn: &Limit, limit: &Limit) {
        if size <= warn.bytes || !self.worker.first_warning(&self.activity_type, kind) {
            return;
        }
        let what = match kind {
            PayloadKind::Result => "returned a result",
            PayloadKind::HeartbeatDetails => "recorded heartbeat details",
            PayloadKind::Input => "received arguments",
        };
        tracing::warn!(
            activity_type = %self.activity_type,
            size,
            warn_level = warn.bytes,
            "activity `{}` {what} of {} encoded, over the warning level of {} set by {}. The \
             limit is {} ({}): consider storing large data elsewhere and passing a reference to \
             it. This warning is logged once per activity type",
            self.activity_type,
            sized(size),
            sized(warn.bytes),
            warn.source,
            sized(limit.bytes),
            limit.source,
        );
    }
}
