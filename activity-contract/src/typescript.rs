//! The TypeScript module of typed callers: `types.ts` from `json-schema-to-typescript`
//! (interfaces and unions for the named types), and written here `activities.ts`, a function
//! declaration per activity with the Rust signature, for
//! `proxyActivities<typeof activities>(...)`, and `callers.ts`, keyword callers: an interface of
//! named arguments per activity and `proxyKeywordActivities(options)`, so that tsc reports a
//! wrong argument at its property, naming the parameter. A protobuf message is
//! `ProtoMessage<"full.Name">`, its proto3 JSON object.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use activity_runtime::contract::{ActivityContract, Contract};
use serde_json::Value;

use crate::shape::{Shape, types_schema};
use crate::{GenerateError, Tool, identifier, write_file};

/// Words that cannot name a function or a parameter.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "implements",
    "interface",
    "let",
    "package",
    "private",
    "protected",
    "public",
    "static",
    "yield",
    "await",
];

/// Writes the module into `out`: `contract.schema.json`, `types.ts` (by `generator`, the
/// `json2ts` command of json-schema-to-typescript), `activities.ts` (the declarations) and
/// `callers.ts` (the keyword callers).
pub fn write(
    contract: &Contract,
    source: &str,
    out: &Path,
    generator: &Tool,
) -> Result<(), GenerateError> {
    std::fs::create_dir_all(out).map_err(|err| GenerateError::Write(out.to_owned(), err))?;
    let schema = out.join("contract.schema.json");
    let mut schema_value = types_schema(contract, "ContractTypes");
    bare_references(&mut schema_value);
    let mut text = serde_json::to_string_pretty(&schema_value).expect("JSON values serialize");
    text.push('\n');
    write_file(&schema, &text)?;
    let types = out.join("types.ts");
    generator.run(&[
        "--input".as_ref(),
        schema.as_os_str(),
        "--output".as_ref(),
        types.as_os_str(),
        "--unreachableDefinitions".as_ref(),
        "--additionalProperties=false".as_ref(),
    ])?;
    write_file(&out.join("activities.ts"), &declarations(contract, source))?;
    write_file(&out.join("callers.ts"), &keyword_callers(contract, source))
}

/// Drops the annotations beside every `$ref` (schemars puts a field's doc comment there), which
/// json-schema-to-typescript would otherwise take for a new type (`Customer1` beside
/// `Customer`).
fn bare_references(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                map.retain(|key, _| key == "$ref");
            } else {
                map.values_mut().for_each(bare_references);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bare_references),
        _ => {}
    }
}

/// One activity with a TypeScript declaration: its name (an identifier), its parameters (name,
/// shape, optional) and its result.
struct Declared<'c> {
    activity: &'c ActivityContract,
    parameters: Vec<(String, Shape, bool)>,
    result: Shape,
}

/// The activities that get a declaration, and a comment for each of the others.
fn declared(contract: &Contract) -> (Vec<Declared<'_>>, String) {
    let mut typed = Vec::new();
    let mut skipped = String::new();
    for activity in &contract.activities {
        let function = identifier(&activity.name);
        let parameters = match &activity.parameters {
            Some(parameters)
                if !activity.dynamic
                    && function == activity.name
                    && !RESERVED.contains(&function.as_str()) =>
            {
                parameters
            }
            _ => {
                let why = if activity.dynamic {
                    "the dynamic activity: it serves every type no other activity has and takes any arguments"
                } else if activity.parameters.is_none() {
                    "its parameters are not known"
                } else {
                    "its name is not a TypeScript identifier"
                };
                let _ = writeln!(
                    skipped,
                    "\n// `{}` ({}): {why}; call it by name through an untyped proxy.",
                    activity.name, activity.function
                );
                continue;
            }
        };
        let parameters = parameters
            .iter()
            .map(|p| {
                let mut name = identifier(&p.name);
                if RESERVED.contains(&name.as_str()) {
                    name.push('_');
                }
                (name, Shape::of_top_level(&p.schema, true), p.optional)
            })
            .collect();
        typed.push(Declared {
            activity,
            parameters,
            result: Shape::of_top_level(&activity.result.schema, false),
        });
    }
    (typed, skipped)
}

impl Declared<'_> {
    /// `name: Type` or `name?: Type` for each parameter.
    fn parameter_list(&self) -> Vec<String> {
        self.parameters
            .iter()
            .map(|(name, shape, optional)| {
                let optional = if *optional { "?" } else { "" };
                format!("{name}{optional}: {}", render(shape))
            })
            .collect()
    }

    /// The result type, `void` for `()`.
    fn result_type(&self) -> String {
        match &self.result {
            Shape::Null => "void".to_owned(),
            other => render(other),
        }
    }

    /// The named types and messages its signature refers to.
    fn uses(&self, names: &mut BTreeSet<String>, messages: &mut bool) {
        for shape in self
            .parameters
            .iter()
            .map(|(_, s, _)| s)
            .chain([&self.result])
        {
            shape.names(names);
            *messages |= shape.mentions(&|s| matches!(s, Shape::Message(_)));
        }
    }
}

/// The type of a protobuf message in the declarations: its proto3 JSON object, named.
const PROTO_MESSAGE_TYPE: &str = "/**\n \
     * A protobuf message, `FullName` (e.g. `'interop.v1.Order'`), as its proto3 JSON object (fields in\n \
     * lowerCamelCase, 64-bit integers as strings), or a protobufjs message of that type. The Rust\n \
     * worker reads `json/plain`, `json/protobuf` and `binary/protobuf`, and answers `json/protobuf`:\n \
     * a workflow that receives one needs `DefaultPayloadConverterWithProtobufs` with a root that\n \
     * holds the message.\n \
     */\n\
     export type ProtoMessage<FullName extends string> = Record<string, unknown>;\n";

/// The text of `activities.ts`.
pub fn declarations(contract: &Contract, source: &str) -> String {
    let (typed, skipped) = declared(contract);
    let mut names = BTreeSet::new();
    let mut messages = false;
    let mut body = String::new();
    for declared in &typed {
        declared.uses(&mut names, &mut messages);
        let _ = write!(
            body,
            "\n/** `{rust}` (Rust), served by the Rust worker. */\n\
             export declare function {function}({params}): Promise<{result}>;\n",
            rust = declared.activity.function,
            function = declared.activity.name,
            params = declared.parameter_list().join(", "),
            result = declared.result_type(),
        );
    }
    body.push_str(&skipped);
    let mut text = format!(
        "// Typed declarations of the Rust activities of {source}.\n\
         // Generated by `activity-contract typescript` from the exported contract: do not edit,\n\
         // regenerate. In a workflow, each argument by name (`callers.ts`, checked one by one):\n\
         //\n\
         //   import {{ proxyKeywordActivities }} from './callers';\n\
         //   const rust = proxyKeywordActivities({{ startToCloseTimeout: '30 seconds' }});\n\
         //\n\
         // or in the Rust order, through these declarations:\n\
         //\n\
         //   import type * as rust from './activities';\n\
         //   const activities = proxyActivities<typeof rust>({{ startToCloseTimeout: '30 seconds' }});\n\
         //\n\
         // The types (`types.ts`) are re-exported from here.\n\n"
    );
    if !names.is_empty() {
        let list: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = writeln!(
            text,
            "import type {{ {} }} from './types';",
            list.join(", ")
        );
    }
    text.push_str("export type * from './types';\n");
    if messages {
        text.push('\n');
        text.push_str(PROTO_MESSAGE_TYPE);
    }
    text.push_str(&body);
    text
}

/// The text of `callers.ts`: an interface of named arguments per activity, and
/// `proxyKeywordActivities(options)`, whose methods take them and call the activity with its
/// arguments in the Rust order through `proxyActivities`. (tsc names no positional parameter
/// in its errors; a property of an object argument it does.)
pub fn keyword_callers(contract: &Contract, source: &str) -> String {
    let (typed, _) = declared(contract);
    let mut names = BTreeSet::new();
    let mut messages = false;
    let mut taken: BTreeSet<String> = contract.definitions.keys().cloned().collect();
    taken.extend(["ProtoMessage", "KeywordActivities"].map(str::to_owned));
    let (mut interfaces, mut methods, mut bodies) = (String::new(), String::new(), String::new());
    for declared in &typed {
        declared.uses(&mut names, &mut messages);
        let name = &declared.activity.name;
        let rust = &declared.activity.function;
        let result = declared.result_type();
        if declared.parameters.is_empty() {
            let _ = write!(
                methods,
                "  /** `{rust}` (Rust). */\n  {name}(): Promise<{result}>;\n"
            );
            let _ = writeln!(bodies, "    {name}: () => activities.{name}(),");
            continue;
        }
        let mut args = format!("{}Args", pascal_case(name));
        while !taken.insert(args.clone()) {
            args.push('_');
        }
        let _ = write!(
            interfaces,
            "\n/** The arguments of `{name}` (`{rust}`), by name. */\nexport interface {args} {{\n"
        );
        for parameter in declared.parameter_list() {
            let _ = writeln!(interfaces, "  {parameter};");
        }
        interfaces.push_str("}\n");
        // Every argument optional: the object may be left out too.
        let all_optional = declared.parameters.iter().all(|(_, _, optional)| *optional);
        let (declared_args, bound_args) = if all_optional {
            (format!("args?: {args}"), format!("args: {args} = {{}}"))
        } else {
            (format!("args: {args}"), "args".to_owned())
        };
        let _ = write!(
            methods,
            "  /** `{rust}` (Rust). */\n  {name}({declared_args}): Promise<{result}>;\n"
        );
        let call: Vec<String> = declared
            .parameters
            .iter()
            .map(|(parameter, _, _)| format!("args.{parameter}"))
            .collect();
        let _ = writeln!(
            bodies,
            "    {name}: ({bound_args}) => activities.{name}({}),",
            call.join(", ")
        );
    }
    let mut text = format!(
        "// Keyword callers of the Rust activities of {source}: each takes its arguments by name,\n\
         // so that the type checker reports a wrong one at its own property, naming the parameter.\n\
         // Generated by `activity-contract typescript` from the exported contract: do not edit,\n\
         // regenerate. In a workflow:\n\
         //\n\
         //   import {{ proxyKeywordActivities }} from './callers';\n\
         //   const rust = proxyKeywordActivities({{ startToCloseTimeout: '30 seconds' }});\n\
         //   const quote = await rust.quote_order({{ order, coupon: 'TENOFF' }});\n\n\
         import {{ proxyActivities }} from '@temporalio/workflow';\n\
         import type {{ ActivityOptions }} from '@temporalio/workflow';\n\
         import type * as positional from './activities';\n"
    );
    let mut imported: Vec<&str> = names.iter().map(String::as_str).collect();
    if messages {
        imported.push("ProtoMessage");
    }
    if !imported.is_empty() {
        let _ = writeln!(
            text,
            "import type {{ {} }} from './activities';",
            imported.join(", ")
        );
    }
    text.push_str(&interfaces);
    let _ = write!(
        text,
        "\n/** The Rust activities, each taking its arguments by name. */\n\
         export interface KeywordActivities {{\n{methods}}}\n\n\
         /**\n \
          * The Rust activities with `options` (as `proxyActivities` takes them), each taking its\n \
          * arguments by name and calling the activity with them in the Rust order.\n \
          */\n\
         export function proxyKeywordActivities(options: ActivityOptions): KeywordActivities {{\n  \
             const activities = proxyActivities<typeof positional>(options);\n  \
             return {{\n{bodies}  }};\n\
         }}\n"
    );
    text
}

/// `quote_order` as `QuoteOrder`.
fn pascal_case(name: &str) -> String {
    name.split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A type expression.
fn render(shape: &Shape) -> String {
    match shape {
        Shape::Any => "unknown".to_owned(),
        Shape::Bytes => "Uint8Array".to_owned(),
        Shape::Named(name) => name.clone(),
        Shape::Message(message) => format!("ProtoMessage<{}>", Value::String(message.clone())),
        Shape::Null => "null".to_owned(),
        Shape::String => "string".to_owned(),
        Shape::Integer | Shape::Number => "number".to_owned(),
        Shape::Boolean => "boolean".to_owned(),
        Shape::Array(item) => format!("Array<{}>", render(item)),
        Shape::Map(value) => format!("Record<string, {}>", render(value)),
        Shape::Object => "Record<string, unknown>".to_owned(),
        Shape::Literals(values) => values
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" | "),
        Shape::Union(shapes) => shapes.iter().map(render).collect::<Vec<_>>().join(" | "),
    }
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
        assert_eq!(render(&shape), "Array<Order> | null");
        assert_eq!(
            render(&Shape::Literals(vec!["a".into(), 1.into()])),
            "\"a\" | 1"
        );
        assert_eq!(
            render(&Shape::Message("interop.v1.Order".into())),
            "ProtoMessage<\"interop.v1.Order\">"
        );
        assert_eq!(pascal_case("quote_order"), "QuoteOrder");
        assert_eq!(pascal_case("_x__y"), "XY");
    }
}
