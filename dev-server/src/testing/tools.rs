//! The interpreters and packages the Makefile's `test-tools` installs under `.tools/`, or where
//! the environment (`TEMPORAL_PYTHON`, `TEMPORAL_NODE_MODULES`, ...) says they are.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root (this crate's parent folder), where `.tools/` is.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives in the workspace")
        .to_owned()
}

/// The Python interpreter with the pinned SDK (`temporalio` 1.35.0, moto, mypy,
/// datamodel-code-generator): `TEMPORAL_PYTHON` when it exists, else `.tools/venv/bin/python`.
/// Panics when neither exists, saying how to get it.
pub fn python() -> PathBuf {
    let fallback = workspace_root().join(".tools/venv/bin/python");
    let from_env = std::env::var_os("TEMPORAL_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    if let Some(path) = from_env.iter().find(|p| p.exists()) {
        return path.clone();
    }
    if fallback.exists() {
        return fallback;
    }
    panic!(
        "this test needs Python with temporalio 1.35.0, but TEMPORAL_PYTHON ({}) and {} do not \
         exist: run `make test-tools` in {}",
        from_env.map_or("unset".to_owned(), |p| p.display().to_string()),
        fallback.display(),
        workspace_root().display(),
    );
}

/// A program the venv installs beside [`python`] (`datamodel-codegen`, `temporal`). Panics when
/// it is not there.
pub fn venv_program(name: &str) -> PathBuf {
    let path = python().with_file_name(name);
    assert!(
        path.exists(),
        "this test needs `{name}`: {} does not exist; run `make test-tools`",
        path.display()
    );
    path
}

/// The `node_modules` folder with the pinned TypeScript SDK (`@temporalio/worker`, `workflow`
/// and `client` 1.24): `TEMPORAL_NODE_MODULES`, else `.tools/ts/node_modules`.
pub fn sdk_node_modules() -> PathBuf {
    node_modules(
        "TEMPORAL_NODE_MODULES",
        ".tools/ts/node_modules",
        "@temporalio/worker/package.json",
        "@temporalio/worker, workflow and client 1.24",
    )
}

/// The `node_modules` folder with the pinned `typescript` and `json-schema-to-typescript`:
/// `TEMPORAL_CONTRACT_NODE_MODULES`, else `.tools/contract-ts/node_modules`.
pub fn contract_node_modules() -> PathBuf {
    node_modules(
        "TEMPORAL_CONTRACT_NODE_MODULES",
        ".tools/contract-ts/node_modules",
        ".bin/json2ts",
        "typescript and json-schema-to-typescript",
    )
}

/// Node.js, at least 20.3 (what `@temporalio/worker` 1.24 needs): `TEMPORAL_NODE`, else `node`
/// on `PATH`. Panics when it does not run or is older.
pub fn node() -> PathBuf {
    let node = std::env::var_os("TEMPORAL_NODE")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let version = Command::new(&node)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| {
            panic!(
                "this test needs Node.js 20.3 or later, but `{}` does not run: install it \
                 (`make test-tools` says how) or set TEMPORAL_NODE",
                node.display()
            )
        });
    let parts: Vec<u32> = version
        .trim_start_matches('v')
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    assert!(
        parts.len() >= 2 && (parts[0], parts[1]) >= (20, 3),
        "this test needs Node.js 20.3 or later; `{}` is {version}",
        node.display()
    );
    node
}

/// `var`'s folder if set, else `fallback` under the workspace; it must hold `probe`, or this
/// panics naming `what` it should hold.
fn node_modules(var: &str, fallback: &str, probe: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .filter(|p| !p.is_empty())
        .map_or_else(|| workspace_root().join(fallback), PathBuf::from);
    assert!(
        path.join(probe).exists(),
        "this test needs {what} in {} ({var}): run `make test-tools` in {}",
        path.display(),
        workspace_root().display()
    );
    path
}
