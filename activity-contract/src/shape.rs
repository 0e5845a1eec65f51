//! The JSON Schema of a parameter or result as a type expression: what the stub writers of both
//! languages need of the contract's top-level schemas (named types come from the schema-to-type
//! generators; only the expression that refers to them is written here).

use std::collections::BTreeSet;

use activity_runtime::contract::PROTOBUF_MESSAGE_KEY;
use serde_json::Value;

/// The type a schema describes, as far as a stub's signature needs it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Shape {
    /// No schema, or one that admits anything.
    Any,
    /// A `binary/plain` payload: Python's `bytes`, TypeScript's `Uint8Array`.
    Bytes,
    /// A named type of the contract's `$defs`.
    Named(String),
    /// A protobuf message, by its full name (`interop.v1.Order`).
    Message(String),
    Null,
    String,
    Integer,
    Number,
    Boolean,
    Array(Box<Shape>),
    /// An object with values of one type (a Rust map).
    Map(Box<Shape>),
    /// Any other object.
    Object,
    /// A closed set of values (`enum`, `const`).
    Literals(Vec<Value>),
    Union(Vec<Shape>),
}

impl Shape {
    /// The shape of a parameter's or a result's schema. At the top level, bytes are a
    /// `binary/plain` payload when the type says so (`Bytes`) or, for a parameter, when it is a
    /// sequence of bytes (`Vec<u8>` accepts `binary/plain` payloads).
    pub(crate) fn of_top_level(schema: &Value, parameter: bool) -> Self {
        if schema.get("x-binary-payload") == Some(&Value::Bool(true))
            || (parameter && is_byte_array(schema))
        {
            return Self::Bytes;
        }
        Self::of(schema)
    }

    /// The shape of a schema inside JSON.
    pub(crate) fn of(schema: &Value) -> Self {
        let Some(map) = schema.as_object() else {
            return Self::Any;
        };
        if let Some(message) = map.get(PROTOBUF_MESSAGE_KEY).and_then(Value::as_str) {
            return Self::Message(message.to_owned());
        }
        if let Some(name) = map
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            return Self::Named(name.to_owned());
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            return Self::Literals(values.clone());
        }
        if let Some(value) = map.get("const") {
            return Self::Literals(vec![value.clone()]);
        }
        if let Some(branches) = ["anyOf", "oneOf"]
            .iter()
            .find_map(|key| map.get(*key).and_then(Value::as_array))
        {
            return Self::union(branches.iter().map(Self::of).collect());
        }
        match map.get("type") {
            Some(Value::String(ty)) => Self::of_type(ty, map),
            Some(Value::Array(types)) => Self::union(
                types
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|ty| Self::of_type(ty, map))
                    .collect(),
            ),
            _ => Self::Any,
        }
    }

    fn of_type(ty: &str, map: &serde_json::Map<String, Value>) -> Self {
        match ty {
            "null" => Self::Null,
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "array" => match map.get("items") {
                Some(items) if items.is_object() => Self::Array(Box::new(Self::of(items))),
                _ => Self::Array(Box::new(Self::Any)),
            },
            "object" => match map.get("additionalProperties") {
                Some(values) if values.is_object() && !map.contains_key("properties") => {
                    Self::Map(Box::new(Self::of(values)))
                }
                _ => Self::Object,
            },
            _ => Self::Any,
        }
    }

    /// One shape for several; `Any` absorbs the rest.
    fn union(shapes: Vec<Self>) -> Self {
        let mut flat = Vec::new();
        for shape in shapes {
            match shape {
                Self::Any => return Self::Any,
                Self::Union(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        let mut unique = Vec::new();
        for shape in flat {
            if !unique.contains(&shape) {
                unique.push(shape);
            }
        }
        match unique.len() {
            1 => unique.remove(0),
            _ => Self::Union(unique),
        }
    }

    /// Whether it or a shape inside it is one that `test` picks.
    pub(crate) fn mentions(&self, test: &dyn Fn(&Shape) -> bool) -> bool {
        test(self)
            || match self {
                Self::Array(inner) | Self::Map(inner) => inner.mentions(test),
                Self::Union(shapes) => shapes.iter().any(|s| s.mentions(test)),
                _ => false,
            }
    }

    /// The protobuf messages it refers to, by full name.
    pub(crate) fn messages(&self, into: &mut BTreeSet<String>) {
        match self {
            Self::Message(name) => {
                into.insert(name.clone());
            }
            Self::Array(inner) | Self::Map(inner) => inner.messages(into),
            Self::Union(shapes) => shapes.iter().for_each(|s| s.messages(into)),
            _ => {}
        }
    }

    /// The named types it refers to.
    pub(crate) fn names(&self, into: &mut BTreeSet<String>) {
        match self {
            Self::Named(name) => {
                into.insert(name.clone());
            }
            Self::Array(inner) | Self::Map(inner) => inner.names(into),
            Self::Union(shapes) => shapes.iter().for_each(|s| s.names(into)),
            _ => {}
        }
    }
}

/// `{"type": "array", "items": {"type": "integer", "format": "uint8", ...}}`.
fn is_byte_array(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("array")
        && schema
            .get("items")
            .and_then(|items| items.get("format"))
            .and_then(Value::as_str)
            == Some("uint8")
}

/// The contract's named types as one JSON Schema document (2020-12, definitions under `$defs`),
/// the input of the schema-to-type generators. Its root, `title`, describes no value.
pub(crate) fn types_schema(contract: &activity_runtime::contract::Contract, title: &str) -> Value {
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "$defs": contract.definitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_of_the_schemas_schemars_writes() {
        assert_eq!(Shape::of(&json!({"type": "string"})), Shape::String);
        assert_eq!(
            Shape::of(&json!({"type": ["string", "null"]})),
            Shape::Union(vec![Shape::String, Shape::Null])
        );
        assert_eq!(
            Shape::of(&json!({"anyOf": [{"$ref": "#/$defs/Order"}, {"type": "null"}]})),
            Shape::Union(vec![Shape::Named("Order".into()), Shape::Null])
        );
        assert_eq!(
            Shape::of(&json!({"type": "object", "additionalProperties": {"type": "integer"}})),
            Shape::Map(Box::new(Shape::Integer))
        );
        assert_eq!(Shape::of(&json!(true)), Shape::Any);
        assert_eq!(
            Shape::of(&json!({"type": "object", "x-protobuf-message": "shop.v1.Order"})),
            Shape::Message("shop.v1.Order".into())
        );
        let bytes = json!({"type": "array", "items": {"type": "integer", "format": "uint8"}});
        assert_eq!(Shape::of_top_level(&bytes, true), Shape::Bytes);
        assert_eq!(
            Shape::of_top_level(&bytes, false),
            Shape::Array(Box::new(Shape::Integer))
        );
    }
}
