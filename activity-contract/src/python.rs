//! The Python package of typed callers: `types.py` from `datamodel-code-generator` (dataclasses
//! for the named types), and `__init__.py` written here: an `@activity.defn(name=...)` stub per
//! activity with the Rust signature, and a keyword-argument caller `execute_<activity>`.
//!
//! A protobuf message is its `_pb2` class where [`ProtoModules`] maps its package to the module
//! (`interop.v1=interop.v1.orders_pb2`), else `google.protobuf.message.Message`: any message
//! type-checks, and the workflow must import the message's `_pb2` module itself, for the SDK to
//! find the result's `messageType`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use activity_runtime::contract::{ActivityContract, Contract};
use serde_json::Value;

use crate::shape::{Shape, types_schema};
use crate::{GenerateError, ProtoModules, Tool, identifier, write_file};

/// The options of `workflow.ActivityConfig`, which the keyword callers take beside the
/// activity's own parameters: a parameter of one of these names gets a `_` appended.
const CONFIG_KEYS: &[&str] = &[
    "task_queue",
    "schedule_to_close_timeout",
    "schedule_to_start_timeout",
    "start_to_close_timeout",
    "heartbeat_timeout",
    "retry_policy",
    "cancellation_type",
    "activity_id",
    "versioning_intent",
    "summary",
    "event_groups",
    "priority",
    "config",
];

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Writes the package into `out`: `contract.schema.json`, `types.py` (by `generator`, the
/// `datamodel-codegen` command) and `__init__.py`. `source` names the contract in the header;
/// `protos` maps protobuf packages to their `_pb2` modules.
pub fn write(
    contract: &Contract,
    source: &str,
    out: &Path,
    generator: &Tool,
    protos: &ProtoModules,
) -> Result<(), GenerateError> {
    std::fs::create_dir_all(out).map_err(|err| GenerateError::Write(out.to_owned(), err))?;
    let schema = out.join("contract.schema.json");
    write_file(&schema, &pretty(&types_schema(contract, "ContractTypes")))?;
    let types = out.join("types.py");
    generator.run(&[
        "--input".as_ref(),
        schema.as_os_str(),
        "--input-file-type".as_ref(),
        "jsonschema".as_ref(),
        "--output-model-type".as_ref(),
        "dataclasses.dataclass".as_ref(),
        "--target-python-version".as_ref(),
        "3.10".as_ref(),
        "--use-standard-collections".as_ref(),
        // `class Priority(str, Enum)`: the SDK's JSON encoder writes a `str` subclass, not a
        // plain `Enum`.
        "--use-subclass-enum".as_ref(),
        "--use-union-operator".as_ref(),
        "--use-schema-description".as_ref(),
        "--use-field-description".as_ref(),
        "--disable-timestamp".as_ref(),
        "--output".as_ref(),
        types.as_os_str(),
    ])?;
    write_file(&out.join("__init__.py"), &stubs(contract, source, protos))
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}

/// The text of `__init__.py`.
pub fn stubs(contract: &Contract, source: &str, protos: &ProtoModules) -> String {
    let mut names = BTreeSet::new();
    let mut messages = BTreeSet::new();
    let (mut uses_any, mut uses_literal) = (false, false);
    let mut body = String::new();
    for activity in &contract.activities {
        match &activity.parameters {
            Some(parameters) if !activity.dynamic => {
                let function = python_identifier(&activity.name);
                let params: Vec<(String, Shape, bool)> = parameters
                    .iter()
                    .map(|p| {
                        let mut name = python_identifier(&p.name);
                        if CONFIG_KEYS.contains(&name.as_str()) {
                            name.push('_');
                        }
                        (name, Shape::of_top_level(&p.schema, true), p.optional)
                    })
                    .collect();
                let result = Shape::of_top_level(&activity.result.schema, false);
                for shape in params.iter().map(|(_, shape, _)| shape).chain([&result]) {
                    shape.names(&mut names);
                    shape.messages(&mut messages);
                    uses_any |= shape.mentions(&|s| matches!(s, Shape::Any | Shape::Object));
                    uses_literal |= shape.mentions(&|s| matches!(s, Shape::Literals(_)));
                }
                activity_stub(&mut body, activity, &function, &params, &result, protos);
            }
            _ => {
                let _ = writeln!(
                    body,
                    "\n# `{}` ({}): {}; call it by name, e.g.\n# `workflow.execute_activity(\"<type>\", arg, start_to_close_timeout=...)`.\n",
                    activity.name,
                    activity.function,
                    if activity.dynamic {
                        "the dynamic activity, which serves every type no other activity has and takes any arguments"
                    } else {
                        "its parameters are not known"
                    },
                );
            }
        }
    }
    let mut text = format!(
        "\"\"\"Typed callers of the Rust activities of {source}.\n\n\
         Generated by `activity-contract python` from the exported contract: do not edit,\n\
         regenerate. Two ways to call each activity from a workflow:\n\n\
         - ``workflow.execute_activity(say_hello, \"World\", start_to_close_timeout=...)``: each\n  \
           stub below is an ``@activity.defn`` with the Rust signature, so a type checker checks\n  \
           a single argument and the result, and the SDK converts the result to its dataclass.\n\
         - ``await execute_quote_order(order=..., coupon=..., start_to_close_timeout=...)``: every\n  \
           argument by name, each checked on its own, for any number of parameters.\n\
         \"\"\"\n\n\
         from __future__ import annotations\n\n"
    );
    let typing: Vec<&str> = [(uses_any, "Any"), (uses_literal, "Literal")]
        .into_iter()
        .filter_map(|(used, name)| used.then_some(name))
        .collect();
    if !typing.is_empty() {
        let _ = writeln!(text, "from typing import {}\n", typing.join(", "));
    }
    text.push_str(
        "from temporalio import activity, workflow\nfrom typing_extensions import Unpack\n\n",
    );
    // The protobuf messages: the mapped `_pb2` modules, and the base class for the others.
    let mut modules = BTreeSet::new();
    let mut unmapped = false;
    for message in &messages {
        match protos.find(message) {
            Some((module, _)) => {
                modules.insert(module);
            }
            None => unmapped = true,
        }
    }
    if unmapped {
        text.push_str("from google.protobuf import message as _message\n");
    }
    for module in &modules {
        let _ = writeln!(text, "import {module} as {}", module_alias(module));
    }
    if unmapped || !modules.is_empty() {
        text.push('\n');
    }
    // Every generated type, re-exported (a star import is an export to type checkers too),
    // and by name the ones the stubs use.
    text.push_str("from .types import *  # noqa: F403\n");
    if !names.is_empty() {
        let list: Vec<String> = names.iter().map(|n| python_identifier(n)).collect();
        let _ = writeln!(text, "from .types import {}", list.join(", "));
    }
    text.push_str(&body);
    text
}

/// The `@activity.defn` stub and the keyword caller of one activity.
fn activity_stub(
    out: &mut String,
    activity: &ActivityContract,
    function: &str,
    params: &[(String, Shape, bool)],
    result: &Shape,
    protos: &ProtoModules,
) {
    let signature: Vec<String> = params
        .iter()
        .map(|(name, shape, optional)| {
            let default = if *optional { " = None" } else { "" };
            format!("{name}: {}{default}", render(shape, protos))
        })
        .collect();
    let result_type = render(result, protos);
    // Messages typed as any message say which one they are.
    let mut unmapped = BTreeSet::new();
    for shape in params.iter().map(|(_, shape, _)| shape).chain([result]) {
        shape.messages(&mut unmapped);
    }
    unmapped.retain(|message| protos.find(message).is_none());
    let note = if unmapped.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = unmapped.iter().map(|m| format!("``{m}``")).collect();
        format!(
            "\n\n    Protobuf messages: {} (import their ``_pb2`` module in the workflow).\n    ",
            list.join(", ")
        )
    };
    let _ = write!(
        out,
        "\n\n@activity.defn(name={name})\n\
         async def {function}({params}) -> {result_type}:\n    \
             \"\"\"`{rust}` (Rust). A stub for ``workflow.execute_activity``: the Rust worker runs it.{note}\"\"\"\n    \
             raise NotImplementedError(\"`{activity}` is served by the Rust worker\")\n",
        name = string_literal(&activity.name),
        params = signature.join(", "),
        rust = activity.function,
        activity = activity.name,
    );
    let keyword_params: Vec<String> = signature
        .iter()
        .cloned()
        .chain(std::iter::once(
            "**config: Unpack[workflow.ActivityConfig]".to_owned(),
        ))
        .collect();
    let names: Vec<&str> = params.iter().map(|(name, _, _)| name.as_str()).collect();
    let call = match names.as_slice() {
        [] => format!("workflow.execute_activity({function}, **config)"),
        [one] => format!("workflow.execute_activity({function}, {one}, **config)"),
        many => format!(
            "workflow.execute_activity({function}, args=[{}], **config)",
            many.join(", ")
        ),
    };
    let _ = write!(
        out,
        "\n\nasync def execute_{function}(*, {keyword_params}) -> {result_type}:\n    \
             \"\"\"Runs `{activity}` from a workflow: its arguments by name, and the options of\n    \
             ``workflow.execute_activity`` (``start_to_close_timeout=...``).\"\"\"\n    \
             return await {call}\n",
        keyword_params = keyword_params.join(", "),
        activity = activity.name,
    );
}

/// A type expression.
fn render(shape: &Shape, protos: &ProtoModules) -> String {
    match shape {
        Shape::Any => "Any".to_owned(),
        Shape::Bytes => "bytes".to_owned(),
        Shape::Named(name) => python_identifier(name),
        Shape::Message(message) => match protos.find(message) {
            Some((module, name)) => format!("{}.{name}", module_alias(module)),
            None => "_message.Message".to_owned(),
        },
        Shape::Null => "None".to_owned(),
        Shape::String => "str".to_owned(),
        Shape::Integer => "int".to_owned(),
        Shape::Number => "float".to_owned(),
        Shape::Boolean => "bool".to_owned(),
        Shape::Array(item) => format!("list[{}]", render(item, protos)),
        Shape::Map(value) => format!("dict[str, {}]", render(value, protos)),
        Shape::Object => "dict[str, Any]".to_owned(),
        Shape::Literals(values) => {
            let literals: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => string_literal(s),
                    Value::Bool(true) => "True".to_owned(),
                    Value::Bool(false) => "False".to_owned(),
                    Value::Null => "None".to_owned(),
                    other => other.to_string(),
                })
                .collect();
            format!("Literal[{}]", literals.join(", "))
        }
        Shape::Union(shapes) => shapes
            .iter()
            .map(|shape| render(shape, protos))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// The name a `_pb2` module is imported as: `_interop_v1_orders_pb2`.
fn module_alias(module: &str) -> String {
    format!("_{}", identifier(module))
}

/// A Python string literal (JSON's escapes are Python's).
fn string_literal(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// `name` as a Python identifier: other characters become `_`, and a keyword gets a `_`.
fn python_identifier(name: &str) -> String {
    let mut ident = identifier(name);
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        let shape = Shape::Union(vec![
            Shape::Array(Box::new(Shape::Named("Order".into()))),
            Shape::Null,
        ]);
        let none = ProtoModules::default();
        assert_eq!(render(&shape, &none), "list[Order] | None");
        assert_eq!(
            render(&Shape::Literals(vec!["a".into(), Value::Null]), &none),
            "Literal[\"a\", None]"
        );
        let order = Shape::Message("interop.v1.Order".into());
        assert_eq!(render(&order, &none), "_message.Message");
        let mapped = ProtoModules::default().with("interop.v1", "interop.v1.orders_pb2");
        assert_eq!(render(&order, &mapped), "_interop_v1_orders_pb2.Order");
        assert_eq!(python_identifier("from"), "from_");
        assert_eq!(python_identifier("orders.v2-quote"), "orders_v2_quote");
    }
}
