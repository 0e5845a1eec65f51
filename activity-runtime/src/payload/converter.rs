//! The payload converter as a value: the chain of encodings the SDKs share, to which a user adds
//! encodings of their own.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::message::{Codec, ProtoMessage};
use super::{
    BINARY_NULL, BINARY_PLAIN, BINARY_PROTOBUF, JSON_METADATA, JSON_PLAIN, JSON_PROTOBUF,
    NULL_METADATA, PLAIN_METADATA, Payload, PayloadError, Probed, Special, TopLevelProbe,
    decode_argument, encoding_bytes, from_payload, message, payload, to_payload,
};

/// The error type of [`EncodingConverter`]s.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One encoding of a [`PayloadConverter`] chain, written by the user: MessagePack, CBOR, a schema
/// registry's format. It works through serde, so it takes every type an activity takes.
///
/// ```
/// use activity_runtime::payload::{BoxError, EncodingConverter, Target, Value};
///
/// /// JSON under another name: what a converter of your own looks like.
/// #[derive(Debug)]
/// struct Yaml;
///
/// impl EncodingConverter for Yaml {
///     fn encoding(&self) -> &str {
///         "text/json-again"
///     }
///     fn encode(&self, value: Value<'_>) -> Result<Option<Vec<u8>>, BoxError> {
///         Ok(Some(serde_json::to_vec(&value)?))
///     }
///     fn decode(&self, data: &[u8], target: Target<'_>) -> Result<(), BoxError> {
///         target.deserialize(&mut serde_json::Deserializer::from_slice(data))
///     }
/// }
///
/// let converter = activity_runtime::PayloadConverter::default().with(Yaml);
/// let payload = converter.to_payload(&[1, 2]).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"text/json-again");
/// assert_eq!(converter.from_payload::<Vec<u8>>(&payload).unwrap(), [1, 2]);
/// ```
pub trait EncodingConverter: Send + Sync + fmt::Debug + 'static {
    /// The `encoding` metadata this converter writes, and by which payloads are routed to it.
    fn encoding(&self) -> &str;

    /// Encodes `value`, or returns `None` to leave it to the next encoding of the chain.
    ///
    /// # Errors
    /// When the value cannot be encoded (the call fails; the chain does not go on).
    fn encode(&self, value: Value<'_>) -> Result<Option<Vec<u8>>, BoxError>;

    /// Decodes `data` by handing a deserializer of it to `target`.
    ///
    /// # Errors
    /// When the data does not decode, or does not fit the target's type.
    fn decode(&self, data: &[u8], target: Target<'_>) -> Result<(), BoxError>;
}

/// A value to encode, as an [`EncodingConverter`] sees it: anything `Serialize`.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    value: &'a dyn erased_serde::Serialize,
    message_type: Option<&'a str>,
}

impl Value<'_> {
    /// The protobuf message's full name, when the value is a (pbjson) protobuf message.
    pub fn message_type(&self) -> Option<&str> {
        self.message_type
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("message_type", &self.message_type)
            .finish_non_exhaustive()
    }
}

impl Serialize for Value<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(self.value, serializer)
    }
}

type Sink<'a> =
    &'a mut dyn FnMut(&mut dyn erased_serde::Deserializer<'_>) -> Result<(), erased_serde::Error>;

/// Where an [`EncodingConverter`] decodes to: the type the activity's parameter (or the caller)
/// asked for.
pub struct Target<'a> {
    sink: Sink<'a>,
}

impl fmt::Debug for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target").finish_non_exhaustive()
    }
}

impl Target<'_> {
    /// Deserializes the target's type from `deserializer`.
    ///
    /// # Errors
    /// The deserializer's, when the data does not fit the type.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<(), BoxError> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        (self.sink)(&mut erased).map_err(Into::into)
    }
}

/// The payload converter: the chain of encodings every Temporal SDK's default converter has, in
/// their order (`binary/null`, `binary/plain`, `json/protobuf`, `binary/protobuf`, `json/plain`),
/// plus encodings of your own. The first encoding that takes a value encodes it; a payload is
/// decoded by the encoding its metadata names.
///
/// Set it on the worker ([`WorkerBuilder::payload_converter`]) and the client
/// ([`ConnectOptions::payload_converter`]); [`ActivityContext::payload_converter`] returns the
/// worker's. The default is the SDKs' chain, byte for byte, on a path of its own (no lookups).
///
/// [`WorkerBuilder::payload_converter`]: crate::WorkerBuilder::payload_converter
/// [`ConnectOptions::payload_converter`]: crate::connection::ConnectOptions::payload_converter
/// [`ActivityContext::payload_converter`]: crate::ActivityContext::payload_converter
#[derive(Clone, Default)]
pub struct PayloadConverter {
    /// `None`: the default chain.
    chain: Option<Arc<Chain>>,
}

/// A chain other than the default.
struct Chain {
    slots: Box<[Slot]>,
    /// Whether a protobuf message goes to `binary/protobuf` without asking the chain: the first
    /// encoding that could take a message is `binary/protobuf` (`binary/null` and `binary/plain`
    /// never take one). Decided once, so that such a worker's results skip the chain.
    messages_as_binary: bool,
    /// Whether the chain has encodings of the user's (else no payload is looked up in it).
    has_custom: bool,
}

impl Chain {
    fn new(slots: Vec<Slot>) -> Self {
        let messages_as_binary = slots
            .iter()
            .find(|slot| !matches!(slot, Slot::Builtin(BINARY_NULL | BINARY_PLAIN)))
            .is_some_and(|slot| matches!(slot, Slot::Builtin(BINARY_PROTOBUF)));
        Self {
            has_custom: slots.iter().any(|slot| matches!(slot, Slot::Custom(_))),
            slots: slots.into(),
            messages_as_binary,
        }
    }
}

#[derive(Clone)]
enum Slot {
    Builtin(&'static str),
    Custom(Arc<dyn EncodingConverter>),
}

impl Slot {
    fn encoding(&self) -> &str {
        match self {
            Slot::Builtin(encoding) => encoding,
            Slot::Custom(converter) => converter.encoding(),
        }
    }
}

const DEFAULT_CHAIN: [&str; 5] = [
    BINARY_NULL,
    BINARY_PLAIN,
    JSON_PROTOBUF,
    BINARY_PROTOBUF,
    JSON_PLAIN,
];

impl fmt::Debug for PayloadConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadConverter")
            .field("encodings", &self.encodings())
            .finish()
    }
}

impl PayloadConverter {
    /// The encodings of the chain, in the order they are tried.
    pub fn encodings(&self) -> Vec<String> {
        self.slots()
            .iter()
            .map(|s| s.encoding().to_owned())
            .collect()
    }

    fn slots(&self) -> Vec<Slot> {
        match &self.chain {
            Some(chain) => chain.slots.to_vec(),
            None => DEFAULT_CHAIN.iter().map(|e| Slot::Builtin(e)).collect(),
        }
    }

    fn with_slots(slots: Vec<Slot>) -> Self {
        let default = slots.len() == DEFAULT_CHAIN.len()
            && slots
                .iter()
                .zip(DEFAULT_CHAIN)
                .all(|(slot, encoding)| matches!(slot, Slot::Builtin(e) if *e == encoding));
        Self {
            chain: (!default).then(|| Arc::new(Chain::new(slots))),
        }
    }

    /// Adds `converter` before `json/plain` (at the end when there is none): it takes the values
    /// JSON would take, unless it leaves them (by returning `None`). An encoding already in the
    /// chain is replaced.
    #[must_use]
    pub fn with(self, converter: impl EncodingConverter) -> Self {
        let converter = Slot::Custom(Arc::new(converter));
        let mut slots = self.slots();
        slots.retain(|s| s.encoding() != converter.encoding());
        let at = slots
            .iter()
            .position(|s| s.encoding() == JSON_PLAIN)
            .unwrap_or(slots.len());
        slots.insert(at, converter);
        Self::with_slots(slots)
    }

    /// Adds `converter` first: it is asked about every value before the SDKs' encodings. An
    /// encoding already in the chain is replaced.
    #[must_use]
    pub fn prepend(self, converter: impl EncodingConverter) -> Self {
        let converter = Slot::Custom(Arc::new(converter));
        let mut slots = self.slots();
        slots.retain(|s| s.encoding() != converter.encoding());
        slots.insert(0, converter);
        Self::with_slots(slots)
    }

    /// Replaces the encoding `encoding` (one of the SDKs', or one added before) with `converter`,
    /// at its place in the chain; adds it as [`with`](Self::with) does when there is none.
    #[must_use]
    pub fn replace(self, encoding: &str, converter: impl EncodingConverter) -> Self {
        let mut slots = self.slots();
        match slots.iter().position(|s| s.encoding() == encoding) {
            Some(at) => {
                slots[at] = Slot::Custom(Arc::new(converter));
                Self::with_slots(slots)
            }
            None => Self::with_slots(slots).with(converter),
        }
    }

    /// Removes `encoding` from the chain: values go to the next encoding that takes them. The
    /// SDKs' encodings are still decoded (payloads from callers that use them).
    #[must_use]
    pub fn without(self, encoding: &str) -> Self {
        let mut slots = self.slots();
        slots.retain(|s| s.encoding() != encoding);
        Self::with_slots(slots)
    }

    /// Protobuf messages as `binary/protobuf` rather than `json/protobuf` (the same as
    /// `.without("json/protobuf")`).
    #[must_use]
    pub fn binary_protobuf(self) -> Self {
        self.without(JSON_PROTOBUF)
    }

    /// Whether this is the SDKs' default chain.
    pub fn is_default(&self) -> bool {
        self.chain.is_none()
    }

    /// Encodes a value: the first encoding of the chain that takes it.
    ///
    /// # Errors
    /// When the value cannot be serialized, or no encoding takes it.
    pub fn to_payload<T: Serialize + ?Sized>(&self, value: &T) -> Result<Payload, PayloadError> {
        match &self.chain {
            None => to_payload(value),
            Some(chain) => encode_in(&chain.slots, value, &|| None),
        }
    }

    /// Decodes a payload into `T`, by the encoding its metadata names.
    ///
    /// # Errors
    /// When the payload does not decode into `T`, or its encoding is not in the chain.
    pub fn from_payload<T: DeserializeOwned>(&self, payload: &Payload) -> Result<T, PayloadError> {
        match self.custom(encoding_bytes(payload)) {
            Some(converter) => decode_custom(converter, payload),
            None => from_payload(payload),
        }
    }

    /// Encodes a protobuf message: `json/protobuf` unless the chain prefers `binary/protobuf`.
    ///
    /// # Errors
    /// When no encoding takes it, or one fails.
    pub fn encode_message<M: ProtoMessage>(&self, message: &M) -> Result<Payload, PayloadError> {
        match &self.chain {
            None => message::to_message_payload(message, false),
            Some(chain) => encode_in(&chain.slots, message, &|| {
                message::to_message_payload(message, true).ok()
            }),
        }
    }

    /// Decodes a payload into protobuf message `M`: `json/protobuf` and `binary/protobuf` (its
    /// `messageType` checked), or any other encoding of the chain.
    ///
    /// # Errors
    /// When the payload holds another message, or does not decode.
    pub fn decode_message<M: ProtoMessage>(&self, payload: &Payload) -> Result<M, PayloadError> {
        self.decode_with(payload, Codec::<M>::message())
    }

    /// Decodes a result: its first payload, or "no value" (unit, `None`) when there is none.
    pub(crate) fn decode_result<T: DeserializeOwned>(
        &self,
        payloads: &[Payload],
    ) -> Result<T, PayloadError> {
        match payloads.first() {
            Some(first) => self.from_payload(first),
            None => super::from_result_payloads(payloads),
        }
    }

    /// Decodes an argument of type `T` with `T`'s codec (from generated code).
    #[inline]
    pub(crate) fn decode_with<T: DeserializeOwned + 'static>(
        &self,
        payload: &Payload,
        codec: Codec<T>,
    ) -> Result<T, PayloadError> {
        let encoding = encoding_bytes(payload);
        if let Some(converter) = self.custom(encoding) {
            return decode_custom(converter, payload);
        }
        if codec.is_message()
            || encoding == Some(BINARY_PROTOBUF.as_bytes())
            || encoding == Some(JSON_PROTOBUF.as_bytes())
        {
            codec.decode_message_as(payload, encoding)
        } else {
            decode_argument(payload, encoding)
        }
    }

    /// Encodes an activity's result (from generated code, which knows whether it is a message).
    #[inline]
    pub(crate) fn encode_result<T: Serialize>(
        &self,
        value: &T,
        codec: Codec<T>,
    ) -> Result<Payload, PayloadError> {
        match &self.chain {
            None => to_payload(value),
            Some(chain) => match chain
                .messages_as_binary
                .then(|| codec.encode_binary(value))
                .flatten()
            {
                Some(payload) => Ok(payload),
                None => encode_in(&chain.slots, value, &|| codec.encode_binary(value)),
            },
        }
    }

    /// The added encoding that reads payloads of `encoding`, if any.
    #[inline]
    fn custom(&self, encoding: Option<&[u8]>) -> Option<&dyn EncodingConverter> {
        let chain = self.chain.as_deref().filter(|chain| chain.has_custom)?;
        let encoding = encoding?;
        chain.slots.iter().find_map(|slot| match slot {
            Slot::Custom(converter) if converter.encoding().as_bytes() == encoding => {
                Some(&**converter)
            }
            _ => None,
        })
    }
}

/// Encodes `value` with the first encoding of `chain` that takes it. `binary` is the value as a
/// protobuf message in the binary format, when it is a prost message.
fn encode_in<T: Serialize + ?Sized>(
    chain: &[Slot],
    value: &T,
    binary: &dyn Fn() -> Option<Payload>,
) -> Result<Payload, PayloadError> {
    let probe = value.serialize(TopLevelProbe);
    let message_type = match &probe {
        Err(Probed::Message(name)) => Some(*name),
        _ => None,
    };
    for slot in chain {
        match (slot, &probe) {
            (Slot::Builtin(BINARY_NULL), Ok(Special::Null)) => {
                return Ok(payload(&NULL_METADATA, Vec::new()));
            }
            (Slot::Builtin(BINARY_PLAIN), Ok(Special::Bytes(bytes))) => {
                return Ok(payload(&PLAIN_METADATA, bytes.clone()));
            }
            (Slot::Builtin(JSON_PROTOBUF), Err(Probed::Message(name))) => {
                return serde_json::to_vec(value)
                    .map(|json| message::payload(JSON_PROTOBUF, name.as_bytes().to_vec(), json))
                    .map_err(PayloadError::Serialize);
            }
            (Slot::Builtin(BINARY_PROTOBUF), _) => {
                if let Some(payload) = binary() {
                    return Ok(payload);
                }
            }
            (Slot::Builtin(JSON_PLAIN), _) => {
                return serde_json::to_vec(value)
                    .map(|json| payload(&JSON_METADATA, json))
                    .map_err(PayloadError::Serialize);
            }
            (Slot::Custom(converter), _) => {
                let erased: &dyn erased_serde::Serialize = &value;
                let value = Value {
                    value: erased,
                    message_type,
                };
                let data = converter
                    .encode(value)
                    .map_err(|source| PayloadError::Converter {
                        encoding: converter.encoding().to_owned(),
                        source,
                    })?;
                if let Some(data) = data {
                    let mut encoded = Payload::default();
                    encoded.metadata.insert(
                        super::ENCODING_KEY.to_owned(),
                        converter.encoding().as_bytes().to_vec(),
                    );
                    encoded.data = data;
                    return Ok(encoded);
                }
            }
            _ => {}
        }
    }
    Err(PayloadError::Converter {
        encoding: "<none>".to_owned(),
        source: "no encoding of the payload converter's chain takes the value".into(),
    })
}

fn decode_custom<T: DeserializeOwned>(
    converter: &dyn EncodingConverter,
    payload: &Payload,
) -> Result<T, PayloadError> {
    let mut out = None;
    let mut sink = |deserializer: &mut dyn erased_serde::Deserializer<'_>| {
        out = Some(erased_serde::deserialize::<T>(deserializer)?);
        Ok(())
    };
    converter
        .decode(&payload.data, Target { sink: &mut sink })
        .map_err(|source| PayloadError::Converter {
            encoding: converter.encoding().to_owned(),
            source,
        })?;
    out.ok_or_else(|| PayloadError::Converter {
        encoding: converter.encoding().to_owned(),
        source: "the converter did not deserialize the value".into(),
    })
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::payload::{Bytes, encoding_of};

    /// JSON under another encoding name, with `null` left to the chain.
    #[derive(Debug)]
    struct Tagged;

    impl EncodingConverter for Tagged {
        fn encoding(&self) -> &str {
            "json/tagged"
        }
        fn encode(&self, value: Value<'_>) -> Result<Option<Vec<u8>>, BoxError> {
            Ok(Some(serde_json::to_vec(&value)?))
        }
        fn decode(&self, data: &[u8], target: Target<'_>) -> Result<(), BoxError> {
            target.deserialize(&mut serde_json::Deserializer::from_slice(data))
        }
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Order {
        id: u32,
        items: Vec<String>,
    }

    #[test]
    fn the_default_chain_is_the_sdks_order() {
        let converter = PayloadConverter::default();
        assert!(converter.is_default());
        assert_eq!(
            converter.encodings(),
            [
                "binary/null",
                "binary/plain",
                "json/protobuf",
                "binary/protobuf",
                "json/plain"
            ]
        );
        // Removing and re-adding nothing is still the default.
        assert!(!converter.clone().binary_protobuf().is_default());
    }

    #[test]
    fn an_added_encoding_takes_what_json_would_and_reads_its_own_payloads() {
        let converter = PayloadConverter::default().with(Tagged);
        assert_eq!(
            converter.encodings(),
            [
                "binary/null",
                "binary/plain",
                "json/protobuf",
                "binary/protobuf",
                "json/tagged",
                "json/plain"
            ]
        );
        let order = Order {
            id: 7,
            items: vec!["a".into()],
        };
        let payload = converter.to_payload(&order).unwrap();
        assert_eq!(encoding_of(&payload), "json/tagged");
        assert_eq!(payload.data, br#"{"id":7,"items":["a"]}"#);
        assert_eq!(converter.from_payload::<Order>(&payload).unwrap(), order);
        // The SDKs' encodings still come first for what they take, and still decode.
        assert_eq!(
            encoding_of(&converter.to_payload(&()).unwrap()),
            "binary/null"
        );
        assert_eq!(
            encoding_of(&converter.to_payload(&Bytes(vec![1])).unwrap()),
            "binary/plain"
        );
        let json = to_payload(&order).unwrap();
        assert_eq!(converter.from_payload::<Order>(&json).unwrap(), order);
        // A type error names the converter.
        let err = converter
            .from_payload::<String>(&payload)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the `json/tagged` converter failed: invalid type: map"),
            "{err}"
        );
        // Without it, its payloads are an unknown encoding.
        let err = PayloadConverter::default()
            .from_payload::<Order>(&payload)
            .unwrap_err();
        assert!(matches!(err, PayloadError::UnsupportedEncoding(_)), "{err}");
    }

    #[test]
    fn replace_and_prepend_put_the_encoding_where_asked() {
        let replaced = PayloadConverter::default().replace(JSON_PLAIN, Tagged);
        assert_eq!(
            replaced.encodings(),
            [
                "binary/null",
                "binary/plain",
                "json/protobuf",
                "binary/protobuf",
                "json/tagged"
            ]
        );
        let first = PayloadConverter::default().prepend(Tagged);
        assert_eq!(first.encodings()[0], "json/tagged");
        assert_eq!(encoding_of(&first.to_payload(&()).unwrap()), "json/tagged");
        let none = PayloadConverter::default().without(JSON_PLAIN);
        assert!(none.to_payload(&1).is_err());
    }
}
