//! Typed callers generated from the exported contract of `activity-runtime` activities
//! (`Activities::contract`, feature `contract`), and the drift check of a committed contract.
//!
//! - [`python::write`]: a Python package, dataclasses for the types (by
//!   `datamodel-code-generator`) and an `@activity.defn(name=...)` stub plus a keyword-argument
//!   caller per activity, checked by mypy or pyright; protobuf messages as their `_pb2` classes
//!   ([`ProtoModules`]).
//! - [`typescript::write`]: a TypeScript module, interfaces for the types (by
//!   `json-schema-to-typescript`), a function declaration per activity, for
//!   `proxyActivities<typeof activities>()`, and keyword callers
//!   (`proxyKeywordActivities(options).quote_order({ order, coupon })`), which tsc checks
//!   argument by argument, naming the parameter.
//! - The drift check is `Contract::incompatibilities` of the runtime; the `activity-contract
//!   check` command prints it and fails on any.
//!
//! The schema-to-type step is left to those two generators, the ecosystem's own; what is written
//! here is the part they cannot know: which activities there are, their parameters in order, and
//! how a caller of each SDK calls them.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(unreachable_pub)]

pub mod python;
mod shape;
pub mod typescript;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why callers could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A file or folder could not be written.
    #[error("could not write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
    /// The schema-to-type generator did not start.
    #[error("could not run `{command}` (install it, or name it with `--{option}`)")]
    Start {
        /// The command.
        command: String,
        /// The option that names it.
        option: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The schema-to-type generator failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    Failed {
        /// The command.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed.
        output: String,
    },
}

/// A schema-to-type generator: a program and the arguments that come before the generated ones
/// (`datamodel-codegen`, or `node path/to/json2ts`).
#[derive(Clone, Debug)]
pub struct Tool {
    program: OsString,
    leading: Vec<OsString>,
    /// The command-line option that names it, for messages.
    option: &'static str,
}

impl Tool {
    /// `command`, split on whitespace into the program and leading arguments; `option` is the
    /// command-line option that names it.
    pub fn new(command: &str, option: &'static str) -> Self {
        let mut words = command.split_whitespace().map(OsString::from);
        Self {
            program: words.next().unwrap_or_default(),
            leading: words.collect(),
            option,
        }
    }

    fn run(&self, args: &[&OsStr]) -> Result<(), GenerateError> {
        let mut command = Command::new(&self.program);
        command.args(&self.leading).args(args);
        let described = format!("{command:?}");
        let output = command.output().map_err(|source| GenerateError::Start {
            command: self.program.to_string_lossy().into_owned(),
            option: self.option,
            source,
        })?;
        if !output.status.success() {
            return Err(GenerateError::Failed {
                command: described,
                status: output.status,
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        Ok(())
    }
}

/// Where generated callers find their language's own class of a protobuf message (a parameter or
/// result the contract names by its full name, `interop.v1.Order`): for each prefix of full
/// names, a package (`interop.v1`) or one message, the module that defines them
/// (`interop.v1.orders_pb2`, as `protoc --python_out` names it). The longest prefix wins.
///
/// ```
/// use activity_contract::ProtoModules;
///
/// let modules = ProtoModules::default()
///     .with("interop.v1", "interop.v1.orders_pb2")
///     .with_spec("temporal.api.common.v1=temporalio.api.common.v1")
///     .unwrap();
/// assert_eq!(
///     modules.find("interop.v1.Order"),
///     Some(("interop.v1.orders_pb2", "Order".to_owned()))
/// );
/// assert_eq!(modules.find("shop.v1.Order"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProtoModules {
    prefixes: Vec<(String, String)>,
}

impl ProtoModules {
    /// Messages whose full name is `prefix` or starts with `prefix.` come from `module`.
    pub fn with(mut self, prefix: impl Into<String>, module: impl Into<String>) -> Self {
        self.prefixes.push((prefix.into(), module.into()));
        self
    }

    /// [`with`](Self::with) from `PREFIX=MODULE`, as the command line takes it.
    ///
    /// # Errors
    /// When `spec` is not `PREFIX=MODULE` with both sides non-empty.
    pub fn with_spec(self, spec: &str) -> Result<Self, String> {
        match spec.split_once('=') {
            Some((prefix, module)) if !prefix.trim().is_empty() && !module.trim().is_empty() => {
                Ok(self.with(prefix.trim(), module.trim()))
            }
            _ => Err(format!(
                "`{spec}` is not `PROTO_PACKAGE=MODULE` (e.g. `interop.v1=interop.v1.orders_pb2`)"
            )),
        }
    }

    /// The module of message `full_name` and the message's name in it (`Outer.Inner` for a
    /// nested one), by the longest matching prefix.
    pub fn find(&self, full_name: &str) -> Option<(&str, String)> {
        self.prefixes
            .iter()
            .filter_map(|(prefix, module)| {
                let rest = if full_name == prefix {
                    full_name.rsplit('.').next()?
                } else {
                    full_name.strip_prefix(prefix.as_str())?.strip_prefix('.')?
                };
                Some((prefix.len(), module.as_str(), rest.to_owned()))
            })
            .max_by_key(|(length, _, _)| *length)
            .map(|(_, module, rest)| (module, rest))
    }
}

/// `name` with every character that cannot be in an identifier replaced by `_`, and a `_` in
/// front of a leading digit (the identifiers of Python and TypeScript agree on this much).
fn identifier(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut ident: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    ident
}

fn write_file(path: &Path, text: &str) -> Result<(), GenerateError> {
    std::fs::write(path, text).map_err(|err| GenerateError::Write(path.to_owned(), err))
}
