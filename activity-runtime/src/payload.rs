//! Payload conversion, byte-compatible with the other Temporal SDKs' default converters.
//!
//! | Rust value                                   | `encoding` metadata | data            |
//! |----------------------------------------------|---------------------|-----------------|
//! | `()`, `None`                                 | `binary/null`       | empty           |
//! | [`Bytes`] (anything serialized as bytes)     | `binary/plain`      | the raw bytes   |
//! | a protobuf message (prost + pbjson)          | `json/protobuf`, `messageType` | proto3 JSON |
//! | everything else that is `Serialize`          | `json/plain`        | compact JSON    |
//!
//! Decoding accepts those encodings and `binary/protobuf` (into a prost message). A
//! `binary/plain` payload (a Python `bytes`) decodes into any type that accepts bytes or a
//! sequence of `u8`: `Vec<u8>`, [`Bytes`], `[u8; N]`, …
//!
//! [`PayloadConverter`] is that chain as a value: add an encoding of your own to it, or ask for
//! `binary/protobuf`, and set it on the worker and the client. See the guide's chapter
//! "Payloads and converters".

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer};
use serde::ser::{self, Serialize};
pub use temporalio_common::protos::temporal::api::common::v1::Payload;

mod converter;
mod message;

pub use converter::{BoxError, EncodingConverter, PayloadConverter, Target, Value};
#[doc(hidden)]
pub use message::{Codec, MessageWire, SerdeWire, Wire};
pub use message::{ProtoMessage, from_message_payload, to_message_payload};

/// Metadata key that names a payload's encoding.
pub(crate) const ENCODING_KEY: &str = "encoding";
/// `encoding` of JSON payloads.
pub const JSON_PLAIN: &str = "json/plain";
/// `encoding` of `None` / `()` payloads.
pub const BINARY_NULL: &str = "binary/null";
/// `encoding` of raw byte payloads.
pub const BINARY_PLAIN: &str = "binary/plain";
/// `encoding` of protobuf messages in the proto3 JSON mapping (with [`MESSAGE_TYPE_KEY`]).
pub const JSON_PROTOBUF: &str = "json/protobuf";
/// `encoding` of protobuf messages in the protobuf binary format (with [`MESSAGE_TYPE_KEY`]).
pub const BINARY_PROTOBUF: &str = "binary/protobuf";
/// Metadata key of protobuf payloads that names the message's full name
/// (`temporal.api.common.v1.WorkflowExecution`), as every SDK writes it.
pub const MESSAGE_TYPE_KEY: &str = "messageType";

/// Raw bytes that cross the wire as a `binary/plain` payload, which Python receives as `bytes`.
///
/// A plain `Vec<u8>` *parameter* already accepts `binary/plain` payloads; return (or nest) a
/// `Bytes` when the other side must see bytes rather than a JSON array of numbers. Either is one
/// copy of the payload as a parameter; inside another type (`Option<Bytes>`), prefer `Bytes`,
/// which serde decodes in one piece where it fills a `Vec<u8>` byte by byte.
///
/// ```
/// use activity_runtime::{Bytes, activity};
///
/// /// Python calls it with `bytes` and gets `bytes` back.
/// #[activity]
/// async fn first_block(data: Vec<u8>) -> Bytes {
///     Bytes::from(data[..data.len().min(512)].to_vec())
/// }
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// Wraps a byte vector.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// Returns the bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl std::ops::Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<Bytes> for Vec<u8> {
    fn from(bytes: Bytes) -> Self {
        bytes.0
    }
}

impl Serialize for Bytes {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> de::Deserialize<'de> for Bytes {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> de::Visitor<'de> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes or a sequence of u8")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(byte) = seq.next_element::<u8>()? {
                    out.push(byte);
                }
                Ok(Bytes(out))
            }
        }
        deserializer.deserialize_byte_buf(BytesVisitor)
    }
}

/// Why a value could not be turned into a payload or back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The value could not be serialized to JSON.
    #[error("could not serialize the value to JSON: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The payload's data does not fit the requested type.
    #[error("{0}")]
    Deserialize(String),
    /// The payload carries an encoding this converter does not read.
    #[error(
        "unsupported payload encoding `{0}` (this converter reads `binary/null`, `binary/plain`, \
         `json/protobuf`, `binary/protobuf` and `json/plain`, and the encodings added to it; \
         an encrypted or compressed payload needs the matching codec)"
    )]
    UnsupportedEncoding(String),
    /// A protobuf payload holds another message than the one asked for.
    #[error("the payload holds a `{sent}` message, not a `{expected}`")]
    WrongMessageType {
        /// The payload's `messageType`.
        sent: String,
        /// The full name of the message it was decoded into.
        expected: String,
    },
    /// An encoding added to the converter failed.
    #[error("the `{encoding}` converter failed: {source}")]
    Converter {
        /// The converter's encoding.
        encoding: String,
        /// Its error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The encoded value is over a size limit (see [`crate::limits`]).
    #[error(transparent)]
    TooLarge(Box<crate::limits::PayloadsTooLarge>),
}

/// An argument of an activity call that could not be encoded.
#[derive(Debug, thiserror::Error)]
#[error("could not encode argument {position}: {source}")]
#[non_exhaustive]
pub struct ArgumentEncodeError {
    /// 1-based position of the argument.
    pub position: usize,
    /// Why it could not be encoded.
    #[source]
    pub source: PayloadError,
}

/// Arguments of an activity call: a tuple of `Serialize` values, one payload each (or payloads
/// that are already encoded).
pub trait ActivityArgs {
    /// Encodes the arguments in order.
    ///
    /// # Errors
    /// When an argument cannot be encoded.
    fn into_payloads(self) -> Result<Vec<Payload>, ArgumentEncodeError>
    where
        Self: Sized,
    {
        self.into_payloads_with(&PayloadConverter::default())
    }

    /// Encodes the arguments in order with `converter`.
    ///
    /// # Errors
    /// When an argument cannot be encoded.
    fn into_payloads_with(
        self,
        converter: &PayloadConverter,
    ) -> Result<Vec<Payload>, ArgumentEncodeError>;
}

macro_rules! tuple_args {
    ($($name:ident $pos:tt),*) => {
        impl<$($name: Serialize),*> ActivityArgs for ($($name,)*) {
            #[allow(unused_variables, clippy::unused_unit)]
            fn into_payloads_with(
                self,
                converter: &PayloadConverter,
            ) -> Result<Vec<Payload>, ArgumentEncodeError> {
                Ok(vec![$(
                    converter.to_payload(&self.$pos).map_err(|source| ArgumentEncodeError {
                        position: $pos + 1,
                        source,
                    })?,
                )*])
            }
        }
    };
}

tuple_args!();
tuple_args!(A 0);
tuple_args!(A 0, B 1);
tuple_args!(A 0, B 1, C 2);
tuple_args!(A 0, B 1, C 2, D 3);
tuple_args!(A 0, B 1, C 2, D 3, E 4);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);

/// Already-encoded payloads, sent as they are.
impl ActivityArgs for Vec<Payload> {
    fn into_payloads_with(self, _: &PayloadConverter) -> Result<Vec<Payload>, ArgumentEncodeError> {
        Ok(self)
    }
}

/// Encodes one value as a payload, the way every Temporal SDK's default converter does.
pub fn to_payload<T: Serialize + ?Sized>(value: &T) -> Result<Payload, PayloadError> {
    match value.serialize(TopLevelProbe) {
        Ok(Special::Null) => Ok(payload(&NULL_METADATA, Vec::new())),
        Ok(Special::Bytes(bytes)) => Ok(payload(&PLAIN_METADATA, bytes)),
        Err(Probed::Json) => serde_json::to_vec(value)
            .map(|json| payload(&JSON_METADATA, json))
            .map_err(PayloadError::Serialize),
        Err(Probed::Message(name)) => serde_json::to_vec(value)
            .map(|json| message::payload(JSON_PROTOBUF, name.as_bytes().to_vec(), json))
            .map_err(PayloadError::Serialize),
    }
}

/// Whether a serde struct name is a protobuf message's full name (pbjson names them so).
fn is_message_name(name: &str) -> bool {
    // A byte loop: every struct result's name goes through here, and `str::contains` sets up a
    // searcher that costs more than scanning a short name.
    name.bytes().any(|b| b == b'.')
}

/// Decodes an activity's argument: [`from_payload`], with one exception. A `Vec<u8>` from a
/// `binary/plain` payload is the payload's bytes, copied at once. (Serde has no bulk path into a
/// `Vec<u8>` and fills it one element at a time, about 2 ms per MiB.)
pub(crate) fn decode_argument<T: DeserializeOwned + 'static>(
    payload: &Payload,
    encoding: Option<&[u8]>,
) -> Result<T, PayloadError> {
    if TypeId::of::<T>() == TypeId::of::<Vec<u8>>() && encoding == Some(BINARY_PLAIN.as_bytes()) {
        let bytes: Box<dyn Any> = Box::new(payload.data.clone());
        if let Ok(bytes) = bytes.downcast::<T>() {
            return Ok(*bytes);
        }
    }
    from_payload_as(payload, encoding)
}

/// Decodes one payload into `T`.
pub fn from_payload<T: DeserializeOwned>(payload: &Payload) -> Result<T, PayloadError> {
    from_payload_as(payload, encoding_bytes(payload))
}

/// [`from_payload`] of a payload whose `encoding` has been looked up.
pub(crate) fn from_payload_as<T: DeserializeOwned>(
    payload: &Payload,
    encoding: Option<&[u8]>,
) -> Result<T, PayloadError> {
    // Compared as bytes: this runs for every argument, and the common case needs no UTF-8 check.
    if encoding == Some(JSON_PLAIN.as_bytes()) {
        serde_json::from_slice(&payload.data)
            .map_err(|e| PayloadError::Deserialize(json_reason(&e, &payload.data)))
    } else if encoding == Some(BINARY_NULL.as_bytes()) {
        T::deserialize(().into_deserializer())
            .map_err(|e: de::value::Error| PayloadError::Deserialize(e.to_string()))
    } else if encoding == Some(BINARY_PLAIN.as_bytes()) {
        T::deserialize(BinaryDeserializer(&payload.data))
            .map_err(|e| PayloadError::Deserialize(e.to_string()))
    } else if encoding == Some(JSON_PROTOBUF.as_bytes()) {
        message::check_message_type(payload, message::serde_message_name::<T>())?;
        serde_json::from_slice(&payload.data)
            .map_err(|e| PayloadError::Deserialize(json_reason(&e, &payload.data)))
    } else if encoding == Some(BINARY_PROTOBUF.as_bytes()) {
        Err(message::binary_needs_message::<T>(payload))
    } else {
        Err(PayloadError::UnsupportedEncoding(describe_encoding(
            payload,
        )))
    }
}

/// Decodes a result: its first payload, or "no value" (unit, `None`) when there is none.
pub(crate) fn from_result_payloads<T: DeserializeOwned>(
    payloads: &[Payload],
) -> Result<T, PayloadError> {
    match payloads.first() {
        Some(first) => from_payload(first),
        None => T::deserialize(().into_deserializer())
            .map_err(|e: de::value::Error| PayloadError::Deserialize(e.to_string())),
    }
}

/// Decodes "no payload at all" into `T`: succeeds for `Option<T>` (as `None`) and fails for
/// every type that needs a value.
pub(crate) fn from_absent<T: DeserializeOwned>() -> Option<T> {
    T::deserialize(AbsentDeserializer).ok()
}

/// Why JSON did not decode, in words that say what to change: whether the text is not JSON at
/// all or does not fit the type, with a hint for the two mistakes callers make most (Python's
/// `NaN` / `Infinity`, and bytes sent as a JSON string).
pub(crate) fn json_reason(err: &serde_json::Error, data: &[u8]) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof => {
            let text = String::from_utf8_lossy(data);
            if ["NaN", "Infinity"].iter().any(|t| text.contains(t)) {
                format!(
                    "the payload is not valid JSON ({err}): it holds `NaN` or `Infinity`, which \
                     JSON does not allow (Python's default JSON encoder writes them for \
                     `float('nan')` and `float('inf')`); send `null` or a string instead"
                )
            } else {
                format!("the payload is not valid JSON: {err}")
            }
        }
        Category::Data
            if err.to_string().starts_with("invalid type: string")
                && err.to_string().contains("sequence") =>
        {
            format!(
                "{err}. To send bytes, send them as bytes (Python `bytes`, a TypeScript \
                 `Uint8Array`), which arrive as a `binary/plain` payload; a JSON string (base64, \
                 say) decodes only into a `String`"
            )
        }
        Category::Data | Category::Io => err.to_string(),
    }
}

/// The `encoding` metadata of a payload: `"<none>"` when it has none, `"<not UTF-8>"` when it is
/// not text (messages show its bytes).
pub fn encoding_of(payload: &Payload) -> &str {
    match encoding_bytes(payload).map(std::str::from_utf8) {
        Some(Ok(encoding)) => encoding,
        Some(Err(_)) => "<not UTF-8>",
        None => "<none>",
    }
}

/// The `encoding` metadata of a payload for messages: as [`encoding_of`], with the bytes of an
/// encoding that is not UTF-8 shown escaped.
pub(crate) fn describe_encoding(payload: &Payload) -> String {
    match encoding_bytes(payload) {
        Some(bytes) if std::str::from_utf8(bytes).is_err() => {
            format!("<not UTF-8: \"{}\">", bytes.escape_ascii())
        }
        _ => encoding_of(payload).to_owned(),
    }
}

/// The raw `encoding` metadata of a payload. Metadata maps hold one or two entries: scanning them
/// costs a tenth of hashing the key with the map's SipHash (measured by the dispatch benchmark).
#[inline]
pub(crate) fn encoding_bytes(payload: &Payload) -> Option<&[u8]> {
    payload
        .metadata
        .iter()
        .find_map(|(key, value)| (key == ENCODING_KEY).then_some(value.as_slice()))
}

/// `{"encoding": …}` for each encoding this converter writes, built once: a payload clones its map,
/// which copies the table without hashing the key again, most of what building one costs
/// (measured by the dispatch benchmark; every activity result goes through here).
type Metadata = std::sync::LazyLock<HashMap<String, Vec<u8>>>;
static JSON_METADATA: Metadata = Metadata::new(|| metadata(JSON_PLAIN));
static NULL_METADATA: Metadata = Metadata::new(|| metadata(BINARY_NULL));
static PLAIN_METADATA: Metadata = Metadata::new(|| metadata(BINARY_PLAIN));

fn metadata(encoding: &str) -> HashMap<String, Vec<u8>> {
    HashMap::from([(ENCODING_KEY.to_owned(), encoding.as_bytes().to_vec())])
}

fn payload(metadata: &Metadata, data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::clone(metadata),
        data,
        // Named rather than `..Default::default()`, which builds (and drops) a whole default
        // payload, empty metadata map included, on every result.
        external_payloads: Vec::new(),
    }
}

/// What a value looks like at its top level, when it is not plain JSON.
enum Special {
    Null,
    Bytes(Vec<u8>),
}

/// Where the probe gave up: at plain JSON, or at a protobuf message whose serde implementation
/// (pbjson's, as `temporalio-protos` and `pbjson-build` generate it) names the struct with the
/// message's full name, which a Rust struct name never is (it has dots).
#[derive(Debug)]
enum Probed {
    Json,
    Message(&'static str),
}

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a special value")
    }
}
impl std::error::Error for Probed {}
impl ser::Error for Probed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Probed::Json
    }
}

/// A serializer that only recognises top-level unit, `None` and bytes (looking through `Some` and
/// newtype wrappers), so that those get the `binary/*` encodings.
struct TopLevelProbe;

macro_rules! not_special {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Special, Probed> { Err(Probed::Json) })*
    };
}

impl ser::Serializer for TopLevelProbe {
    type Ok = Special;
    type Error = Probed;
    type SerializeSeq = ser::Impossible<Special, Probed>;
    type SerializeTuple = ser::Impossible<Special, Probed>;
    type SerializeTupleStruct = ser::Impossible<Special, Probed>;
    type SerializeTupleVariant = ser::Impossible<Special, Probed>;
    type SerializeMap = ser::Impossible<Special, Probed>;
    type SerializeStruct = ser::Impossible<Special, Probed>;
    type SerializeStructVariant = ser::Impossible<Special, Probed>;

    fn serialize_unit(self) -> Result<Special, Probed> {
        Ok(Special::Null)
    }
    fn serialize_none(self) -> Result<Special, Probed> {
        Ok(Special::Null)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Special, Probed> {
        Ok(Special::Bytes(v.to_vec()))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Special, Probed> {
        match value.serialize(TopLevelProbe)? {
            // `Some(())` is JSON `null` too, but keep it JSON so it round-trips as `Some`.
            Special::Null => Err(Probed::Json),
            bytes => Ok(bytes),
        }
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Special, Probed> {
        value.serialize(TopLevelProbe)
    }

    not_special!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Special, Probed> {
        Err(Probed::Json)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Probed> {
        Err(Probed::Json)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Probed> {
        Err(Probed::Json)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Probed> {
        Err(Probed::Json)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Probed> {
        Err(Probed::Json)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Probed> {
        Err(Probed::Json)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Probed> {
        Err(if is_message_name(name) {
            Probed::Message(name)
        } else {
            Probed::Json
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Probed> {
        Err(Probed::Json)
    }
}

/// Reads a `binary/plain` payload: as bytes, or as a sequence of `u8` for `Vec<u8>` and arrays.
struct BinaryDeserializer<'a>(&'a [u8]);

impl<'de> de::Deserializer<'de> for BinaryDeserializer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_bytes(self.0)
    }
    fn deserialize_byte_buf<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        v.visit_byte_buf(self.0.to_vec())
    }
    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(de::value::SeqDeserializer::new(self.0.iter().copied()))
    }
    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }
    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes unit
        unit_struct tuple_struct map struct enum identifier ignored_any
    }
}

/// Stands for an argument the caller did not send: only `Option`s accept it.
struct AbsentDeserializer;

impl<'de> de::Deserializer<'de> for AbsentDeserializer {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("missing"))
    }
    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[test]
    fn a_binary_argument_decodes_into_vec_u8_as_serde_would() {
        let bytes: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let binary = to_payload(&Bytes(bytes.clone())).unwrap();
        assert_eq!(
            decode_argument::<Vec<u8>>(&binary, encoding_bytes(&binary)).unwrap(),
            bytes
        );
        assert_eq!(from_payload::<Vec<u8>>(&binary).unwrap(), bytes);
        // Other encodings and other types take serde's path.
        let json = to_payload(&bytes).unwrap();
        assert_eq!(
            decode_argument::<Vec<u8>>(&json, encoding_bytes(&json)).unwrap(),
            bytes
        );
        assert_eq!(
            decode_argument::<Bytes>(&binary, encoding_bytes(&binary)).unwrap(),
            Bytes(bytes)
        );
        assert!(decode_argument::<String>(&binary, encoding_bytes(&binary)).is_err());
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Params {
        greeting: String,
        name: String,
    }

    #[test]
    fn json_values_use_json_plain() {
        let p = to_payload(&Params {
            greeting: "Hello".into(),
            name: "World".into(),
        })
        .unwrap();
        assert_eq!(encoding_of(&p), JSON_PLAIN);
        assert_eq!(p.data, br#"{"greeting":"Hello","name":"World"}"#);
        assert_eq!(
            from_payload::<Params>(&p).unwrap(),
            Params {
                greeting: "Hello".into(),
                name: "World".into()
            }
        );
        assert_eq!(to_payload("hi").unwrap().data, br#""hi""#);
        assert_eq!(to_payload(&vec![1u8, 2]).unwrap().data, b"[1,2]");
    }

    #[test]
    fn unit_and_none_use_binary_null() {
        for p in [to_payload(&()).unwrap(), to_payload(&None::<u32>).unwrap()] {
            assert_eq!(encoding_of(&p), BINARY_NULL);
            assert!(p.data.is_empty());
        }
        let p = to_payload(&()).unwrap();
        assert_eq!(from_payload::<Option<String>>(&p).unwrap(), None);
        from_payload::<()>(&p).unwrap();
        // `Some(())` stays distinguishable from `None`.
        assert_eq!(encoding_of(&to_payload(&Some(())).unwrap()), JSON_PLAIN);
    }

    #[test]
    fn bytes_use_binary_plain_both_ways() {
        let p = to_payload(&Bytes(vec![0, 159, 255])).unwrap();
        assert_eq!(encoding_of(&p), BINARY_PLAIN);
        assert_eq!(p.data, vec![0, 159, 255]);
        assert_eq!(from_payload::<Vec<u8>>(&p).unwrap(), vec![0, 159, 255]);
        assert_eq!(from_payload::<Bytes>(&p).unwrap(), Bytes(vec![0, 159, 255]));
        assert_eq!(from_payload::<[u8; 3]>(&p).unwrap(), [0, 159, 255]);
        assert_eq!(
            from_payload::<Option<Bytes>>(&p).unwrap(),
            Some(Bytes(vec![0, 159, 255]))
        );
        assert_eq!(
            encoding_of(&to_payload(&Some(Bytes(vec![1]))).unwrap()),
            BINARY_PLAIN
        );
        // A JSON array of numbers still decodes into bytes.
        let json = to_payload(&vec![1u8, 2]).unwrap();
        assert_eq!(from_payload::<Bytes>(&json).unwrap(), Bytes(vec![1, 2]));
        assert!(from_payload::<String>(&p).is_err());
    }

    #[test]
    fn absent_is_none_only_for_options() {
        assert_eq!(from_absent::<Option<u8>>(), Some(None));
        assert!(from_absent::<u8>().is_none());
        assert!(from_absent::<String>().is_none());
    }

    #[test]
    fn unknown_encodings_are_named() {
        let mut p = to_payload("x").unwrap();
        p.metadata
            .insert(ENCODING_KEY.into(), b"binary/encrypted".to_vec());
        let err = from_payload::<String>(&p).unwrap_err().to_string();
        assert!(err.contains("binary/encrypted"), "{err}");
    }

    fn json_payload(data: &[u8]) -> Payload {
        let mut p = to_payload("x").unwrap();
        p.data = data.to_vec();
        p
    }

    #[test]
    fn decode_errors_say_what_to_change() {
        let nan = from_payload::<f64>(&json_payload(b"NaN"))
            .unwrap_err()
            .to_string();
        assert!(nan.starts_with("the payload is not valid JSON"), "{nan}");
        assert!(nan.contains("`NaN` or `Infinity`"), "{nan}");
        let infinity = from_payload::<Vec<f64>>(&json_payload(b"[1.0, -Infinity]"))
            .unwrap_err()
            .to_string();
        assert!(infinity.contains("`NaN` or `Infinity`"), "{infinity}");

        // Malformed JSON for a `String` is not valid JSON, not a type mismatch.
        let malformed = from_payload::<String>(&json_payload(b"hello"))
            .unwrap_err()
            .to_string();
        assert!(
            malformed.starts_with("the payload is not valid JSON: "),
            "{malformed}"
        );
        let mismatch = from_payload::<String>(&json_payload(b"42"))
            .unwrap_err()
            .to_string();
        assert!(
            mismatch.starts_with("invalid type: integer `42`"),
            "{mismatch}"
        );

        // Base64 text for bytes: a hint about sending bytes as bytes.
        let base64 = from_payload::<Vec<u8>>(&json_payload(br#""aGVsbG8=""#))
            .unwrap_err()
            .to_string();
        assert!(base64.contains("send them as bytes"), "{base64}");
        assert!(base64.contains("binary/plain"), "{base64}");

        // Encoding metadata that is not UTF-8 is shown, not taken for none.
        let mut odd = to_payload("x").unwrap();
        odd.metadata.insert(ENCODING_KEY.into(), vec![0xff, b'x']);
        assert_eq!(encoding_of(&odd), "<not UTF-8>");
        let err = from_payload::<String>(&odd).unwrap_err().to_string();
        assert!(err.contains(r#"<not UTF-8: "\xffx">"#), "{err}");
    }
}
