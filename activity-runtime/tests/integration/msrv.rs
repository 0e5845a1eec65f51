//! Keeps the `rust-version` the published crates declare honest where no older toolchain can be
//! installed to build with: every crate `activity-runtime` and `activity-macros` need to build
//! (normal and build dependencies, every feature this workspace turns on) must declare a
//! `rust-version` no newer than ours. Our own code is held to it by clippy's `incompatible_msrv`
//! lint, which `make test` runs with warnings denied.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

#[test]
fn no_dependency_needs_a_newer_rust_than_the_declared_rust_version() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let ours = parse_version(env!("CARGO_PKG_RUST_VERSION"));

    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| (package["id"].as_str().expect("id"), package))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|node| (node["id"].as_str().expect("id"), node))
        .collect();

    // Walk from the two published crates through normal and build dependencies.
    let mut pending: Vec<&str> = packages
        .iter()
        .filter(|(_, package)| {
            matches!(
                package["name"].as_str(),
                Some("activity-runtime" | "activity-macros")
            )
        })
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        pending.len(),
        2,
        "both published crates are in the workspace"
    );
    let mut seen = BTreeSet::new();
    while let Some(id) = pending.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let needed = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|kind| kind["kind"].as_str() != Some("dev"));
            if needed {
                pending.push(dep["pkg"].as_str().expect("pkg"));
            }
        }
    }

    let too_new: Vec<String> = seen
        .iter()
        .filter_map(|id| {
            let package = packages[id];
            let theirs = package["rust_version"].as_str()?;
            (parse_version(theirs) > ours).then(|| {
                format!(
                    "{}@{} needs Rust {theirs}",
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?"),
                )
            })
        })
        .collect();
    assert!(
        seen.len() > 100,
        "the walk reached the dependency tree ({} packages)",
        seen.len()
    );
    assert!(
        too_new.is_empty(),
        "the published crates declare rust-version {}, but these dependencies need newer:\n{}",
        env!("CARGO_PKG_RUST_VERSION"),
        too_new.join("\n")
    );
}

/// `1.88` and `1.88.0` as comparable numbers.
fn parse_version(version: &str) -> (u64, u64, u64) {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u64>().expect("a numeric version"));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}
