//! Typed callers generated from the contract of the example activities, against real tools and a
//! real Temporal dev server: the contract matches its committed snapshot; a Python workflow using
//! the generated stubs passes `mypy --strict` and runs against the Rust worker, and the same with
//! a wrong argument type fails the check naming the parameter; the same in TypeScript with
//! `tsc --noEmit`; a Rust parameter retyped makes `activity-contract check` fail naming the
//! activity and the parameter, and the old Python workflow fail its type check.
//!
//! Needs the pinned tools: the Python SDK with mypy and datamodel-code-generator
//! (`TEMPORAL_PYTHON`, else `.tools/venv/bin/python`), the TypeScript SDK (`TEMPORAL_NODE_MODULES`,
//! else `.tools/ts/node_modules`), typescript and json-schema-to-typescript
//! (`TEMPORAL_CONTRACT_NODE_MODULES`, else `.tools/contract-ts/node_modules`) and Node.js; the
//! Makefile installs them all.

mod common;
mod drift;
mod python;
mod snapshot;
mod typescript;
