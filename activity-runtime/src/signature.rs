//! An activity's signature as data: its parameters' names and Rust types in order, its result's
//! type, and for each type a way to get its JSON Schema. `#[activity]` writes one per activity
//! ([`Activity::signature`](crate::Activity::signature)); the exported contract
//! (`Activities::contract`, feature `contract`) reads them.
//!
//! With the `contract` feature on, a type's schema comes, in this order, from its protobuf
//! message name when it is a prost message (what the worker sends as `json/protobuf`, see
//! [`message_schema`](TypeSchemas::message_schema)), from [`schemars::JsonSchema`] when the type
//! implements it, and otherwise it is exported as "any" with a warning that names it, never a
//! compile error: a crate that does not want contracts derives nothing. The choice is made per
//! type in generated code, by autoref specialization on the concrete type ([`Probe`]), so no
//! trait bound is added to any activity.
//!
//! [`schemars::JsonSchema`]: https://docs.rs/schemars/1/schemars/trait.JsonSchema.html

use std::marker::PhantomData;

/// The schema keyword that names a protobuf message's full name (`"interop.v1.Order"`) in the
/// schema of a parameter or result that is one.
#[cfg(feature = "contract")]
pub const PROTOBUF_MESSAGE_KEY: &str = "x-protobuf-message";

/// The schema keyword beside [`PROTOBUF_MESSAGE_KEY`] that says how the worker encodes the
/// message by default (`json/protobuf`; it reads `binary/protobuf` and `json/plain` too).
#[cfg(feature = "contract")]
pub const PAYLOAD_ENCODING_KEY: &str = "x-payload-encoding";

/// How to get one type's JSON Schema: `None` when the type has none.
pub type SchemaFn = fn(&mut TypeSchemas) -> Option<serde_json::Value>;

/// The schemas of the types of a set of activities, collected in one place: named types (structs,
/// enums) become shared definitions that schemas refer to (`{"$ref": "#/$defs/Name"}`).
///
/// Made by the contract export (feature `contract`); without that feature it collects nothing.
pub struct TypeSchemas {
    #[cfg(feature = "contract")]
    generator: schemars::SchemaGenerator,
}

impl std::fmt::Debug for TypeSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeSchemas").finish_non_exhaustive()
    }
}

#[cfg(feature = "contract")]
impl TypeSchemas {
    /// An empty collection, with JSON Schema 2020-12 settings: definitions under `$defs`,
    /// parameters described as serde deserializes them.
    pub(crate) fn new() -> Self {
        Self {
            generator: schemars::SchemaGenerator::new(
                schemars::generate::SchemaSettings::draft2020_12(),
            ),
        }
    }

    /// The schema of `T`: a reference for a named type, whose definition is kept.
    fn schema_of<T: schemars::JsonSchema + ?Sized>(&mut self) -> serde_json::Value {
        self.generator.subschema_for::<T>().to_value()
    }

    /// The schema of a prost message: not its fields (prost keeps no descriptor at run time), but
    /// its protobuf full name and how it crosses the wire, inline at every use:
    ///
    /// ```json
    /// {"title": "interop.v1.Order", "type": "object",
    ///  "x-protobuf-message": "interop.v1.Order", "x-payload-encoding": "json/protobuf"}
    /// ```
    ///
    /// prost also makes the scalars, `String`, `Vec<u8>` and `()` messages (the
    /// `google.protobuf` wrappers): those keep their schemars schema, as they keep serde's codec
    /// ([`Codec::message`](crate::payload::Codec::message)). The other well-known types are
    /// named like any message, without `"type": "object"` (their proto3 JSON is a string or
    /// any value).
    fn message_schema<T: prost::Name>(&mut self) -> serde_json::Value {
        if T::PACKAGE == "google.protobuf" {
            let wrapped = match T::NAME {
                "BoolValue" => Some(self.schema_of::<bool>()),
                "Int32Value" => Some(self.schema_of::<i32>()),
                "Int64Value" => Some(self.schema_of::<i64>()),
                "UInt32Value" => Some(self.schema_of::<u32>()),
                "UInt64Value" => Some(self.schema_of::<u64>()),
                "FloatValue" => Some(self.schema_of::<f32>()),
                "DoubleValue" => Some(self.schema_of::<f64>()),
                "StringValue" => Some(self.schema_of::<String>()),
                "BytesValue" => Some(self.schema_of::<Vec<u8>>()),
                "Empty" => Some(self.schema_of::<()>()),
                _ => None,
            };
            if let Some(schema) = wrapped {
                return schema;
            }
        }
        let name = T::full_name();
        let mut schema = serde_json::json!({
            "title": name,
            PROTOBUF_MESSAGE_KEY: name,
            PAYLOAD_ENCODING_KEY: crate::payload::JSON_PROTOBUF,
        });
        if T::PACKAGE != "google.protobuf" {
            schema["type"] = "object".into();
        }
        schema
    }

    /// Every definition referred to so far, by name.
    pub(crate) fn into_definitions(mut self) -> serde_json::Map<String, serde_json::Value> {
        self.generator.take_definitions(true)
    }
}

/// One type in a signature: its name in messages (the Rust type as written) and its schema.
#[derive(Clone, Copy, Debug)]
pub struct SignatureType {
    /// The Rust type as written, e.g. `Option<String>`.
    pub rust_type: &'static str,
    /// How to get its schema.
    pub schema: SchemaFn,
}

/// What an activity takes and returns, for the exported contract.
#[derive(Clone, Debug, Default)]
pub struct Signature {
    /// The parameters decoded from payloads, in order, by name; `None` when not known (a
    /// hand-written [`Activity`](crate::Activity) that does not say, or a dynamic activity, which
    /// takes whatever it is sent).
    pub parameters: Option<Vec<(&'static str, SignatureType)>>,
    /// The result's type; `None` when not known.
    pub result: Option<SignatureType>,
}

impl Signature {
    /// Nothing known: what a hand-written [`Activity`](crate::Activity) exports unless it says more.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// What generated code builds: parameters as `(name, type)` and the result's type.
    #[doc(hidden)]
    pub fn generated(
        parameters: &[(&'static str, SignatureType)],
        result: Option<SignatureType>,
    ) -> Self {
        Self {
            parameters: Some(parameters.to_vec()),
            result,
        }
    }

    /// What a dynamic activity's generated code builds: any arguments, a known result.
    #[doc(hidden)]
    pub fn dynamic(result: Option<SignatureType>) -> Self {
        Self {
            parameters: None,
            result,
        }
    }
}

/// Stands for type `T` in generated code, which asks it for `T`'s schema:
/// `(&Probe::<T>::new()).schema_fn()` is, with the `contract` feature on, [`HasSchema`]'s
/// message schema when `T` is a prost message, else its JSON Schema when `T: JsonSchema`, and
/// [`NoSchema::schema_fn`] otherwise. The method is looked up on the concrete type, receiver by
/// receiver (autoref specialization): first `&Probe<T>`, the receiver as written
/// (`HasSchema for Probe<T>`, bound `T: prost::Message + prost::Name`); then `&&Probe<T>`, one
/// autoref further (`HasSchema for &Probe<T>`, bound `T: JsonSchema`); then `&mut &Probe<T>`,
/// the mutable autoref (`NoSchema for &Probe<T>`, no bound), the fallback. No bound on `T` is
/// required of the user, and a message that also derives `JsonSchema` is named as a message.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: ?Sized> std::fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
    }
}

/// The schema of a type that has one (see [`Probe`]).
#[doc(hidden)]
pub trait HasSchema {
    /// How to get the schema.
    fn schema_fn(&self) -> SchemaFn;
}

/// A protobuf message: its name (see [`TypeSchemas::message_schema`]).
#[cfg(feature = "contract")]
impl<T: prost::Message + prost::Name + Default + 'static> HasSchema for Probe<T> {
    fn schema_fn(&self) -> SchemaFn {
        |types| Some(types.message_schema::<T>())
    }
}

/// A type with a JSON Schema, one autoref after the message.
#[cfg(feature = "contract")]
impl<T: schemars::JsonSchema + ?Sized> HasSchema for &Probe<T> {
    fn schema_fn(&self) -> SchemaFn {
        |types| Some(types.schema_of::<T>())
    }
}

/// The fallback for a type without a schema (see [`Probe`]).
#[doc(hidden)]
pub trait NoSchema {
    /// How to get the schema: there is none. (`&mut self`: the mutable autoref, after both of
    /// [`HasSchema`]'s receivers.)
    fn schema_fn(&mut self) -> SchemaFn;
}

impl<T: ?Sized> NoSchema for &Probe<T> {
    fn schema_fn(&mut self) -> SchemaFn {
        |_| None
    }
}

/// [`Bytes`](crate::Bytes) as a parameter or result is a `binary/plain` payload (Python's
/// `bytes`, TypeScript's `Uint8Array`); inside JSON it is an array of numbers. The schema says
/// both: an array of bytes marked `"x-binary-payload": true`.
#[cfg(feature = "contract")]
impl schemars::JsonSchema for crate::payload::Bytes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bytes".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255},
            "x-binary-payload": true,
        })
    }
}

#[cfg(all(test, feature = "contract"))]
mod tests {
    use super::*;

    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Described {
        name: String,
    }

    #[allow(dead_code)]
    struct Undescribed;

    #[test]
    // The borrow is what generated code writes: it is the autoref specialization.
    #[allow(clippy::needless_borrow)]
    fn a_type_with_a_schema_gets_it_and_one_without_gets_none() {
        use super::{HasSchema as _, NoSchema as _};
        let mut types = TypeSchemas::new();
        let described = (&Probe::<Described>::new()).schema_fn();
        let undescribed = (&Probe::<Undescribed>::new()).schema_fn();
        assert_eq!(
            described(&mut types),
            Some(serde_json::json!({"$ref": "#/$defs/Described"}))
        );
        assert_eq!(undescribed(&mut types), None);
        let definitions = types.into_definitions();
        assert!(definitions.contains_key("Described"), "{definitions:?}");
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn a_prost_message_is_named_and_the_scalars_prost_wraps_keep_their_schemas() {
        use super::{HasSchema as _, NoSchema as _};
        use serde_json::json;
        use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
        let mut types = TypeSchemas::new();
        let message = (&Probe::<WorkflowExecution>::new()).schema_fn();
        assert_eq!(
            message(&mut types),
            Some(json!({
                "title": "temporal.api.common.v1.WorkflowExecution",
                "type": "object",
                "x-protobuf-message": "temporal.api.common.v1.WorkflowExecution",
                "x-payload-encoding": "json/protobuf",
            }))
        );
        // `String`, `u32`, `Vec<u8>` and `()` are prost messages too (the `google.protobuf`
        // wrappers), and keep what schemars says of them.
        let string = (&Probe::<String>::new()).schema_fn();
        assert_eq!(string(&mut types), Some(json!({"type": "string"})));
        let number = (&Probe::<u32>::new()).schema_fn();
        assert_eq!(
            number(&mut types),
            Some(json!({"type": "integer", "format": "uint32", "minimum": 0}))
        );
        let bytes = (&Probe::<Vec<u8>>::new()).schema_fn();
        assert_eq!(bytes(&mut types), Some(types.schema_of::<Vec<u8>>()));
        let unit = (&Probe::<()>::new()).schema_fn();
        assert_eq!(unit(&mut types), Some(json!({"type": "null"})));
        // A message inside another type has no schema of its own: exported as any value.
        let optional = (&Probe::<Option<WorkflowExecution>>::new()).schema_fn();
        assert_eq!(optional(&mut types), None);
    }
}
