//! The exported contract: every registered activity's name, parameters (name, JSON Schema,
//! optional or not), result schema, whether it is dynamic, and its size limits, as one JSON
//! document that callers in other languages generate typed stubs from, and that CI compares with
//! a committed copy ([`Contract::incompatibilities`]).
//!
//! ```
//! use activity_runtime::{activities, activity};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Order {
//!     sku: String,
//!     quantity: u32,
//! }
//!
//! #[activity]
//! async fn place_order(order: Order, note: Option<String>) -> u64 {
//!     # let _ = (order.sku, order.quantity, note);
//!     42
//! }
//!
//! let contract = activities![place_order].contract();
//! let json = contract.to_json();
//! assert!(json.contains(r#""name": "place_order""#));
//! let parameters = contract.activities[0].parameters.as_ref().unwrap();
//! assert_eq!((parameters[0].name.as_str(), parameters[0].optional), ("order", false));
//! assert_eq!((parameters[1].name.as_str(), parameters[1].optional), ("note", true));
//! ```
//!
//! Schemas come from [`schemars`] (serde-compatible: `#[serde(rename)]` and the like are what
//! the schema says, as on the wire). A parameter or result that is a protobuf message (prost and
//! pbjson, see [`payload`](crate::payload)) is exported by its full name instead, inline, since
//! prost keeps no descriptor of its fields at run time:
//! `{"title": "interop.v1.Order", "type": "object", "x-protobuf-message": "interop.v1.Order",
//! "x-payload-encoding": "json/protobuf"}` ([`PROTOBUF_MESSAGE_KEY`], [`PAYLOAD_ENCODING_KEY`]);
//! the drift check compares messages by that name. A type that has neither (nor a message
//! wrapped in another type, `Option<Order>`) is exported as any value (`true`), with a warning in
//! [`Contract::warnings`] that names it.

mod drift;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::signature::{PAYLOAD_ENCODING_KEY, PROTOBUF_MESSAGE_KEY};
pub use drift::{Change, Incompatibility};

use crate::activity::{Execution, Registration};
use crate::limits::PayloadLimits;
use crate::registry::Activities;
use crate::signature::{SignatureType, TypeSchemas};

/// The format of the contract document, written in its `format` field.
pub const FORMAT: &str = "activity-runtime/contract/v1";

/// The exported contract of a set of activities (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// [`FORMAT`].
    pub format: String,
    /// The activities, by name (the dynamic one last).
    pub activities: Vec<ActivityContract>,
    /// The named types the schemas refer to (`{"$ref": "#/$defs/Name"}`), by name.
    #[serde(rename = "$defs", default)]
    pub definitions: BTreeMap<String, Value>,
    /// Types exported without a schema, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One activity of a [`Contract`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActivityContract {
    /// The activity type name callers use (`*` for the dynamic activity, unless it is named).
    pub name: String,
    /// The Rust path of the function.
    pub function: String,
    /// Whether this is the dynamic activity, which serves every type no other activity has.
    pub dynamic: bool,
    /// Where it runs: `async`, `blocking` or `process`.
    pub execution: String,
    /// Its parameters in order; `None` when not known (a dynamic activity takes whatever it is
    /// sent; a hand-written `Activity` may not say).
    pub parameters: Option<Vec<ParameterContract>>,
    /// Its result.
    pub result: TypeContract,
    /// Its own payload size limits (`null`: the namespace's).
    pub limits: LimitsContract,
}

/// One parameter of an activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParameterContract {
    /// Its name in the Rust function.
    pub name: String,
    /// The Rust type as written.
    pub rust_type: String,
    /// Its JSON Schema; `true` (any value) when the type has none.
    pub schema: Value,
    /// Whether a caller may leave it out: it accepts `null`, and so does every parameter after it
    /// (callers can only leave out a tail, which then decodes as `None`).
    pub optional: bool,
}

/// The type of a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypeContract {
    /// The Rust type as written (`()` for none; `?` when not known).
    pub rust_type: String,
    /// Its JSON Schema; `true` (any value) when not known.
    pub schema: Value,
}

/// An activity's own size limits, in bytes; `None` takes the namespace's (see
/// [`crate::limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LimitsContract {
    /// Above this, a result fails the attempt.
    pub max_result_size: Option<usize>,
    /// Above this, a result logs a warning.
    pub warn_result_size: Option<usize>,
    /// Above this, heartbeat details are refused.
    pub max_heartbeat_size: Option<usize>,
}

impl From<PayloadLimits> for LimitsContract {
    fn from(limits: PayloadLimits) -> Self {
        Self {
            max_result_size: limits.max_result_size,
            warn_result_size: limits.warn_result_size,
            max_heartbeat_size: limits.max_heartbeat_size,
        }
    }
}

/// Why a contract document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// Not JSON, or not a contract.
    #[error("not a contract document")]
    Json(#[from] serde_json::Error),
    /// A contract of another format.
    #[error("contract format `{found}` is not the supported `{FORMAT}`")]
    Format {
        /// The document's `format`.
        found: String,
    },
}

impl Contract {
    /// The contract of `activities`.
    pub fn of(activities: &Activities) -> Self {
        let mut registrations: Vec<&Registration> = activities.registrations().iter().collect();
        registrations.sort_by_key(|r| (r.is_dynamic(), r.name()));
        let mut types = TypeSchemas::new();
        let mut warnings = Vec::new();
        let activities = registrations
            .into_iter()
            .map(|registration| describe(registration, &mut types, &mut warnings))
            .collect();
        for warning in &warnings {
            tracing::warn!("{warning}");
        }
        Self {
            format: FORMAT.to_owned(),
            activities,
            definitions: types.into_definitions().into_iter().collect(),
            warnings,
        }
    }

    /// Reads a contract document.
    pub fn from_json(json: &str) -> Result<Self, ContractError> {
        let contract: Self = serde_json::from_str(json)?;
        if contract.format != FORMAT {
            return Err(ContractError::Format {
                found: contract.format,
            });
        }
        Ok(contract)
    }

    /// The document, pretty-printed, with a final newline (as committed).
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a contract serializes");
        json.push('\n');
        json
    }

    /// The activity called `name`.
    pub fn activity(&self, name: &str) -> Option<&ActivityContract> {
        self.activities.iter().find(|a| a.name == name)
    }
}

impl Activities {
    /// The exported contract of these activities (see [`Contract`]).
    #[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
    pub fn contract(&self) -> Contract {
        Contract::of(self)
    }
}

/// One registration's entry; types without a schema add a warning.
fn describe(
    registration: &Registration,
    types: &mut TypeSchemas,
    warnings: &mut Vec<String>,
) -> ActivityContract {
    let signature = registration.signature();
    let name = registration.name();
    let mut schema = |ty: &SignatureType, what: &str| {
        (ty.schema)(types).unwrap_or_else(|| {
            warnings.push(format!(
                "activity `{name}`: {what} type `{}` has no JSON Schema (derive \
                 `schemars::JsonSchema` on it); exported as any value",
                ty.rust_type
            ));
            Value::Bool(true)
        })
    };
    let parameters = signature.parameters.map(|parameters| {
        let mut described: Vec<ParameterContract> = parameters
            .iter()
            .map(|(param, ty)| ParameterContract {
                name: (*param).to_owned(),
                rust_type: ty.rust_type.to_owned(),
                schema: schema(ty, &format!("parameter `{param}`'s")),
                optional: false,
            })
            .collect();
        // Optional: a tail of parameters that all accept `null`.
        for param in described.iter_mut().rev() {
            if !accepts_null(&param.schema) {
                break;
            }
            param.optional = true;
        }
        described
    });
    let result = match &signature.result {
        Some(ty) => TypeContract {
            rust_type: ty.rust_type.to_owned(),
            schema: schema(ty, "the result's"),
        },
        None => TypeContract {
            rust_type: "?".to_owned(),
            schema: Value::Bool(true),
        },
    };
    ActivityContract {
        name: name.to_owned(),
        function: registration.function().to_owned(),
        dynamic: registration.is_dynamic(),
        execution: match registration.execution() {
            Execution::Async => "async",
            Execution::Blocking => "blocking",
            Execution::Process => "process",
        }
        .to_owned(),
        parameters,
        result,
        limits: registration.limits().into(),
    }
}

/// Whether `schema` admits `null`: `true`, `{}`, a `type` that lists `null`, or an `anyOf` /
/// `oneOf` with a branch that does. (A reference to a named type does not: named types are
/// structs and enums.)
fn accepts_null(schema: &Value) -> bool {
    match schema {
        Value::Bool(any) => *any,
        Value::Object(map) => {
            if map.is_empty() {
                return true;
            }
            if let Some(ty) = map.get("type") {
                return match ty {
                    Value::String(t) => t == "null",
                    Value::Array(ts) => ts.iter().any(|t| t == "null"),
                    _ => false,
                };
            }
            ["anyOf", "oneOf"].iter().any(|key| {
                map.get(*key)
                    .and_then(Value::as_array)
                    .is_some_and(|branches| branches.iter().any(accepts_null))
            })
        }
        _ => false,
    }
}
