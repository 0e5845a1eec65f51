//! Arguments kept as they arrived, for dynamic activities.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::error::{ActivityError, argument_error};
use crate::payload::{
    Payload, PayloadConverter, PayloadError, ProtoMessage, encoding_of, from_message_payload,
    from_payload,
};

/// One argument as the caller encoded it: its encoding, data and metadata, decoded on demand.
///
/// A dynamic activity (`#[activity(dynamic)]`) receives its arguments as a `Vec<RawValue>`:
///
/// ```
/// use activity_runtime::{ActivityContext, ActivityError, RawValue, activity};
///
/// #[activity(dynamic)]
/// async fn fallback(ctx: ActivityContext, args: Vec<RawValue>) -> Result<String, ActivityError> {
///     let name: String = match args.first() {
///         Some(arg) => arg.decode()?,
///         None => "nobody".to_owned(),
///     };
///     Ok(format!("{} called for {name}", ctx.info().activity_type))
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RawValue {
    payload: Payload,
    /// 0-based position among the call's arguments.
    position: usize,
    /// The activity type the call named, for messages.
    activity_type: Arc<str>,
}

impl RawValue {
    /// Wraps a payload (position 0 of an unnamed activity, for messages).
    pub fn new(payload: Payload) -> Self {
        Self {
            payload,
            position: 0,
            activity_type: Arc::from(""),
        }
    }

    pub(crate) fn argument(payload: Payload, position: usize, activity_type: Arc<str>) -> Self {
        Self {
            payload,
            position,
            activity_type,
        }
    }

    /// The payload's `encoding` metadata (`json/plain`, `binary/plain`, `binary/null`, …).
    pub fn encoding(&self) -> &str {
        encoding_of(&self.payload)
    }

    /// The encoded bytes.
    pub fn data(&self) -> &[u8] {
        &self.payload.data
    }

    /// All metadata of the payload.
    pub fn metadata(&self) -> &HashMap<String, Vec<u8>> {
        &self.payload.metadata
    }

    /// The payload itself.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// Unwraps the payload.
    pub fn into_payload(self) -> Payload {
        self.payload
    }

    /// Decodes the value into `T` with the default payload converter.
    ///
    /// # Errors
    /// A non-retryable `ArgumentError` naming the activity, the argument's position, the Rust
    /// type and the payload's encoding, as for the arguments of ordinary activities.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ActivityError> {
        from_payload(&self.payload)
            .map_err(|err| self.argument_error(std::any::type_name::<T>(), err))
    }

    /// Decodes the value into protobuf message `M`, from `json/protobuf` or `binary/protobuf`
    /// (checking the payload's `messageType`) or any encoding [`decode`](Self::decode) reads.
    ///
    /// # Errors
    /// As [`decode`](Self::decode); a payload that holds another message names both.
    pub fn decode_message<M: ProtoMessage>(&self) -> Result<M, ActivityError> {
        from_message_payload(&self.payload)
            .map_err(|err| self.argument_error(std::any::type_name::<M>(), err))
    }

    fn argument_error(&self, type_name: &str, err: PayloadError) -> ActivityError {
        argument_error(
            &self.activity_type,
            self.position,
            format_args!("into `{type_name}`"),
            &self.payload,
            err,
        )
    }
}

impl From<Payload> for RawValue {
    fn from(payload: Payload) -> Self {
        Self::new(payload)
    }
}

impl PayloadConverter {
    /// Decodes a [`RawValue`] into `T` (the same as [`RawValue::decode`]).
    ///
    /// # Errors
    /// As [`RawValue::decode`].
    pub fn decode<T: DeserializeOwned>(&self, value: &RawValue) -> Result<T, ActivityError> {
        self.from_payload(&value.payload)
            .map_err(|err| value.argument_error(std::any::type_name::<T>(), err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::to_payload;

    #[test]
    fn decodes_typed_and_names_what_failed() {
        let raw = RawValue::argument(to_payload("seven").unwrap(), 1, Arc::from("anything"));
        assert_eq!(raw.encoding(), "json/plain");
        assert_eq!(raw.data(), br#""seven""#);
        assert_eq!(raw.decode::<String>().unwrap(), "seven");
        let err = raw.decode::<u32>().unwrap_err();
        assert_eq!(err.error_type(), "ArgumentError");
        assert_eq!(
            err.message(),
            "activity `anything` could not decode argument 2 into `u32` from a `json/plain` \
             payload: invalid type: string \"seven\", expected u32 at line 1 column 7"
        );
    }
}
