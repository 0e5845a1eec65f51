//! What goes into and comes out of one activity attempt: the encoded arguments, the encoded
//! result, and the future an attempt runs as.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::error::{ActivityError, argument_error};
use crate::payload::{Codec, PayloadConverter, PayloadError, from_absent};
use crate::raw::RawValue;

/// The future one activity attempt runs as.
pub type ActivityFuture =
    Pin<Box<dyn Future<Output = Result<ActivityOutput, ActivityError>> + Send + 'static>>;

/// The encoded arguments of one activity attempt, one payload per positional parameter.
#[derive(Debug)]
pub struct ActivityInput {
    /// Only for messages. Borrowed when it is a registered name (every call through
    /// [`ActivityEnvironment`](crate::testing::ActivityEnvironment), and the dispatch benchmarks),
    /// so that building and dropping an input allocates and frees nothing for it.
    activity_type: Cow<'static, str>,
    payloads: Vec<Payload>,
    /// The worker's converter: decodes the arguments, and encodes the result.
    converter: PayloadConverter,
}

impl ActivityInput {
    /// The arguments `payloads` of an attempt of `activity_type`, as the worker hands them to
    /// [`Activity::invoke`](crate::Activity::invoke). Workers build these; build one yourself to call `invoke` directly,
    /// as the dispatch benchmarks do.
    ///
    /// `activity_type` is only read for error messages: pass a `&'static str` (such as
    /// [`Activity::NAME`](crate::Activity::NAME)) to keep it from being allocated, or the
    /// `String` the task came with.
    pub fn new(activity_type: impl Into<Cow<'static, str>>, payloads: Vec<Payload>) -> Self {
        Self {
            activity_type: activity_type.into(),
            payloads,
            converter: PayloadConverter::default(),
        }
    }

    /// Decodes the arguments (and encodes the result) with `converter` rather than the default.
    #[must_use]
    pub fn with_payload_converter(mut self, converter: PayloadConverter) -> Self {
        self.converter = converter;
        self
    }

    /// The payload converter of the worker that runs this attempt.
    pub fn payload_converter(&self) -> &PayloadConverter {
        &self.converter
    }

    /// How many arguments the caller sent.
    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    /// Whether the caller sent no arguments.
    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    /// The arguments' payloads, one per argument, in order.
    pub fn payloads(&self) -> &[Payload] {
        &self.payloads
    }

    /// The arguments' payloads, to change before the activity decodes them (from an
    /// interceptor, through `Attempt::input_mut`).
    pub fn payloads_mut(&mut self) -> &mut Vec<Payload> {
        &mut self.payloads
    }

    /// The raw payloads, for activities that read their arguments themselves.
    pub fn into_payloads(self) -> Vec<Payload> {
        self.payloads
    }

    /// The arguments as [`RawValue`](crate::RawValue)s that remember their position and the
    /// activity type, for decoding with the same messages as generated decoders.
    pub fn into_raw_values(self) -> Vec<RawValue> {
        let activity_type: Arc<str> = Arc::from(&*self.activity_type);
        self.payloads
            .into_iter()
            .enumerate()
            .map(|(position, payload)| RawValue::argument(payload, position, activity_type.clone()))
            .collect()
    }

    /// Decodes the argument at `position` (0-based) for parameter `name` of Rust type `type_label`.
    ///
    /// A missing argument decodes as `None` into an `Option` and is an error for any other type.
    /// Errors name the activity, the parameter, its position, its type and the payload's encoding.
    pub fn decode<T: DeserializeOwned + 'static>(
        &self,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<T, ActivityError> {
        self.decode_value(Codec::SERDE, position, name, type_label)
    }

    /// [`decode`](Self::decode) with the codec of `T` (a protobuf message's, in generated code).
    #[doc(hidden)]
    #[inline]
    pub fn decode_value<T: DeserializeOwned + 'static>(
        &self,
        codec: Codec<T>,
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
        self.converter.decode_with(payload, codec).map_err(|err| {
            argument_error(
                &self.activity_type,
                position,
                format_args!("`{name}: {type_label}`"),
                payload,
                err,
            )
        })
    }

    /// Ends decoding: `declared` is how many parameters the activity takes. Arguments beyond
    /// those are ignored with a warning, so callers can evolve ahead of workers. Returns the
    /// worker's payload converter, which encodes the result.
    #[inline]
    pub fn finish(self, declared: usize) -> PayloadConverter {
        if self.payloads.len() > declared {
            self.warn_extra_arguments(declared);
        }
        self.converter
    }

    #[cold]
    fn warn_extra_arguments(&self, declared: usize) {
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
        Self::encoded(PayloadConverter::default().to_payload(value))
    }

    /// Encodes a result with `converter`; `codec` says whether it is a protobuf message (from
    /// generated code).
    #[doc(hidden)]
    #[inline]
    pub fn encode_with<T: Serialize>(
        value: &T,
        codec: Codec<T>,
        converter: &PayloadConverter,
    ) -> Result<Self, ActivityError> {
        Self::encoded(converter.encode_result(value, codec))
    }

    #[inline]
    fn encoded(payload: Result<Payload, PayloadError>) -> Result<Self, ActivityError> {
        payload.map(|payload| Self { payload }).map_err(|err| {
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
