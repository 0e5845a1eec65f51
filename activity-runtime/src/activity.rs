//! The contract between an activity and the worker: what `#[activity]` generates, written out so
//! that it can also be implemented by hand.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde::de::DeserializeOwned;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::context::ActivityContext;
use crate::error::ActivityError;
use crate::executor::Execution;
use crate::limits::PayloadLimits;
use crate::payload::{PayloadError, encoding_of, from_absent, from_payload, to_payload};
use crate::registry::Registration;

/// The future one activity attempt runs as.
pub type ActivityFuture =
    Pin<Box<dyn Future<Output = Result<ActivityOutput, ActivityError>> + Send + 'static>>;

/// An activity a [`Worker`](crate::Worker) can run.
///
/// `#[activity]` implements this trait on a companion type that has the function's name (it lives
/// in the type namespace, so the function itself is untouched) and [`activities!`](crate::activities)
/// registers it. Writing it by hand is equivalent:
///
/// ```
/// use activity_runtime::{Activity, ActivityContext, ActivityFuture, ActivityInput, ActivityOutput};
///
/// async fn say_hello(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// #[allow(non_camel_case_types)]
/// struct say_hello {}
///
/// impl Activity for say_hello {
///     const NAME: &'static str = "say_hello";
///     const FUNCTION: &'static str = concat!(module_path!(), "::say_hello");
///
///     fn invoke(_ctx: ActivityContext, input: ActivityInput) -> ActivityFuture {
///         Box::pin(async move {
///             let name: String = input.decode(0, "name", "String")?;
///             input.finish(1);
///             ActivityOutput::encode(&say_hello(name).await)
///         })
///     }
/// }
///
/// let _activities = activity_runtime::activities![say_hello];
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activity",
    label = "not an activity",
    note = "put `#[activity]` on the function, or implement `activity_runtime::Activity` by hand"
)]
pub trait Activity: 'static {
    /// The activity type name callers use.
    const NAME: &'static str;
    /// The Rust path of the function, for error messages.
    const FUNCTION: &'static str;
    /// The names of the parameters decoded from payloads, in order, for messages (empty when not
    /// known).
    const PARAMETERS: &'static [&'static str] = &[];
    /// Payload size limits: the defaults unless set with `#[activity(max_result_size = "...")]`
    /// and the like. See [`crate::limits`].
    const LIMITS: PayloadLimits = PayloadLimits::DEFAULT;
    /// Whether this is a dynamic activity (`#[activity(dynamic)]`): it serves every activity type
    /// no other registered activity has, and takes its arguments as [`RawValue`]s.
    ///
    /// [`RawValue`]: crate::RawValue
    const DYNAMIC: bool = false;
    /// Where the function runs: [`Execution::Blocking`] for a plain `fn`, which `invoke` then
    /// hands to `Executor::of(&ctx).run_blocking(..)`, so it runs on the worker's blocking pool.
    const EXECUTION: Execution = Execution::Async;

    /// Runs one attempt: decode the arguments, call the function, encode the result.
    fn invoke(ctx: ActivityContext, input: ActivityInput) -> ActivityFuture;

    /// What [`activities!`](crate::activities) lists for this activity.
    fn registration() -> Registration
    where
        Self: Sized,
    {
        Registration::of::<Self>()
    }
}

/// The encoded arguments of one activity attempt, one payload per positional parameter.
pub struct ActivityInput {
    activity_type: String,
    payloads: Vec<Payload>,
}

impl ActivityInput {
    /// The arguments `payloads` of an attempt of `activity_type`, as the worker hands them to
    /// [`Activity::invoke`]. Workers build these; build one yourself to call `invoke` directly,
    /// as the dispatch benchmarks do.
    pub fn new(activity_type: impl Into<String>, payloads: Vec<Payload>) -> Self {
        Self {
            activity_type: activity_type.into(),
            payloads,
        }
    }

    /// How many arguments the caller sent.
    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    /// Whether the caller sent no arguments.
    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    /// The raw payloads, for activities that read their arguments themselves.
    pub fn into_payloads(self) -> Vec<Payload> {
        self.payloads
    }

    /// The arguments as [`RawValue`](crate::RawValue)s that remember their position and the
    /// activity type, for decoding with the same messages as generated decoders.
    pub fn into_raw_values(self) -> Vec<crate::RawValue> {
        let activity_type: std::sync::Arc<str> = self.activity_type.into();
        self.payloads
            .into_iter()
            .enumerate()
            .map(|(position, payload)| {
                crate::RawValue::argument(payload, position, activity_type.clone())
            })
            .collect()
    }

    /// Decodes the argument at `position` (0-based) for parameter `name` of Rust type `type_label`.
    ///
    /// A missing argument decodes as `None` into an `Option` and is an error for any other type.
    /// Errors name the activity, the parameter, its position, its type and the payload's encoding.
    pub fn decode<T: DeserializeOwned>(
        &self,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<T, ActivityError> {
        let Some(payload) = self.payloads.get(position) else {
            return from_absent::<T>().ok_or_else(|| {
                ActivityError::new(format!(
                    "activity `{}` is missing required argument {} `{name}: {type_label}`: \
                     the caller sent {} argument(s)",
                    self.activity_type,
                    position + 1,
                    self.payloads.len(),
                ))
                .with_type("ArgumentError")
                .non_retryable()
            });
        };
        from_payload(payload).map_err(|err| {
            let reason = match err {
                PayloadError::Deserialize(reason) => reason,
                other => other.to_string(),
            };
            ActivityError::new(format!(
                "activity `{}` could not decode argument {} `{name}: {type_label}` from a `{}` payload: {reason}",
                self.activity_type,
                position + 1,
                encoding_of(payload),
            ))
            .with_type("ArgumentError")
            .non_retryable()
        })
    }

    /// Ends decoding: `declared` is how many parameters the activity takes. Arguments beyond
    /// those are ignored with a warning, so callers can evolve ahead of workers.
    pub fn finish(self, declared: usize) {
        if self.payloads.len() > declared {
            tracing::warn!(
                activity_type = %self.activity_type,
                declared,
                received = self.payloads.len(),
                "activity `{}` takes {declared} argument(s) but the caller sent {}; the extra ones are ignored",
                self.activity_type,
                self.payloads.len(),
            );
        }
    }
}

/// An encoded activity result.
#[derive(Debug, Clone)]
pub struct ActivityOutput {
    pub(crate) payload: Payload,
}

impl ActivityOutput {
    /// Encodes a result with the default payload converter.
    ///
    /// # Errors
    /// A non-retryable failure when the value cannot be encoded.
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Self, ActivityError> {
        to_payload(value)
            .map(|payload| Self { payload })
            .map_err(|err| {
                ActivityError::new(format!("could not encode the activity result: {err}"))
                    .with_type("PayloadError")
                    .non_retryable()
            })
    }

    /// The encoded payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The encoded payload, by value.
    pub fn into_payload(self) -> Payload {
        self.payload
    }
}

/// How generated code turns what an activity function returned into its encoded result.
///
/// `(&value).output_kind().finish(value)` picks [`FallibleOutput`] for any `Result<T, E>` and
/// [`PlainOutput`] for every other type (autoref dispatch on the concrete return type). The
/// dispatch itself has no bounds, so a `Result` is never mistaken for a plain value; the bounds sit
/// on `finish`, where a wrong type is reported with the messages of [`ActivityResultValue`] and
/// [`IntoActivityError`].
#[doc(hidden)]
pub trait ResultKind {
    fn output_kind(&self) -> FallibleOutput {
        FallibleOutput
    }
}

impl<T, E> ResultKind for Result<T, E> {}

#[doc(hidden)]
pub trait ValueKind {
    fn output_kind(&self) -> PlainOutput {
        PlainOutput
    }
}

impl<T: ?Sized> ValueKind for &T {}

#[doc(hidden)]
pub struct FallibleOutput;

impl FallibleOutput {
    pub fn finish<T, E>(self, result: Result<T, E>) -> Result<ActivityOutput, ActivityError>
    where
        T: ActivityResultValue,
        E: IntoActivityError,
    {
        match result {
            Ok(value) => ActivityOutput::encode(&value),
            Err(err) => Err(err.into_activity_error()),
        }
    }
}

#[doc(hidden)]
pub struct PlainOutput;

impl PlainOutput {
    pub fn finish<T: ActivityResultValue>(self, value: T) -> Result<ActivityOutput, ActivityError> {
        ActivityOutput::encode(&value)
    }
}

/// A value an activity can return: anything `Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an activity result: it does not implement `serde::Serialize`",
    label = "not `Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`, or return a type that implements it"
)]
pub trait ActivityResultValue: Serialize {}

impl<T: Serialize + ?Sized> ActivityResultValue for T {}

/// A parameter or result type that typed callers can both send and receive: what the official
/// `ActivityDefinition` that `#[activity]` implements needs of every input and output type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used by typed callers: it must implement both `serde::Serialize` and `serde::de::DeserializeOwned`",
    label = "not both `Serialize` and `DeserializeOwned`",
    note = "`#[activity]` implements the official `ActivityDefinition` only when every parameter and the result go both ways; derive the missing trait, or call the activity by name"
)]
pub trait TypedValue: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> TypedValue for T {}

/// An error an activity can return: anything that converts into [`ActivityError`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an activity error: it does not convert into `ActivityError`",
    label = "not convertible into `ActivityError`",
    note = "any `std::error::Error + Send + Sync + 'static`, `anyhow::Error`, `String` or `ActivityError` works"
)]
pub trait IntoActivityError {
    /// Converts the error.
    fn into_activity_error(self) -> ActivityError;
}

impl<E: Into<ActivityError>> IntoActivityError for E {
    fn into_activity_error(self) -> ActivityError {
        self.into()
    }
}
