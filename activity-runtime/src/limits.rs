//! Payload size limits, checked before anything is sent; and the limits of the child process of a
//! process-isolated activity ([`ProcessLimits`]).
//!
//! Temporal refuses an encoded argument list, result or set of heartbeat details larger than the
//! namespace's blob size limit (the server's `limit.blobSize.error`, 2 MiB by default, with a
//! warning at 512 KiB), and no gRPC message may exceed 4 MiB. Left to the server and the worker
//! core, an oversized result fails with a generic `[TMPRL1103]` message at best, and above 4 MiB it
//! is rejected by gRPC, only logged, and retried until the attempt times out.
//!
//! So sizes are checked here first, measured as the server measures them (the protobuf encoded
//! size of the `Payloads` message, see [`encoded_size`]):
//!
//! - **Results and heartbeat details**, on the worker. Over the limit, the attempt fails with the
//!   retryable type `PayloadsTooLarge` and a message naming the activity, the size, the limit and
//!   where that limit comes from ([`LimitSource`]). Over the warning level, a warning is logged
//!   once per activity type and worker. Heartbeat details over the limit are not sent:
//!   [`ActivityContext::heartbeat`](crate::ActivityContext::heartbeat) returns the error, and the
//!   attempt fails with it even if the activity carries on.
//! - **Arguments**, on the worker: a warning naming the largest argument when they exceed the
//!   warning level (once per activity type and worker).
//! - **Arguments**, on the caller: `client::check_input` and `client::Client` refuse to start an
//!   activity whose input is over the limit, before any request is made.
//!
//! The limit of an activity is the tightest of: the namespace's blob size limit (read when the
//! worker starts, [`DEFAULT_BLOB_SIZE_LIMIT`] when the server reports none), the activity's own
//! [`PayloadLimits`] (`#[activity(max_result_size = "1 MiB")]`), and the gRPC cap
//! ([`GRPC_MESSAGE_LIMIT`] less [`GRPC_REQUEST_HEADROOM`] for the rest of the request).

use std::fmt;

use prost::Message;

mod process;

pub use process::{
    DEFAULT_INHERITED_ENV, MIN_MEMORY_LIMIT, MIN_OPEN_FILES, ProcessLimits, RESOURCE_LIMIT,
};
// The worker's process pool applies them.
#[cfg_attr(not(feature = "worker"), allow(unused_imports))]
pub(crate) use process::{ResolvedLimits, env_matches, human_bytes, human_duration};
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// 1 KiB: 1024 bytes.
pub const KIB: usize = 1024;
/// 1 MiB: 1024 KiB.
pub const MIB: usize = 1024 * KIB;
/// The server's default blob size limit (`limit.blobSize.error`), used when the namespace reports
/// none.
pub const DEFAULT_BLOB_SIZE_LIMIT: usize = 2 * MIB;
/// The default warning level, as the server's own `limit.blobSize.warn`.
pub const DEFAULT_WARN_SIZE: usize = 512 * KIB;
/// The largest gRPC message the server accepts. `#[activity(...)]` size options may not exceed it.
pub const GRPC_MESSAGE_LIMIT: usize = 4 * MIB;
/// What stays free under [`GRPC_MESSAGE_LIMIT`] for the rest of a request (task token, identity,
/// failure, …), so payloads alone may use at most `GRPC_MESSAGE_LIMIT - GRPC_REQUEST_HEADROOM`.
pub const GRPC_REQUEST_HEADROOM: usize = 64 * KIB;

/// The failure type of an attempt whose payloads are too large, as the worker core uses it.
pub const PAYLOADS_TOO_LARGE: &str = "PayloadsTooLarge";

/// The size limits of one activity, in bytes. `None` takes the default.
///
/// `#[activity(max_result_size = "1 MiB", warn_result_size = "256 KiB", max_heartbeat_size =
/// "64 KiB")]` sets them; by hand, override [`Activity::LIMITS`](crate::Activity::LIMITS):
///
/// ```
/// use activity_runtime::limits::{KIB, MIB, PayloadLimits};
///
/// const LIMITS: PayloadLimits = PayloadLimits::DEFAULT
///     .max_result_size(MIB)
///     .warn_result_size(256 * KIB);
/// assert_eq!(LIMITS.max_result_size, Some(MIB));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadLimits {
    /// Above this, a result fails the attempt. Default: the namespace's blob size limit.
    pub max_result_size: Option<usize>,
    /// Above this, a result logs a warning (once per activity type). Default: 512 KiB.
    pub warn_result_size: Option<usize>,
    /// Above this, heartbeat details are refused and the attempt fails. Default: the namespace's
    /// blob size limit.
    pub max_heartbeat_size: Option<usize>,
}

impl PayloadLimits {
    /// Every limit at its default.
    pub const DEFAULT: Self = Self {
        max_result_size: None,
        warn_result_size: None,
        max_heartbeat_size: None,
    };

    /// Sets the error limit of results.
    pub const fn max_result_size(mut self, bytes: usize) -> Self {
        self.max_result_size = Some(bytes);
        self
    }

    /// Sets the warning level of results.
    pub const fn warn_result_size(mut self, bytes: usize) -> Self {
        self.warn_result_size = Some(bytes);
        self
    }

    /// Sets the error limit of heartbeat details.
    pub const fn max_heartbeat_size(mut self, bytes: usize) -> Self {
        self.max_heartbeat_size = Some(bytes);
        self
    }
}

/// What was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// The arguments of a call, all together.
    Input,
    /// An activity's result.
    Result,
    /// The details of one heartbeat.
    HeartbeatDetails,
}

/// Where a limit comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitSource {
    /// The namespace's blob size limit, as the server reported it.
    Namespace {
        /// The namespace.
        namespace: String,
    },
    /// [`DEFAULT_BLOB_SIZE_LIMIT`]: the namespace reported no limit, or it was not asked.
    DefaultBlobLimit,
    /// An option of the activity's `#[activity(...)]` attribute (or its [`Activity::LIMITS`](crate::Activity::LIMITS)).
    Attribute {
        /// The option's name, e.g. `max_result_size`.
        option: &'static str,
    },
    /// [`GRPC_MESSAGE_LIMIT`] less [`GRPC_REQUEST_HEADROOM`].
    GrpcMessageCap,
    /// [`DEFAULT_WARN_SIZE`].
    DefaultWarnLevel,
}

impl fmt::Display for LimitSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Namespace { namespace } => write!(
                f,
                "the blob size limit of namespace `{namespace}` (the server's `limit.blobSize.error`)"
            ),
            Self::DefaultBlobLimit => write!(
                f,
                "the default blob size limit of {} (the namespace reported none)",
                human(DEFAULT_BLOB_SIZE_LIMIT)
            ),
            Self::Attribute { option } => {
                write!(
                    f,
                    "`{option}` in the activity's `#[activity(...)]` attribute"
                )
            }
            Self::GrpcMessageCap => write!(
                f,
                "the {} gRPC message cap (less {} for the rest of the request)",
                human(GRPC_MESSAGE_LIMIT),
                human(GRPC_REQUEST_HEADROOM)
            ),
            Self::DefaultWarnLevel => write!(
                f,
                "the default warning level of {}, as the server's `limit.blobSize.warn`",
                human(DEFAULT_WARN_SIZE)
            ),
        }
    }
}

/// One argument of a call, for messages: the largest one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArgumentSize {
    /// 1-based position.
    pub position: usize,
    /// The parameter's name, when known.
    pub name: Option<&'static str>,
    /// Its encoded size in bytes.
    pub size: usize,
}

/// Payloads over a limit: what was measured, how large it is, the limit and where it comes from.
///
/// Its `Display` is the full message users see, with advice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadsTooLarge {
    /// The activity type.
    pub activity_type: String,
    /// What was measured.
    pub kind: PayloadKind,
    /// The encoded size, in bytes.
    pub size: usize,
    /// The limit it exceeds, in bytes.
    pub limit: usize,
    /// Where the limit comes from.
    pub limit_source: LimitSource,
    /// For arguments, the largest one.
    pub largest_argument: Option<ArgumentSize>,
    /// The threshold of the external storage configured where this was measured, `None`
    /// without external storage (the message then says how to configure it).
    pub external_storage: Option<usize>,
}

impl PayloadsTooLarge {
    /// The advice on external storage that ends the message: how to configure it, or that its
    /// threshold left these payloads inline.
    fn storage_advice(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setting = match self.kind {
            PayloadKind::Input => "`ConnectOptions::external_storage` on the client",
            PayloadKind::Result | PayloadKind::HeartbeatDetails => {
                "`WorkerBuilder::external_storage` on the worker"
            }
        };
        match self.external_storage {
            None => write!(
                f,
                "; or configure external storage ({setting}), which keeps large payloads in a \
                 bucket and only references to them in the history (see \"Large payloads\" in \
                 the README)"
            ),
            Some(threshold) => write!(
                f,
                "; external storage is configured, but only payloads of at least {} go to it: \
                 lower its threshold (`ExternalStorage::threshold`)",
                human(threshold)
            ),
        }
    }
}

impl fmt::Display for PayloadsTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            activity_type,
            size,
            limit,
            limit_source,
            ..
        } = self;
        let (size, limit) = (sized(*size), sized(*limit));
        match self.kind {
            PayloadKind::Result => write!(
                f,
                "activity `{activity_type}` returned a result of {size} encoded, over the limit \
                 of {limit} set by {limit_source}. Temporal cannot carry payloads this large: \
                 store the data elsewhere (object storage, a database) and return a reference to \
                 it, such as a key or URL"
            )?,
            PayloadKind::HeartbeatDetails => write!(
                f,
                "activity `{activity_type}` recorded heartbeat details of {size} encoded, over the \
                 limit of {limit} set by {limit_source}; they were not sent and this attempt fails. \
                 Heartbeat a small marker of progress instead (an offset, a cursor, a key of data \
                 stored elsewhere)"
            )?,
            PayloadKind::Input => {
                write!(
                    f,
                    "the input of activity `{activity_type}` is {size} encoded, over the limit of \
                     {limit} set by {limit_source}"
                )?;
                if let Some(arg) = &self.largest_argument {
                    write!(f, "; the largest is {}", describe_argument(arg))?;
                }
                write!(
                    f,
                    ". The activity was not started. Store the data elsewhere (object storage, a \
                     database) and pass a reference to it, such as a key or URL"
                )?;
            }
        }
        self.storage_advice(f)
    }
}

impl std::error::Error for PayloadsTooLarge {}

/// The size of `payloads` as the server measures it: the protobuf encoded length of the
/// `Payloads` message that holds them.
pub fn encoded_size(payloads: &[Payload]) -> usize {
    payloads.iter().map(field_size).sum()
}

/// One payload as a field of `Payloads` (tag 1, length-delimited).
pub(crate) fn field_size(payload: &Payload) -> usize {
    let len = payload.encoded_len();
    1 + prost::length_delimiter_len(len) + len
}

/// The blob size limit of a namespace, as far as it is known.
#[derive(Clone, Debug)]
pub(crate) enum NamespaceLimit {
    Known { namespace: String, bytes: usize },
    Unknown,
}

impl NamespaceLimit {
    /// From what the server said; a missing or non-positive limit counts as unknown.
    pub(crate) fn new(namespace: &str, blob_size_limit_error: Option<i64>) -> Self {
        match blob_size_limit_error.and_then(|b| usize::try_from(b).ok()) {
            Some(bytes) if bytes > 0 => Self::Known {
                namespace: namespace.to_owned(),
                bytes,
            },
            _ => Self::Unknown,
        }
    }

    /// The tightest of the namespace limit, the activity's own option and the gRPC cap.
    pub(crate) fn error_limit(&self, option: Option<(usize, &'static str)>) -> Limit {
        let mut limit = match self {
            Self::Known { namespace, bytes } => Limit {
                bytes: *bytes,
                source: LimitSource::Namespace {
                    namespace: namespace.clone(),
                },
            },
            Self::Unknown => Limit {
                bytes: DEFAULT_BLOB_SIZE_LIMIT,
                source: LimitSource::DefaultBlobLimit,
            },
        };
        if let Some((bytes, option)) = option
            && bytes < limit.bytes
        {
            limit = Limit {
                bytes,
                source: LimitSource::Attribute { option },
            };
        }
        let cap = GRPC_MESSAGE_LIMIT - GRPC_REQUEST_HEADROOM;
        if cap < limit.bytes {
            limit = Limit {
                bytes: cap,
                source: LimitSource::GrpcMessageCap,
            };
        }
        limit
    }
}

/// A limit in bytes and where it comes from.
#[derive(Clone, Debug)]
pub(crate) struct Limit {
    pub(crate) bytes: usize,
    pub(crate) source: LimitSource,
}

pub(crate) fn largest_argument(
    payloads: &[Payload],
    parameters: &'static [&'static str],
) -> Option<ArgumentSize> {
    largest_of(payloads.iter().map(field_size), parameters)
}

/// The largest of arguments given by their sizes as fields of `Payloads` ([`field_size`]).
pub(crate) fn largest_of(
    field_sizes: impl Iterator<Item = usize>,
    parameters: &'static [&'static str],
) -> Option<ArgumentSize> {
    field_sizes
        .enumerate()
        .max_by_key(|&(position, size)| (size, std::cmp::Reverse(position)))
        .map(|(position, size)| ArgumentSize {
            position: position + 1,
            name: parameters.get(position).copied(),
            size,
        })
}

pub(crate) fn describe_argument(arg: &ArgumentSize) -> String {
    match arg.name {
        Some(name) => format!("argument {} `{name}`, {}", arg.position, sized(arg.size)),
        None => format!("argument {}, {}", arg.position, sized(arg.size)),
    }
}

/// `3145739 bytes (3.00 MiB)`.
pub(crate) fn sized(bytes: usize) -> String {
    format!("{bytes} bytes ({})", human(bytes))
}

/// `2 MiB`, `3.00 MiB`, `600.0 KiB`, `17 bytes`.
pub(crate) fn human(bytes: usize) -> String {
    if bytes >= MIB {
        if bytes.is_multiple_of(MIB) {
            format!("{} MiB", bytes / MIB)
        } else {
            format!("{:.2} MiB", bytes as f64 / MIB as f64)
        }
    } else if bytes >= KIB {
        if bytes.is_multiple_of(KIB) {
            format!("{} KiB", bytes / KIB)
        } else {
            format!("{:.1} KiB", bytes as f64 / KIB as f64)
        }
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::to_payload;
    use temporalio_common::protos::temporal::api::common::v1::Payloads;

    fn payload_of(len: usize) -> Payload {
        to_payload(&"x".repeat(len)).unwrap()
    }

    #[test]
    fn sizes_match_the_encoded_payloads_message() {
        for lens in [
            vec![],
            vec![0],
            vec![10, 200],
            vec![3 * MIB],
            vec![5, 70_000, 1],
        ] {
            let payloads: Vec<_> = lens.iter().map(|&n| payload_of(n)).collect();
            let expected = Payloads {
                payloads: payloads.clone(),
            }
            .encoded_len();
            assert_eq!(encoded_size(&payloads), expected, "{lens:?}");
        }
    }

    #[test]
    fn the_tightest_limit_binds() {
        let known = NamespaceLimit::new("default", Some(2 * MIB as i64));
        let limit = known.error_limit(None);
        assert_eq!(limit.bytes, 2 * MIB);
        assert!(matches!(limit.source, LimitSource::Namespace { .. }));

        let limit = known.error_limit(Some((MIB, "max_result_size")));
        assert_eq!(limit.bytes, MIB);
        assert_eq!(
            limit.source,
            LimitSource::Attribute {
                option: "max_result_size"
            }
        );

        // An option above the namespace limit does not lift it.
        let limit = known.error_limit(Some((3 * MIB, "max_result_size")));
        assert_eq!(limit.bytes, 2 * MIB);

        let unknown = NamespaceLimit::new("default", None);
        assert_eq!(
            unknown.error_limit(None).source,
            LimitSource::DefaultBlobLimit
        );
        assert!(matches!(
            NamespaceLimit::new("default", Some(0)),
            NamespaceLimit::Unknown
        ));

        let generous = NamespaceLimit::new("big", Some(10 * MIB as i64));
        let limit = generous.error_limit(Some((4 * MIB, "max_result_size")));
        assert_eq!(limit.bytes, GRPC_MESSAGE_LIMIT - GRPC_REQUEST_HEADROOM);
        assert_eq!(limit.source, LimitSource::GrpcMessageCap);
    }

    #[test]
    fn messages_name_the_activity_sizes_limit_and_source() {
        let err = PayloadsTooLarge {
            activity_type: "big".into(),
            kind: PayloadKind::Result,
            size: 3 * MIB + 11,
            limit: 2 * MIB,
            limit_source: LimitSource::Namespace {
                namespace: "default".into(),
            },
            largest_argument: None,
            external_storage: None,
        };
        assert_eq!(
            err.to_string(),
            "activity `big` returned a result of 3145739 bytes (3.00 MiB) encoded, over the limit \
             of 2097152 bytes (2 MiB) set by the blob size limit of namespace `default` (the \
             server's `limit.blobSize.error`). Temporal cannot carry payloads this large: store \
             the data elsewhere (object storage, a database) and return a reference to it, such \
             as a key or URL; or configure external storage (`WorkerBuilder::external_storage` \
             on the worker), which keeps large payloads in a bucket and only references to them \
             in the history (see \"Large payloads\" in the README)"
        );
        let configured = PayloadsTooLarge {
            external_storage: Some(4 * MIB),
            ..err
        };
        assert!(configured.to_string().ends_with(
            "; external storage is configured, but only payloads of at least 4 MiB go to it: \
             lower its threshold (`ExternalStorage::threshold`)"
        ));
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(2 * MIB), "2 MiB");
        assert_eq!(human(3 * MIB + 11), "3.00 MiB");
        assert_eq!(human(600 * KIB), "600 KiB");
        assert_eq!(human(600 * KIB + 100), "600.1 KiB");
        assert_eq!(human(17), "17 bytes");
    }
}
