//! An activity's signature as data: its parameters' names and Rust types in order, its result's
//! type, and for each type a way to get its JSON Schema. `#[activity]` writes one per activity
//! ([`Activity::signature`](crate::Activity::signature)); the exported contract
//! (`Activities::contract`, feature `contract`) reads them.
//!
//! A type's schema comes from [`schemars::JsonSchema`] when the type implements it and the
//! `contract` feature is on. A type that does not is exported as "any" with a warning that names
//! it, never a compile error: a crate that does not want contracts derives nothing. The choice is
//! made per type in generated code, by autoref specialization on the concrete type
//! ([`Probe`]), so no trait bound is added to any activity.
//!
//! [`schemars::JsonSchema`]: https://docs.rs/schemars/1/schemars/trait.JsonSchema.html

use std::marker::PhantomData;

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
/// `(&Probe::<T>::new()).schema_fn()` is [`HasSchema::schema_fn`] when `T: JsonSchema` (and the
/// `contract` feature is on), [`NoSchema::schema_fn`] otherwise. The method is looked up on the
/// concrete type: `HasSchema`'s takes `&Probe<T>`, the receiver as written, and is picked when
/// its bound holds; `NoSchema`'s takes `&&Probe<T>`, one autoref further, and is the fallback
/// (autoref specialization). No bound on `T` is required of the user.
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

#[cfg(feature = "contract")]
impl<T: schemars::JsonSchema + ?Sized> HasSchema for Probe<T> {
    fn schema_fn(&self) -> SchemaFn {
        |types| Some(types.schema_of::<T>())
    }
}

/// The fallback for a type without a schema (see [`Probe`]).
#[doc(hidden)]
pub trait NoSchema {
    /// How to get the schema: there is none.
    fn schema_fn(&self) -> SchemaFn;
}

impl<T: ?Sized> NoSchema for &Probe<T> {
    fn schema_fn(&self) -> SchemaFn {
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
}
