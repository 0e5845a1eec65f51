//! Protobuf messages as payloads: `json/protobuf` (the proto3 JSON mapping, through the message's
//! serde implementation as `pbjson-build` generates it) and `binary/protobuf` (through prost), both
//! with the `messageType` metadata the other SDKs write and check.
//!
//! Generated code picks a [`Codec`] for each parameter and result type with autoref dispatch
//! (`(&Wire::<T>::NEW).codec()`): the message codec for a prost message, the serde codec for every
//! other type. Everywhere else (heartbeat details, the client's arguments, [`to_payload`]) a
//! message is recognised by its serde implementation alone, which pbjson names after the message's
//! full name: enough for `json/protobuf` both ways; `binary/protobuf` needs prost's decoder, so it
//! is read where the type is known to be a message.
//!
//! [`to_payload`]: super::to_payload

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned};

use super::{
    BINARY_PROTOBUF, ENCODING_KEY, JSON_PROTOBUF, MESSAGE_TYPE_KEY, Payload, PayloadError,
    describe_encoding, is_message_name,
};

/// A protobuf message this crate sends and receives as `json/protobuf` or `binary/protobuf`:
/// a prost message with its full name (`prost-build` with `enable_type_names()`) and the proto3
/// JSON mapping as its serde implementation (`pbjson-build`), which is how `temporalio-protos`
/// generates the Temporal API messages.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protobuf message this crate can send",
    note = "generate it with `prost-build` (with `enable_type_names()`) and `pbjson-build` (the proto3 JSON mapping as its serde implementation)"
)]
pub trait ProtoMessage:
    prost::Message + prost::Name + Default + serde::Serialize + DeserializeOwned + 'static
{
}

impl<T> ProtoMessage for T where
    T: prost::Message + prost::Name + Default + serde::Serialize + DeserializeOwned + 'static
{
}

/// A protobuf payload: `encoding`, `messageType` and `data`.
#[inline]
pub(crate) fn payload(encoding: &str, message_type: Vec<u8>, data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::from([
            (ENCODING_KEY.to_owned(), encoding.as_bytes().to_vec()),
            (MESSAGE_TYPE_KEY.to_owned(), message_type),
        ]),
        data,
        external_payloads: Vec::new(),
    }
}

/// The payload's `messageType`, when it has one.
#[inline]
fn message_type(payload: &Payload) -> Option<&[u8]> {
    payload
        .metadata
        .iter()
        .find_map(|(key, value)| (key == MESSAGE_TYPE_KEY).then_some(value.as_slice()))
}

/// A mismatch between the payload's `messageType` and `expected` (a payload without one, or a type
/// that is not a message, is not checked: `serde_json::Value` reads any message).
pub(crate) fn check_message_type(
    payload: &Payload,
    expected: Option<&str>,
) -> Result<(), PayloadError> {
    match (message_type(payload), expected) {
        (Some(sent), Some(expected)) if sent != expected.as_bytes() => {
            Err(PayloadError::WrongMessageType {
                sent: String::from_utf8_lossy(sent).into_owned(),
                expected: expected.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// Why a `binary/protobuf` payload does not decode into `T` through serde alone.
pub(crate) fn binary_needs_message<T>(payload: &Payload) -> PayloadError {
    let sent = message_type(payload).map_or_else(
        || "a message".to_owned(),
        |name| format!("a `{}` message", String::from_utf8_lossy(name)),
    );
    PayloadError::Deserialize(format!(
        "the `{}` payload holds {sent} in the protobuf binary format, which decodes only into a \
         prost message here (`{}` is not one, or was decoded through serde alone: use \
         `RawValue::decode_message` or `PayloadConverter::decode_message`)",
        describe_encoding(payload),
        std::any::type_name::<T>(),
    ))
}

/// The protobuf full name `T`'s serde implementation gives itself, if it is a pbjson message.
pub(crate) fn serde_message_name<T: DeserializeOwned>() -> Option<&'static str> {
    match T::deserialize(NameProbe) {
        Err(Named(name)) => name,
        Ok(_) => None,
    }
}

/// Stops at the first thing a type asks of its deserializer, keeping the name of a struct.
struct NameProbe;

#[derive(Debug)]
struct Named(Option<&'static str>);

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probed")
    }
}
impl std::error::Error for Named {}
impl de::Error for Named {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Named(None)
    }
}

impl<'de> de::Deserializer<'de> for NameProbe {
    type Error = Named;

    fn deserialize_any<V: de::Visitor<'de>>(self, _: V) -> Result<V::Value, Named> {
        Err(Named(None))
    }
    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Named> {
        Err(Named(is_message_name(name).then_some(name)))
    }
    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Named> {
        visitor.visit_some(self)
    }
    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Named> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// How one parameter or result type crosses the wire: as a protobuf message, or through serde.
#[doc(hidden)]
pub struct Codec<T> {
    message: Option<MessageFns<T>>,
}

struct MessageFns<T> {
    name: fn() -> String,
    /// [`decode_binary`]: the hot path, one call monomorphized for the message.
    decode_binary: fn(&Payload) -> Result<T, PayloadError>,
    /// Whether a `messageType` names this message ([`is_named`]).
    is_named: fn(&[u8]) -> bool,
    encode: fn(&T) -> Vec<u8>,
}

/// A `binary/protobuf` payload decoded into message `M`, its `messageType` (when it has one)
/// checked first.
#[inline]
fn decode_binary<M: prost::Message + prost::Name + Default>(
    payload: &Payload,
) -> Result<M, PayloadError> {
    if let Some(sent) = message_type(payload).filter(|sent| !is_named::<M>(sent)) {
        return Err(wrong_message_type(sent, M::full_name()));
    }
    M::decode(payload.data.as_slice()).map_err(|err| {
        PayloadError::Deserialize(format!("the protobuf binary data does not decode: {err}"))
    })
}

#[cold]
fn wrong_message_type(sent: &[u8], expected: String) -> PayloadError {
    PayloadError::WrongMessageType {
        sent: String::from_utf8_lossy(sent).into_owned(),
        expected,
    }
}

/// Whether `sent` (a payload's `messageType`) names message `M`: `PACKAGE.NAME` compared in place,
/// against constants (every payload with a message goes through here, and a comparison of known
/// lengths compiles to a few loads), or `full_name()` where a type overrides it otherwise.
#[inline]
fn is_named<M: prost::Name>(sent: &[u8]) -> bool {
    let (package, name) = (M::PACKAGE.as_bytes(), M::NAME.as_bytes());
    let in_place = sent.len() == package.len() + 1 + name.len()
        && sent[..package.len()] == *package
        && sent[package.len()] == b'.'
        && sent[package.len() + 1..] == *name;
    in_place || sent == M::full_name().as_bytes()
}

impl<T> Clone for MessageFns<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MessageFns<T> {}
impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Codec<T> {}

impl<T> fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Codec")
            .field("message", &self.message.map(|m| (m.name)()))
            .finish()
    }
}

impl<T> Codec<T> {
    /// The codec of a type that is not a protobuf message.
    pub const SERDE: Self = Self { message: None };

    /// The codec of a protobuf message. prost also implements `Message` for `String`, `Vec<u8>`,
    /// the numbers, `bool` and `()` (as the `google.protobuf` wrapper messages): those keep the
    /// serde codec, and the encodings of every SDK for strings, bytes and numbers.
    pub fn message() -> Self
    where
        T: prost::Message + prost::Name + Default + 'static,
    {
        if T::PACKAGE == "google.protobuf" {
            return Self::SERDE;
        }
        Self {
            message: Some(MessageFns {
                name: T::full_name,
                decode_binary: decode_binary::<T>,
                is_named: is_named::<T>,
                encode: |value| value.encode_to_vec(),
            }),
        }
    }

    /// Whether this is a message's codec.
    pub(crate) fn is_message(&self) -> bool {
        self.message.is_some()
    }

    /// Decodes `payload` into `T`: `json/protobuf` and `binary/protobuf` with their `messageType`
    /// checked, any other encoding as [`from_payload`](super::from_payload) does.
    pub(crate) fn decode_message(&self, payload: &Payload) -> Result<T, PayloadError>
    where
        T: DeserializeOwned,
    {
        self.decode_message_as(payload, super::encoding_bytes(payload))
    }

    /// [`decode_message`](Self::decode_message) of a payload whose `encoding` is known.
    #[inline]
    pub(crate) fn decode_message_as(
        &self,
        payload: &Payload,
        encoding: Option<&[u8]>,
    ) -> Result<T, PayloadError>
    where
        T: DeserializeOwned,
    {
        if encoding == Some(BINARY_PROTOBUF.as_bytes()) {
            return match self.message {
                Some(message) => (message.decode_binary)(payload),
                None => Err(binary_needs_message::<T>(payload)),
            };
        }
        if encoding != Some(JSON_PROTOBUF.as_bytes()) {
            return super::from_payload_as(payload, encoding);
        }
        match (self.message, message_type(payload)) {
            (Some(message), Some(sent)) if !(message.is_named)(sent) => {
                return Err(wrong_message_type(sent, (message.name)()));
            }
            (Some(_), _) => {}
            (None, _) => check_message_type(payload, serde_message_name::<T>())?,
        }
        serde_json::from_slice(&payload.data)
            .map_err(|e| PayloadError::Deserialize(super::json_reason(&e, &payload.data)))
    }

    /// `value` as a `binary/protobuf` payload, for a message's codec.
    #[inline]
    pub(crate) fn encode_binary(&self, value: &T) -> Option<Payload> {
        self.message
            .map(|m| payload(BINARY_PROTOBUF, (m.name)().into_bytes(), (m.encode)(value)))
    }
}

/// Chooses a type's [`Codec`] in generated code: `(&Wire::<T>::NEW).codec()` is the message codec
/// when `T` is a prost message ([`MessageWire`], found first) and the serde codec otherwise
/// ([`SerdeWire`], one auto-reference further).
#[doc(hidden)]
pub struct Wire<T>(PhantomData<fn() -> T>);

impl<T> Wire<T> {
    pub const NEW: Self = Wire(PhantomData);
}

impl<T> fmt::Debug for Wire<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Wire")
    }
}

#[doc(hidden)]
pub trait MessageWire<T> {
    fn codec(&self) -> Codec<T>;
}

impl<T: prost::Message + prost::Name + Default + 'static> MessageWire<T> for Wire<T> {
    fn codec(&self) -> Codec<T> {
        Codec::message()
    }
}

#[doc(hidden)]
pub trait SerdeWire<T> {
    fn codec(&self) -> Codec<T>;
}

impl<T> SerdeWire<T> for &Wire<T> {
    fn codec(&self) -> Codec<T> {
        Codec::SERDE
    }
}

/// Encodes a message as `json/protobuf` (`binary = false`) or `binary/protobuf`, with its
/// `messageType`, as the other SDKs' default converters do.
///
/// # Errors
/// When its serde implementation fails.
pub fn to_message_payload<M: ProtoMessage>(
    message: &M,
    binary: bool,
) -> Result<Payload, PayloadError> {
    if binary {
        Ok(payload(
            BINARY_PROTOBUF,
            M::full_name().into_bytes(),
            message.encode_to_vec(),
        ))
    } else {
        serde_json::to_vec(message)
            .map(|json| payload(JSON_PROTOBUF, M::full_name().into_bytes(), json))
            .map_err(PayloadError::Serialize)
    }
}

/// Decodes a `json/protobuf` or `binary/protobuf` payload into message `M`, checking its
/// `messageType` (other encodings go through [`from_payload`](super::from_payload)).
///
/// # Errors
/// When the payload holds another message, or does not decode.
pub fn from_message_payload<M: ProtoMessage + 'static>(
    payload: &Payload,
) -> Result<M, PayloadError> {
    Codec::<M>::message().decode_message(payload)
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use temporalio_common::protos::temporal::api::common::v1::{WorkflowExecution, WorkflowType};

    use super::*;
    use crate::payload::{PayloadConverter, encoding_of, from_payload, to_payload};

    fn execution() -> WorkflowExecution {
        WorkflowExecution {
            workflow_id: "order-7".to_owned(),
            run_id: "run-1".to_owned(),
        }
    }

    #[test]
    fn a_pbjson_message_is_json_protobuf_with_its_message_type() {
        let payload = to_payload(&execution()).unwrap();
        assert_eq!(encoding_of(&payload), JSON_PROTOBUF);
        assert_eq!(
            payload.metadata[MESSAGE_TYPE_KEY],
            b"temporal.api.common.v1.WorkflowExecution"
        );
        assert_eq!(payload.data, br#"{"workflowId":"order-7","runId":"run-1"}"#);
        assert_eq!(
            from_payload::<WorkflowExecution>(&payload).unwrap(),
            execution()
        );
        // Serde alone sees the message type too.
        assert_eq!(
            serde_message_name::<WorkflowExecution>(),
            Some("temporal.api.common.v1.WorkflowExecution")
        );
        assert_eq!(
            serde_message_name::<Option<WorkflowExecution>>(),
            serde_message_name::<WorkflowExecution>()
        );
        assert_eq!(serde_message_name::<String>(), None);
    }

    #[test]
    fn binary_protobuf_decodes_into_messages_and_names_both_types_on_a_mismatch() {
        let binary = to_message_payload(&execution(), true).unwrap();
        assert_eq!(encoding_of(&binary), BINARY_PROTOBUF);
        assert_eq!(binary.data, execution().encode_to_vec());
        assert_eq!(
            from_message_payload::<WorkflowExecution>(&binary).unwrap(),
            execution()
        );
        let err = from_payload::<WorkflowExecution>(&binary)
            .unwrap_err()
            .to_string();
        assert!(err.contains("decode_message"), "{err}");

        let json = to_payload(&execution()).unwrap();
        for payload in [&binary, &json] {
            let err = from_message_payload::<WorkflowType>(payload)
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                "the payload holds a `temporal.api.common.v1.WorkflowExecution` message, not a \
                 `temporal.api.common.v1.WorkflowType`"
            );
        }
        let err = from_payload::<WorkflowType>(&json).unwrap_err();
        assert!(
            matches!(err, PayloadError::WrongMessageType { .. }),
            "{err}"
        );
        // Any JSON type reads a JSON message.
        let value: serde_json::Value = from_payload(&json).unwrap();
        assert_eq!(value["workflowId"], "order-7");
    }

    // The borrow is the dispatch: without it, a type that is not a message finds no `codec`.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn wire_picks_the_message_codec_for_prost_messages_only() {
        assert!((&Wire::<WorkflowExecution>::NEW).codec().is_message());
        assert!(!(&Wire::<String>::NEW).codec().is_message());
        assert!(!(&Wire::<Vec<u8>>::NEW).codec().is_message());
        assert!(!(&Wire::<u64>::NEW).codec().is_message());
        let codec = (&Wire::<WorkflowExecution>::NEW).codec();
        assert_eq!(
            codec.encode_binary(&execution()),
            Some(to_message_payload(&execution(), true).unwrap())
        );
        assert_eq!(
            (&Wire::<String>::NEW)
                .codec()
                .encode_binary(&"x".to_owned()),
            None
        );

        let binary = PayloadConverter::default().binary_protobuf();
        let payload = binary.encode_result(&execution(), codec).unwrap();
        assert_eq!(encoding_of(&payload), BINARY_PROTOBUF);
        let default = PayloadConverter::default()
            .encode_result(&execution(), codec)
            .unwrap();
        assert_eq!(encoding_of(&default), JSON_PROTOBUF);
        for payload in [payload, default] {
            assert_eq!(
                PayloadConverter::default()
                    .decode_with(&payload, codec)
                    .unwrap(),
                execution()
            );
        }
    }
}
