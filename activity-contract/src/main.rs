//! `activity-contract`: typed Python and TypeScript callers from an exported contract, and the
//! drift check between a committed contract and the current one.
//!
//! ```text
//! activity-contract python contract.json --out workflows/rust_activities \
//!     --proto-module interop.v1=interop.v1.orders_pb2
//! activity-contract typescript contract.json --out src/rust-activities
//! my-worker --print-contract > current.json
//! activity-contract check contract.json current.json   # exit status 1 on any incompatible change
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use activity_contract::{ProtoModules, Tool, python, typescript};
use activity_runtime::contract::Contract;
use clap::{Arg, ArgMatches, Command};

fn cli() -> Command {
    let contract = || {
        Arg::new("contract")
            .required(true)
            .value_parser(clap::value_parser!(PathBuf))
            .help("the contract document (`Activities::contract().to_json()`)")
    };
    let out = || {
        Arg::new("out")
            .long("out")
            .required(true)
            .value_parser(clap::value_parser!(PathBuf))
            .help("the folder to write into")
    };
    Command::new("activity-contract")
        .about("Typed callers from the exported contract of Rust activities, and drift checks")
        .subcommand_required(true)
        .subcommand(
            Command::new("check")
                .about(
                    "Compares a committed contract with the current one; fails naming every \
                     activity, parameter or field that changed incompatibly",
                )
                .arg(
                    Arg::new("committed")
                        .required(true)
                        .value_parser(clap::value_parser!(PathBuf))
                        .help("the contract callers were generated from"),
                )
                .arg(
                    Arg::new("current")
                        .required(true)
                        .value_parser(clap::value_parser!(PathBuf))
                        .help("the contract of the current code (`worker --print-contract`)"),
                ),
        )
        .subcommand(
            Command::new("python")
                .about("Writes a Python package of typed callers: types.py and __init__.py")
                .arg(contract())
                .arg(out())
                .arg(
                    Arg::new("datamodel-codegen")
                        .long("datamodel-codegen")
                        .default_value("datamodel-codegen")
                        .help("the datamodel-code-generator command"),
                )
                .arg(
                    Arg::new("proto-module")
                        .long("proto-module")
                        .value_name("PROTO_PACKAGE=MODULE")
                        .action(clap::ArgAction::Append)
                        .help(
                            "the `_pb2` module of a protobuf package's (or message's) classes, \
                             e.g. `interop.v1=interop.v1.orders_pb2`; repeat for more (others \
                             are typed as `google.protobuf.message.Message`)",
                        ),
                ),
        )
        .subcommand(
            Command::new("typescript")
                .about(
                    "Writes a TypeScript module of typed callers: types.ts, activities.ts and \
                     callers.ts",
                )
                .arg(contract())
                .arg(out())
                .arg(
                    Arg::new("json2ts")
                        .long("json2ts")
                        .default_value("json2ts")
                        .help("the json2ts command of json-schema-to-typescript"),
                ),
        )
}

fn read(path: &PathBuf) -> Result<Contract, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("could not read {}: {err}", path.display()))?;
    Contract::from_json(&text).map_err(|err| format!("{}: {}", path.display(), chain(&err)))
}

/// An error with its sources, `: `-separated.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(err) = source {
        text.push_str(&format!(": {err}"));
        source = err.source();
    }
    text
}

fn run(matches: &ArgMatches) -> Result<ExitCode, String> {
    match matches.subcommand() {
        Some(("check", matches)) => {
            let committed_path = matches.get_one::<PathBuf>("committed").expect("required");
            let committed = read(committed_path)?;
            let current = read(matches.get_one::<PathBuf>("current").expect("required"))?;
            let found = committed.incompatibilities(&current);
            if found.is_empty() {
                println!(
                    "compatible: every activity of {} is still served as callers expect",
                    committed_path.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            for incompatibility in &found {
                println!("{incompatibility}");
            }
            eprintln!(
                "{} incompatible change(s) since {}: regenerate the callers and update their \
                 workflows, or restore the old signatures",
                found.len(),
                committed_path.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Some((language, sub)) => {
            let source = sub.get_one::<PathBuf>("contract").expect("required");
            let contract = read(source)?;
            let out = sub.get_one::<PathBuf>("out").expect("required");
            let label = format!("`{}`", source.display());
            let written = if language == "python" {
                let tool = Tool::new(
                    sub.get_one::<String>("datamodel-codegen")
                        .expect("defaulted"),
                    "datamodel-codegen",
                );
                let mut protos = ProtoModules::default();
                for spec in sub.get_many::<String>("proto-module").into_iter().flatten() {
                    protos = protos.with_spec(spec)?;
                }
                python::write(&contract, &label, out, &tool, &protos)
            } else {
                let tool = Tool::new(
                    sub.get_one::<String>("json2ts").expect("defaulted"),
                    "json2ts",
                );
                typescript::write(&contract, &label, out, &tool)
            };
            written.map_err(|err| chain(&err))?;
            for warning in &contract.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(ExitCode::SUCCESS)
        }
        None => unreachable!("a subcommand is required"),
    }
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    run(&matches).unwrap_or_else(|err| {
        eprintln!("activity-contract: {err}");
        ExitCode::from(2)
    })
}
