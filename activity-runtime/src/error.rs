//! How an activity fails, and how failures are reported to Temporal.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use serde::Serialize;
use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};
use temporalio_common::protos::temporal::api::enums::v1::ApplicationErrorCategory;
use temporalio_common::protos::temporal::api::failure::v1::{
    ApplicationFailureInfo, Failure, failure::FailureInfo,
};

use crate::payload::{PayloadConverter, PayloadError, describe_encoding, to_payload};

/// The error an activity returns: an application failure (retryable unless marked otherwise), a
/// cancellation, or "I will complete later".
///
/// `?` converts any `std::error::Error + Send + Sync + 'static`, `anyhow::Error`, `String` and
/// `&str` into a retryable application failure whose type is the error's Rust type name, with the
/// error's `source()` chain kept as the failure's causes.
///
/// ```
/// use activity_runtime::ActivityError;
/// use std::time::Duration;
///
/// let err = ActivityError::new("card declined")
///     .with_type("PaymentError")
///     .non_retryable()
///     .with_details(&serde_json::json!({"code": 51}));
/// # let _ = err;
/// let later = ActivityError::new("rate limited").next_retry_delay(Duration::from_secs(3));
/// # let _ = later;
/// ```
///
/// Like `anyhow::Error`, this type does not implement `std::error::Error` itself, which is what lets
/// `?` convert every error into it.
pub struct ActivityError {
    kind: Kind,
}

enum Kind {
    Application(Box<Application>),
    Cancelled { details: Vec<Payload> },
    CompleteAsync,
}

struct Application {
    message: String,
    error_type: String,
    non_retryable: bool,
    details: Vec<Payload>,
    next_retry_delay: Option<Duration>,
    benign: bool,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    /// Causes already in failure form (a failure that crossed from a child process); used when
    /// there is no `source`.
    cause: Option<Box<Failure>>,
}

impl ActivityError {
    /// A retryable application failure with this message and no type.
    pub fn new(message: impl Into<String>) -> Self {
        Self::application(message.into(), String::new(), None)
    }

    /// The activity gives up because it was cancelled. Reported to Temporal as a cancellation
    /// (not a failure) when the activity's cancellation was requested.
    pub fn cancelled() -> Self {
        Self {
            kind: Kind::Cancelled {
                details: Vec::new(),
            },
        }
    }

    /// The activity will be completed later, from elsewhere, through its task token.
    pub fn complete_async() -> Self {
        Self {
            kind: Kind::CompleteAsync,
        }
    }

    fn application(
        message: String,
        error_type: String,
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind: Kind::Application(Box::new(Application {
                message,
                error_type,
                non_retryable: false,
                details: Vec::new(),
                next_retry_delay: None,
                benign: false,
                source,
                cause: None,
            })),
        }
    }

    /// Sets the failure's type (Python's `ApplicationError.type`), which retry policies can list
    /// as non-retryable.
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        if let Kind::Application(app) = &mut self.kind {
            app.error_type = error_type.into();
        }
        self
    }

    /// Marks the failure as non-retryable: the activity is not attempted again.
    pub fn non_retryable(mut self) -> Self {
        if let Kind::Application(app) = &mut self.kind {
            app.non_retryable = true;
        }
        self
    }

    /// Attaches details, encoded with the default payload converter. Repeated calls append.
    /// A value that cannot be encoded is replaced by a string that says why.
    pub fn with_details<T: Serialize + ?Sized>(mut self, details: &T) -> Self {
        let payload = to_payload(details).unwrap_or_else(|err| {
            to_payload(&format!("<details could not be encoded: {err}>"))
                .expect("a string always encodes")
        });
        match &mut self.kind {
            Kind::Application(app) => app.details.push(payload),
            Kind::Cancelled { details } => details.push(payload),
            Kind::CompleteAsync => {}
        }
        self
    }

    /// Asks the server to wait this long before the next attempt, overriding the retry policy's
    /// backoff for this one failure.
    pub fn next_retry_delay(mut self, delay: Duration) -> Self {
        if let Kind::Application(app) = &mut self.kind {
            app.next_retry_delay = Some(delay);
        }
        self
    }

    /// Marks the failure as benign: expected, logged at a lower level and not counted as an error
    /// in metrics.
    pub fn benign(mut self) -> Self {
        if let Kind::Application(app) = &mut self.kind {
            app.benign = true;
        }
        self
    }

    /// The message, or a fixed text for cancellations and async completion.
    pub fn message(&self) -> &str {
        match &self.kind {
            Kind::Application(app) => &app.message,
            Kind::Cancelled { .. } => "activity cancelled",
            Kind::CompleteAsync => "activity will complete asynchronously",
        }
    }

    /// The failure type, empty when none was set.
    pub fn error_type(&self) -> &str {
        match &self.kind {
            Kind::Application(app) => &app.error_type,
            Kind::Cancelled { .. } | Kind::CompleteAsync => "",
        }
    }

    /// Whether the failure stops retries.
    pub fn is_non_retryable(&self) -> bool {
        matches!(&self.kind, Kind::Application(app) if app.non_retryable)
    }

    /// Whether this is a cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled { .. })
    }

    /// Whether this asks for asynchronous completion.
    pub fn is_complete_async(&self) -> bool {
        matches!(self.kind, Kind::CompleteAsync)
    }

    /// What the worker sends to Temporal for this error.
    pub(crate) fn into_outcome(self) -> Outcome {
        match self.kind {
            Kind::Application(app) => Outcome::Failed(Box::new(app.into_failure())),
            Kind::Cancelled { details } => Outcome::Cancelled(details),
            Kind::CompleteAsync => Outcome::CompleteAsync,
        }
    }
}

impl ActivityError {
    /// The failure proto for an application error (cancellations and async completion become
    /// plain failures with their message).
    pub(crate) fn into_failure(self) -> Failure {
        let message = self.message().to_owned();
        match self.into_outcome() {
            Outcome::Failed(failure) => *failure,
            Outcome::Cancelled(_) | Outcome::CompleteAsync => Failure {
                message,
                ..Default::default()
            },
        }
    }
}

/// The message of a failure whose message and stack trace moved into `encoded_attributes`, as
/// every SDK's failure converter writes it with `encode_common_attributes`.
pub(crate) const ENCODED_FAILURE_MESSAGE: &str = "Encoded failure";

/// A failure's common attributes, as they travel in `encoded_attributes` (field order as Python's
/// sorted keys, so the JSON is byte for byte Python's).
#[derive(serde::Serialize, serde::Deserialize)]
struct CommonAttributes {
    #[serde(default)]
    message: String,
    #[serde(default)]
    stack_trace: String,
}

/// Moves the message and stack trace of `failure` and of each of its causes into
/// `encoded_attributes` (one payload `{"message": …, "stack_trace": …}` through `converter`), and
/// sets the message to "Encoded failure", as Python's
/// `DefaultFailureConverter(encode_common_attributes=True)` does: a codec then encodes them.
pub(crate) fn encode_common_attributes(failure: &mut Failure, converter: &PayloadConverter) {
    let mut next = Some(failure);
    while let Some(failure) = next {
        let attributes = CommonAttributes {
            message: std::mem::replace(&mut failure.message, ENCODED_FAILURE_MESSAGE.to_owned()),
            stack_trace: std::mem::take(&mut failure.stack_trace),
        };
        match converter.to_payload(&attributes) {
            Ok(payload) => failure.encoded_attributes = Some(payload),
            // Strings always encode with the SDKs' encodings; a converter of the user's own
            // that fails leaves them where they were.
            Err(_) => {
                failure.message = attributes.message;
                failure.stack_trace = attributes.stack_trace;
            }
        }
        next = failure.cause.as_deref_mut();
    }
}

/// The message and stack trace of a failure that carries them in `encoded_attributes` (already
/// through the codec), when it does and they decode.
pub(crate) fn decode_common_attributes(
    failure: &Failure,
    converter: &PayloadConverter,
) -> Option<(String, String)> {
    let payload = failure.encoded_attributes.as_ref()?;
    let attributes: CommonAttributes = converter.from_payload(payload).ok()?;
    Some((attributes.message, attributes.stack_trace))
}

/// The non-retryable `ArgumentError` of an argument that did not decode: names the activity (when
/// known), the argument's 1-based position, `what` it was decoded as, and the payload's encoding.
pub(crate) fn argument_error(
    activity_type: &str,
    position: usize,
    what: fmt::Arguments<'_>,
    payload: &Payload,
    err: PayloadError,
) -> ActivityError {
    let reason = match err {
        PayloadError::Deserialize(reason) => reason,
        other => other.to_string(),
    };
    let activity = match activity_type {
        "" => String::new(),
        name => format!("activity `{name}` "),
    };
    ActivityError::new(format!(
        "{activity}could not decode argument {} {what} from a `{}` payload: {reason}",
        position + 1,
        describe_encoding(payload),
    ))
    .with_type("ArgumentError")
    .non_retryable()
}

/// The text of a panic's payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

impl ActivityError {
    /// The error whose failure is `failure`: the inverse of [`ActivityError::into_failure`] for
    /// application failures, causes included (how a failure crosses from a child process).
    pub(crate) fn from_failure(failure: Failure) -> Self {
        let Failure {
            message,
            cause,
            failure_info,
            ..
        } = failure;
        let info = match failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info)) => info,
            _ => ApplicationFailureInfo::default(),
        };
        Self {
            kind: Kind::Application(Box::new(Application {
                message,
                error_type: info.r#type,
                non_retryable: info.non_retryable,
                details: info.details.map(|d| d.payloads).unwrap_or_default(),
                next_retry_delay: info
                    .next_retry_delay
                    .and_then(|d| Duration::try_from(d).ok()),
                benign: info.category == ApplicationErrorCategory::Benign as i32,
                source: None,
                cause,
            })),
        }
    }

    /// A cancellation with these details (from a child process).
    pub(crate) fn cancelled_with(details: Vec<Payload>) -> Self {
        Self {
            kind: Kind::Cancelled { details },
        }
    }

    /// The retryable `Panic` failure of an attempt whose function panicked with `message`.
    pub(crate) fn panicked(activity_type: &str, message: &str) -> Self {
        Self::new(format!("activity `{activity_type}` panicked: {message}")).with_type("Panic")
    }
}

/// The three ways an activity attempt can end other than success.
pub(crate) enum Outcome {
    Failed(Box<Failure>),
    Cancelled(Vec<Payload>),
    CompleteAsync,
}

impl Application {
    fn into_failure(self) -> Failure {
        let cause = self
            .source
            .as_deref()
            .and_then(|s| s.source())
            .map(|c| Box::new(cause_failure(c)))
            .or(self.cause);
        Failure {
            message: self.message,
            source: "activity-runtime".to_owned(),
            cause,
            failure_info: Some(FailureInfo::ApplicationFailureInfo(
                ApplicationFailureInfo {
                    r#type: self.error_type,
                    non_retryable: self.non_retryable,
                    details: (!self.details.is_empty()).then_some(Payloads {
                        payloads: self.details,
                    }),
                    next_retry_delay: self
                        .next_retry_delay
                        .and_then(|d| prost_types::Duration::try_from(d).ok()),
                    category: if self.benign {
                        ApplicationErrorCategory::Benign as i32
                    } else {
                        ApplicationErrorCategory::Unspecified as i32
                    },
                },
            )),
            ..Default::default()
        }
    }
}

/// A nested cause: an application failure with the error's message and no type.
fn cause_failure(err: &(dyn StdError + 'static)) -> Failure {
    Failure {
        message: err.to_string(),
        source: "activity-runtime".to_owned(),
        cause: err.source().map(|c| Box::new(cause_failure(c))),
        failure_info: Some(FailureInfo::ApplicationFailureInfo(
            ApplicationFailureInfo::default(),
        )),
        ..Default::default()
    }
}

/// The Rust type name without generic arguments, e.g. `std::io::error::Error`.
fn type_name_of<E>() -> String {
    let full = std::any::type_name::<E>();
    full.split('<').next().unwrap_or(full).to_owned()
}

impl<E> From<E> for ActivityError
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    fn from(err: E) -> Self {
        let error_type = type_name_of::<E>();
        let boxed: Box<dyn StdError + Send + Sync + 'static> = err.into();
        Self::application(boxed.to_string(), error_type, Some(boxed))
    }
}

impl fmt::Debug for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Application(app) => f
                .debug_struct("ActivityError")
                .field("message", &app.message)
                .field("type", &app.error_type)
                .field("non_retryable", &app.non_retryable)
                .field("details", &app.details.len())
                .field("next_retry_delay", &app.next_retry_delay)
                .field("benign", &app.benign)
                .field("source", &app.source)
                .finish(),
            Kind::Cancelled { details } => f
                .debug_struct("ActivityError::Cancelled")
                .field("details", &details.len())
                .finish(),
            Kind::CompleteAsync => f.write_str("ActivityError::CompleteAsync"),
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_type() {
            "" => f.write_str(self.message()),
            ty => write!(f, "{ty}: {}", self.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(err: ActivityError) -> Failure {
        match err.into_outcome() {
            Outcome::Failed(f) => *f,
            _ => panic!("expected a failure"),
        }
    }

    fn info(f: &Failure) -> &ApplicationFailureInfo {
        match &f.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(i)) => i,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn std_errors_keep_their_type_and_message() {
        let parse = "x".parse::<u32>().unwrap_err();
        let f = failure(parse.into());
        assert_eq!(f.message, "invalid digit found in string");
        assert_eq!(info(&f).r#type, "core::num::error::ParseIntError");
        assert!(!info(&f).non_retryable);
    }

    #[test]
    fn anyhow_errors_convert_with_their_context_chain() {
        fn fails() -> anyhow::Result<()> {
            let parse = "x".parse::<u32>();
            anyhow::Context::context(parse, "reading the count")?;
            Ok(())
        }
        let err: ActivityError = fails().unwrap_err().into();
        let f = failure(err);
        assert_eq!(f.message, "reading the count");
        assert_eq!(f.cause.unwrap().message, "invalid digit found in string");
    }

    #[test]
    fn strings_convert() {
        let f = failure("plain message".into());
        assert_eq!(f.message, "plain message");
    }

    #[test]
    fn builder_sets_every_field() {
        let f = failure(
            ActivityError::new("boom")
                .with_type("Boom")
                .non_retryable()
                .with_details(&42)
                .next_retry_delay(Duration::from_secs(3))
                .benign(),
        );
        let i = info(&f);
        assert_eq!(i.r#type, "Boom");
        assert!(i.non_retryable);
        assert_eq!(i.details.as_ref().unwrap().payloads[0].data, b"42");
        assert_eq!(i.next_retry_delay.unwrap().seconds, 3);
        assert_eq!(i.category, ApplicationErrorCategory::Benign as i32);
    }

    #[test]
    fn a_failure_converts_back_into_the_same_failure() {
        let parse = "x".parse::<u32>().unwrap_err();
        let with_cause = anyhow::Error::new(parse).context("reading the count");
        let original = failure(
            ActivityError::from(with_cause)
                .with_type("Boom")
                .non_retryable()
                .with_details(&42)
                .next_retry_delay(Duration::from_millis(1500))
                .benign(),
        );
        let again = failure(ActivityError::from_failure(original.clone()));
        assert_eq!(again, original);
        assert_eq!(
            again.cause.unwrap().message,
            "invalid digit found in string"
        );
    }
}
