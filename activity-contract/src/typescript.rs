//! The TypeScript module of typed callers: `types.ts` from `json-schema-to-typescript`
//! (interfaces and unions for the named types), and `activities.ts` written here: a function
//! declaration per activity with the Rust signature, for
//! `proxyActivities<typeof activities>(...)`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use activity_runtime::contract::Contract;
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
/// `json2ts` command of json-schema-to-typescript) and `activities.ts`.
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
    write_file(&out.join("activities.ts"), &declarations(contract, source))
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

/// The text of `activities.ts`.
pub fn declarations(contract: &Contract, source: &str) -> String {
    let mut names = BTreeSet::new();
    let mut body = String::new();
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
                    body,
                    "\n// `{}` ({}): {why}; call it by name through an untyped proxy.",
                    activity.name, activity.function
                );
                continue;
            }
        };
        let params: Vec<String> = parameters
            .iter()
            .map(|p| {
                let shape = Shape::of_top_level(&p.schema, true);
                shape.names(&mut names);
                let mut name = identifier(&p.name);
                if RESERVED.contains(&name.as_str()) {
                    name.push('_');
                }
                let optional = if p.optional { "?" } else { "" };
                format!("{name}{optional}: {}", render(&shape))
            })
            .collect();
        let result = Shape::of_top_level(&activity.result.schema, false);
        result.names(&mut names);
        let result = match result {
            // `()`: nothing comes back.
            Shape::Null => "void".to_owned(),
            other => render(&other),
        };
        let _ = write!(
            body,
            "\n/** `{rust}` (Rust), served by the Rust worker. */\n\
             export declare function {function}({params}): Promise<{result}>;\n",
            rust = activity.function,
            params = params.join(", "),
        );
    }
    let mut text = format!(
        "// Typed declarations of the Rust activities of {source}.\n\
         // Generated by `activity-contract typescript` from the exported contract: do not edit,\n\
         // regenerate. In a workflow:\n\
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
    text.push_str(&body);
    text
}

/// A type expression.
fn render(shape: &Shape) -> String {
    match shape {
        Shape::Any => "unknown".to_owned(),
        Shape::Bytes => "Uint8Array".to_owned(),
        Shape::Named(name) => name.clone(),
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
    }
}
