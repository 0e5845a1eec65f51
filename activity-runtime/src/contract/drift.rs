//! Drift: what changed incompatibly between a committed contract (what callers were generated
//! from) and the current one (what the worker serves).
//!
//! Arguments flow from callers to the worker, results back: a parameter's type may accept more
//! than before (a new optional field, a wider number, a new enum variant) but not less; a result
//! may promise more but not less (no field removed, none made optional, no new variant a caller
//! cannot read). Descriptions, titles, number formats and bounds are not compared.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use serde_json::Value;

use super::{ActivityContract, Contract};

/// One incompatible change, located: the activity, the parameter (`None`: the result, or the
/// activity as a whole) and the field inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Incompatibility {
    /// The activity type name.
    pub activity: String,
    /// Where in the activity: `parameter `name``, `result`, or empty for the activity itself.
    pub place: String,
    /// The field inside it (`customer.email`, `lines[]`, `Express.days`), empty for the whole.
    pub field: String,
    /// What changed.
    pub change: Change,
}

/// What changed incompatibly.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The activity is no longer registered.
    ActivityRemoved,
    /// The parameter or field is gone: what callers send is dropped, or what they read is missing.
    Removed,
    /// A new parameter or field that callers do not send is required.
    AddedRequired,
    /// Callers could leave it out (or send `null`); now they must not.
    MadeRequired,
    /// Callers always got it; now it may be missing or `null`.
    MadeOptional,
    /// Another type.
    Retyped {
        /// The committed type.
        was: String,
        /// The current type.
        now: String,
    },
    /// An enum value callers may send is gone.
    VariantRemoved(String),
    /// A result may now be an enum value callers do not know.
    VariantAdded(String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ActivityRemoved => f.write_str("removed"),
            Self::Removed => f.write_str("removed"),
            Self::AddedRequired => f.write_str("added as required"),
            Self::MadeRequired => f.write_str("made required"),
            Self::MadeOptional => f.write_str("made optional (it may be missing or null)"),
            Self::Retyped { was, now } => write!(f, "retyped from {was} to {now}"),
            Self::VariantRemoved(variant) => write!(f, "variant `{variant}` removed"),
            Self::VariantAdded(variant) => write!(f, "variant `{variant}` added to a result"),
        }
    }
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "activity `{}`", self.activity)?;
        if !self.place.is_empty() {
            write!(f, ", {}", self.place)?;
        }
        if !self.field.is_empty() {
            write!(f, ", field `{}`", self.field)?;
        }
        write!(f, ": {}", self.change)
    }
}

impl Contract {
    /// What changed incompatibly from `self`, the committed contract callers were generated from,
    /// to `current`, what the worker serves now. Empty when every caller of `self` still works.
    pub fn incompatibilities(&self, current: &Contract) -> Vec<Incompatibility> {
        let mut found = Vec::new();
        for old in &self.activities {
            let Some(new) = current.activities.iter().find(|a| a.name == old.name) else {
                found.push(Incompatibility {
                    activity: old.name.clone(),
                    place: String::new(),
                    field: String::new(),
                    change: Change::ActivityRemoved,
                });
                continue;
            };
            let mut walker = Walker {
                old_defs: &self.definitions,
                new_defs: &current.definitions,
                seen: HashSet::new(),
                place: String::new(),
                found: Vec::new(),
            };
            compare_activity(old, new, &mut walker);
            found.extend(
                walker
                    .found
                    .into_iter()
                    .map(|(place, field, change)| Incompatibility {
                        activity: old.name.clone(),
                        place,
                        field,
                        change,
                    }),
            );
        }
        // A change seen two ways (an `Option` parameter made plain: no longer optional, no
        // longer `null`) is reported once.
        let mut unique = Vec::with_capacity(found.len());
        for incompatibility in found {
            if !unique.contains(&incompatibility) {
                unique.push(incompatibility);
            }
        }
        unique
    }
}

fn compare_activity(old: &ActivityContract, new: &ActivityContract, walker: &mut Walker<'_>) {
    if let (Some(old_params), Some(new_params)) = (&old.parameters, &new.parameters) {
        for index in 0..old_params.len().max(new_params.len()) {
            match (old_params.get(index), new_params.get(index)) {
                (Some(old), None) => {
                    walker.push(format!("parameter `{}`", old.name), "", Change::Removed)
                }
                (None, Some(new)) if !new.optional => walker.push(
                    format!("parameter `{}`", new.name),
                    "",
                    Change::AddedRequired,
                ),
                (Some(old), Some(new)) => {
                    let place = format!("parameter `{}`", old.name);
                    walker.place = place.clone();
                    if old.optional && !new.optional {
                        walker.push(place, "", Change::MadeRequired);
                    }
                    walker.compare(&old.schema, &new.schema, "", Flow::Input, true);
                }
                _ => {}
            }
        }
    }
    walker.place = "result".to_owned();
    walker.compare(
        &old.result.schema,
        &new.result.schema,
        "",
        Flow::Output,
        true,
    );
}

/// Which way values go: arguments to the worker, results back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Flow {
    Input,
    Output,
}

struct Walker<'a> {
    old_defs: &'a std::collections::BTreeMap<String, Value>,
    new_defs: &'a std::collections::BTreeMap<String, Value>,
    /// Pairs of named types already compared (recursive types end here).
    seen: HashSet<(String, String, bool)>,
    /// The parameter (or `result`) being compared.
    place: String,
    /// What it found: place, field, change.
    found: Vec<(String, String, Change)>,
}

impl Walker<'_> {
    fn push(&mut self, place: String, field: &str, change: Change) {
        self.found.push((place, field.to_owned(), change));
    }
}

impl<'a> Walker<'a> {
    fn compare(&mut self, old: &Value, new: &Value, field: &str, flow: Flow, check_null: bool) {
        let (old, old_name) = resolve(old, self.old_defs);
        let (new, new_name) = resolve(new, self.new_defs);
        if let (Some(o), Some(n)) = (&old_name, &new_name)
            && !self
                .seen
                .insert((o.clone(), n.clone(), flow == Flow::Input))
        {
            return;
        }
        let place = self.current_place();
        if is_any(new) {
            return;
        }
        // Protobuf messages are compared by name: their fields are the `.proto` file's to keep
        // compatible (protobuf's own rules, `buf breaking`).
        let (old_message, new_message) = (message_name(old), message_name(new));
        let messages = old_message.is_some() || new_message.is_some();
        if messages && old_message == new_message {
            return;
        }
        if messages && !is_any(old) {
            self.push(
                place,
                field,
                Change::Retyped {
                    was: describe(old, old_name.as_deref()),
                    now: describe(new, new_name.as_deref()),
                },
            );
            return;
        }
        if is_any(old) {
            if flow == Flow::Input {
                self.push(
                    place,
                    field,
                    Change::Retyped {
                        was: "any value".to_owned(),
                        now: describe(new, new_name.as_deref()),
                    },
                );
            }
            return;
        }
        if check_null {
            let (old_null, new_null) = (admits_null(old), admits_null(new));
            match flow {
                Flow::Input if old_null && !new_null => {
                    self.push(place.clone(), field, Change::MadeRequired)
                }
                Flow::Output if !old_null && new_null => {
                    self.push(place.clone(), field, Change::MadeOptional)
                }
                _ => {}
            }
        }
        let (old_core, new_core) = (without_null(old), without_null(new));
        // `anyOf: [X, null]` is X: compare X itself (a reference, resolved again).
        if let (Some(o), Some(n)) = (single_branch(&old_core), single_branch(&new_core)) {
            return self.compare(o, n, field, flow, false);
        }
        if let Some(o) = single_branch(&old_core) {
            return self.compare(o, &new_core, field, flow, false);
        }
        if let Some(n) = single_branch(&new_core) {
            return self.compare(&old_core, n, field, flow, false);
        }
        match (kind(&old_core), kind(&new_core)) {
            (Kind::Values(old_values), Kind::Values(new_values)) => {
                let (from, to) = match flow {
                    Flow::Input => (&old_values, &new_values),
                    Flow::Output => (&new_values, &old_values),
                };
                for value in from.difference(to) {
                    let value = value.trim_matches('"').to_owned();
                    let change = match flow {
                        Flow::Input => Change::VariantRemoved(value),
                        Flow::Output => Change::VariantAdded(value),
                    };
                    self.push(place.clone(), field, change);
                }
            }
            (Kind::Types(old_types), Kind::Types(new_types)) => {
                let fits = match flow {
                    Flow::Input => types_within(&old_types, &new_types),
                    Flow::Output => types_within(&new_types, &old_types),
                };
                if !fits {
                    // The types without `null`: whether `null` is still allowed is said apart.
                    self.push(
                        place,
                        field,
                        Change::Retyped {
                            was: describe(&old_core, old_name.as_deref()),
                            now: describe(&new_core, new_name.as_deref()),
                        },
                    );
                    return;
                }
                if old_types.contains("object") && new_types.contains("object") {
                    self.compare_objects(&old_core, &new_core, field, flow);
                }
                if old_types.contains("array")
                    && new_types.contains("array")
                    && let (Some(o), Some(n)) = (old_core.get("items"), new_core.get("items"))
                {
                    self.compare(o, n, &format!("{field}[]"), flow, true);
                }
            }
            (Kind::Variants(old_variants), Kind::Variants(new_variants)) => {
                for (key, old_branch) in &old_variants {
                    match new_variants.iter().find(|(k, _)| k == key) {
                        Some((_, new_branch)) => {
                            let inner = join(field, key);
                            self.compare_variant(old_branch, new_branch, &inner, flow);
                        }
                        None if flow == Flow::Input => {
                            self.push(place.clone(), field, Change::VariantRemoved(key.clone()))
                        }
                        None => {}
                    }
                }
                if flow == Flow::Output {
                    for (key, _) in &new_variants {
                        if !old_variants.iter().any(|(k, _)| k == key) {
                            self.push(place.clone(), field, Change::VariantAdded(key.clone()));
                        }
                    }
                }
            }
            _ => {
                if old_core != new_core {
                    self.push(
                        place,
                        field,
                        Change::Retyped {
                            was: describe(old, old_name.as_deref()),
                            now: describe(new, new_name.as_deref()),
                        },
                    );
                }
            }
        }
    }

    /// Two branches of a data-carrying enum with the same variant: a unit variant (a string) or
    /// `{"Variant": content}`.
    fn compare_variant(&mut self, old: &Value, new: &Value, field: &str, flow: Flow) {
        let content = |branch: &Value| -> Option<Value> {
            let props = branch.get("properties")?.as_object()?;
            (props.len() == 1).then(|| props.values().next().cloned())?
        };
        if let (Some(o), Some(n)) = (content(old), content(new)) {
            self.compare(&o, &n, field, flow, true);
        }
    }

    fn compare_objects(&mut self, old: &Value, new: &Value, field: &str, flow: Flow) {
        let place = self.current_place();
        let props = |v: &Value| v.get("properties").and_then(Value::as_object).cloned();
        let (old_props, new_props) = (
            props(old).unwrap_or_default(),
            props(new).unwrap_or_default(),
        );
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (old_required, new_required) = (required(old), required(new));
        for (name, old_prop) in &old_props {
            let path = join(field, name);
            match new_props.get(name) {
                None => {
                    // A caller's field the worker no longer reads is dropped; a result's field
                    // callers read is missing.
                    self.push(place.clone(), &path, Change::Removed);
                }
                Some(new_prop) => {
                    match flow {
                        Flow::Input
                            if new_required.contains(name) && !old_required.contains(name) =>
                        {
                            self.push(place.clone(), &path, Change::MadeRequired)
                        }
                        Flow::Output
                            if old_required.contains(name) && !new_required.contains(name) =>
                        {
                            self.push(place.clone(), &path, Change::MadeOptional)
                        }
                        _ => {}
                    }
                    self.compare(old_prop, new_prop, &path, flow, true);
                }
            }
        }
        if flow == Flow::Input {
            for name in new_props.keys() {
                if !old_props.contains_key(name) && new_required.contains(name) {
                    self.push(place.clone(), &join(field, name), Change::AddedRequired);
                }
            }
        }
        if let (Some(o), Some(n)) = (
            old.get("additionalProperties").filter(|v| v.is_object()),
            new.get("additionalProperties").filter(|v| v.is_object()),
        ) {
            self.compare(o, n, &format!("{field}{{}}"), flow, true);
        }
    }

    fn current_place(&self) -> String {
        self.place.clone()
    }
}

/// `schema` with its references followed, and the name of the last type referred to.
fn resolve<'v>(
    mut schema: &'v Value,
    defs: &'v std::collections::BTreeMap<String, Value>,
) -> (&'v Value, Option<String>) {
    let mut name = None;
    // Bounded: a chain of references longer than the definitions loops.
    for _ in 0..=defs.len() {
        let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(def) = target
            .strip_prefix("#/$defs/")
            .or_else(|| target.strip_prefix("#/definitions/"))
        else {
            break;
        };
        match defs.get(def) {
            Some(found) => {
                name = Some(def.to_owned());
                schema = found;
            }
            None => break,
        }
    }
    (schema, name)
}

/// `true`, or `{}` (apart from annotations): any value.
fn is_any(schema: &Value) -> bool {
    match schema {
        Value::Bool(any) => *any,
        Value::Object(map) => map.keys().all(|k| {
            matches!(
                k.as_str(),
                "title" | "description" | "$schema" | "x-rust-type"
            )
        }),
        _ => false,
    }
}

/// Whether `null` is one of the values `schema` admits (a `type` list, or an `anyOf`/`oneOf`
/// branch).
fn admits_null(schema: &Value) -> bool {
    super::accepts_null(schema) && !is_any(schema)
}

/// `schema` without `null`: out of a `type` list, and without the `null` branches of
/// `anyOf`/`oneOf`.
fn without_null(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(map) = schema.as_object_mut() {
        if let Some(Value::Array(types)) = map.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                map.insert("type".to_owned(), only);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = map.get_mut(key) {
                branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            }
        }
    }
    schema
}

/// The one branch of an `anyOf`/`oneOf` that has only one (left after `without_null`).
fn single_branch(schema: &Value) -> Option<&Value> {
    ["anyOf", "oneOf"]
        .iter()
        .find_map(|key| match schema.get(*key) {
            Some(Value::Array(branches)) if branches.len() == 1 => branches.first(),
            _ => None,
        })
}

/// What a schema describes, as far as compatibility goes.
enum Kind {
    /// JSON types (`string`, `object`, …).
    Types(BTreeSet<String>),
    /// A closed set of values (`enum`, `const`), as JSON text.
    Values(BTreeSet<String>),
    /// The variants of a serde enum (`oneOf` of unit values and `{"Variant": ...}` objects), by
    /// variant name, each with its branch.
    Variants(Vec<(String, Value)>),
    Other,
}

fn kind(schema: &Value) -> Kind {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Kind::Values(values.iter().map(Value::to_string).collect());
    }
    if let Some(value) = schema.get("const") {
        return Kind::Values(BTreeSet::from([value.to_string()]));
    }
    if let Some(branches) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|key| schema.get(*key).and_then(Value::as_array))
    {
        let mut variants = Vec::new();
        for branch in branches {
            match kind(branch) {
                Kind::Values(values) => variants.extend(
                    values
                        .into_iter()
                        .map(|v| (v.trim_matches('"').to_owned(), branch.clone())),
                ),
                _ => {
                    let required = branch.get("required").and_then(Value::as_array);
                    match required.map(Vec::as_slice) {
                        Some([Value::String(tag)]) => variants.push((tag.clone(), branch.clone())),
                        _ => return Kind::Other,
                    }
                }
            }
        }
        return Kind::Variants(variants);
    }
    match schema.get("type") {
        Some(Value::String(t)) => Kind::Types(BTreeSet::from([t.clone()])),
        Some(Value::Array(ts)) => Kind::Types(
            ts.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => Kind::Other,
    }
}

/// Whether every type of `narrow` is one of `wide` (an integer is a number).
fn types_within(narrow: &BTreeSet<String>, wide: &BTreeSet<String>) -> bool {
    narrow
        .iter()
        .all(|t| wide.contains(t) || (t == "integer" && wide.contains("number")))
}

/// The protobuf full name of a message's schema.
fn message_name(schema: &Value) -> Option<&str> {
    schema
        .get(super::PROTOBUF_MESSAGE_KEY)
        .and_then(Value::as_str)
}

/// A type in a message: its name, its JSON type, or its values.
fn describe(schema: &Value, name: Option<&str>) -> String {
    if let Some(message) = message_name(schema) {
        return format!("protobuf message `{message}`");
    }
    if let Some(name) = name {
        return format!("`{name}`");
    }
    if is_any(schema) {
        return "any value".to_owned();
    }
    match kind(schema) {
        Kind::Types(types) => {
            let mut words: Vec<String> = types.into_iter().collect();
            if let (Some(items), true) = (schema.get("items"), words.iter().any(|t| t == "array")) {
                let (items, item_name) = (items, items.get("$ref").and_then(Value::as_str));
                let item = describe(items, item_name.and_then(|r| r.rsplit('/').next()));
                words = words
                    .into_iter()
                    .map(|t| {
                        if t == "array" {
                            format!("array of {item}")
                        } else {
                            t
                        }
                    })
                    .collect();
            }
            words.join(" or ")
        }
        Kind::Values(values) => format!(
            "one of {}",
            values.into_iter().collect::<Vec<_>>().join(", ")
        ),
        Kind::Variants(variants) => format!(
            "one of {}",
            variants
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Kind::Other => schema.to_string(),
    }
}

/// `outer.inner`, or `inner` at the top.
fn join(outer: &str, inner: &str) -> String {
    if outer.is_empty() {
        inner.to_owned()
    } else {
        format!("{outer}.{inner}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{
        ActivityContract, Contract, LimitsContract, ParameterContract, TypeContract,
    };

    /// A contract of one activity `a` with these parameters (name, schema, optional), result
    /// schema and definitions.
    fn contract(parameters: &[(&str, Value, bool)], result: Value, definitions: Value) -> Contract {
        Contract {
            format: super::super::FORMAT.to_owned(),
            activities: vec![ActivityContract {
                name: "a".to_owned(),
                function: "crate::a".to_owned(),
                dynamic: false,
                execution: "async".to_owned(),
                parameters: Some(
                    parameters
                        .iter()
                        .map(|(name, schema, optional)| ParameterContract {
                            name: (*name).to_owned(),
                            rust_type: "T".to_owned(),
                            schema: schema.clone(),
                            optional: *optional,
                        })
                        .collect(),
                ),
                result: TypeContract {
                    rust_type: "R".to_owned(),
                    schema: result,
                },
                limits: LimitsContract {
                    max_result_size: None,
                    warn_result_size: None,
                    max_heartbeat_size: None,
                },
            }],
            definitions: serde_json::from_value(definitions).unwrap(),
            warnings: Vec::new(),
        }
    }

    fn drift(old: &Contract, new: &Contract) -> Vec<String> {
        old.incompatibilities(new)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn object(properties: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": properties, "required": required})
    }

    #[test]
    fn parameters_removed_added_made_required_and_retyped() {
        let string = json!({"type": "string"});
        let optional = json!({"type": ["string", "null"]});
        let old = contract(
            &[("a", string.clone(), false), ("b", optional.clone(), true)],
            json!({"type": "null"}),
            json!({}),
        );
        // Unchanged, and a new optional tail: compatible.
        assert_eq!(drift(&old, &old), Vec::<String>::new());
        let added_optional = contract(
            &[
                ("a", string.clone(), false),
                ("b", optional.clone(), true),
                ("c", optional.clone(), true),
            ],
            json!({"type": "null"}),
            json!({}),
        );
        assert_eq!(drift(&old, &added_optional), Vec::<String>::new());
        // A wider number is fine for an argument.
        let int = contract(
            &[("n", json!({"type": "integer"}), false)],
            json!(true),
            json!({}),
        );
        let num = contract(
            &[("n", json!({"type": "number"}), false)],
            json!(true),
            json!({}),
        );
        assert_eq!(drift(&int, &num), Vec::<String>::new());
        assert_eq!(
            drift(&num, &int),
            ["activity `a`, parameter `n`: retyped from number to integer"]
        );

        let new = contract(
            &[
                ("a", json!({"type": "integer"}), false),
                ("b", string.clone(), false),
            ],
            json!({"type": "null"}),
            json!({}),
        );
        assert_eq!(
            drift(&old, &new),
            [
                "activity `a`, parameter `a`: retyped from string to integer",
                "activity `a`, parameter `b`: made required",
            ]
        );
        let fewer = contract(
            &[("a", string.clone(), false)],
            json!({"type": "null"}),
            json!({}),
        );
        assert_eq!(
            drift(&old, &fewer),
            ["activity `a`, parameter `b`: removed"]
        );
        let more = contract(
            &[
                ("a", string.clone(), false),
                ("b", optional, true),
                ("c", string, false),
            ],
            json!({"type": "null"}),
            json!({}),
        );
        assert_eq!(
            drift(&old, &more),
            ["activity `a`, parameter `c`: added as required"]
        );
        let mut gone = old.clone();
        gone.activities[0].name = "b".to_owned();
        assert_eq!(drift(&old, &gone), ["activity `a`: removed"]);
    }

    #[test]
    fn fields_of_arguments_and_results_through_definitions() {
        let customer = |email: Value, required: &[&str]| {
            json!({
                "Customer": object(json!({"name": {"type": "string"}, "email": email}), required),
                "Order": object(json!({"customer": {"$ref": "#/$defs/Customer"}}), &["customer"]),
                "Receipt": object(
                    json!({"total": {"type": "integer"}, "note": {"type": ["string", "null"]}}),
                    &["total"],
                ),
            })
        };
        let order = json!({"$ref": "#/$defs/Order"});
        let receipt = json!({"$ref": "#/$defs/Receipt"});
        let old = contract(
            &[("order", order.clone(), false)],
            receipt.clone(),
            customer(json!({"type": ["string", "null"]}), &["name"]),
        );
        let new = contract(
            &[("order", order.clone(), false)],
            receipt.clone(),
            customer(json!({"type": "string"}), &["name", "email"]),
        );
        assert_eq!(
            drift(&old, &new),
            ["activity `a`, parameter `order`, field `customer.email`: made required"]
        );

        let mut definitions = customer(json!({"type": ["string", "null"]}), &["name"]);
        definitions["Receipt"] = object(json!({"note": {"type": ["string", "null"]}}), &[]);
        let new = contract(&[("order", order, false)], receipt, definitions);
        assert_eq!(
            drift(&old, &new),
            ["activity `a`, result, field `total`: removed"]
        );
    }

    #[test]
    fn enum_values_and_variants() {
        let values = |vs: Value| json!({"type": "string", "enum": vs});
        let old = contract(
            &[("p", values(json!(["a", "b"])), false)],
            values(json!(["x"])),
            json!({}),
        );
        let new = contract(
            &[("p", values(json!(["a"])), false)],
            values(json!(["x", "y"])),
            json!({}),
        );
        assert_eq!(
            drift(&old, &new),
            [
                "activity `a`, parameter `p`: variant `b` removed",
                "activity `a`, result: variant `y` added to a result",
            ]
        );
        // A data-carrying enum: a variant's content compared too.
        let tagged = |days: Value| {
            json!({"oneOf": [
                {"type": "string", "const": "standard"},
                {"type": "object", "properties": {"express": object(json!({"days": days}), &["days"])}, "required": ["express"]},
            ]})
        };
        let old = contract(
            &[("s", tagged(json!({"type": "integer"})), false)],
            json!(true),
            json!({}),
        );
        let new = contract(
            &[("s", tagged(json!({"type": "string"})), false)],
            json!(true),
            json!({}),
        );
        assert_eq!(
            drift(&old, &new),
            ["activity `a`, parameter `s`, field `express.days`: retyped from integer to string"]
        );
    }

    #[test]
    fn protobuf_messages_are_compared_by_name() {
        let message = |name: &str| {
            json!({"title": name, "type": "object", "x-protobuf-message": name,
                   "x-payload-encoding": "json/protobuf"})
        };
        let old = contract(
            &[("order", message("shop.v1.Order"), false)],
            message("shop.v1.Receipt"),
            json!({}),
        );
        assert_eq!(drift(&old, &old), Vec::<String>::new());
        let new = contract(
            &[("order", message("shop.v2.Order"), false)],
            json!({"type": "string"}),
            json!({}),
        );
        assert_eq!(
            drift(&old, &new),
            [
                "activity `a`, parameter `order`: retyped from protobuf message `shop.v1.Order` \
                 to protobuf message `shop.v2.Order`",
                "activity `a`, result: retyped from protobuf message `shop.v1.Receipt` to string",
            ]
        );
        // A JSON object where a message was: retyped, though both are objects.
        let object = contract(
            &[("order", object(json!({}), &[]), false)],
            message("shop.v1.Receipt"),
            json!({}),
        );
        assert_eq!(
            drift(&old, &object),
            [
                "activity `a`, parameter `order`: retyped from protobuf message `shop.v1.Order` to object"
            ]
        );
    }

    #[test]
    fn recursive_types_end() {
        let tree = json!({"Tree": object(
            json!({"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}),
            &["children"],
        )});
        let t = contract(
            &[("t", json!({"$ref": "#/$defs/Tree"}), false)],
            json!(true),
            tree,
        );
        assert_eq!(drift(&t, &t), Vec::<String>::new());
    }
}
