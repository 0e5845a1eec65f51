//! The runtime against a real dev server and real clients, as one test binary sharing one dev
//! server: one link of the worker tree instead of one per file. The tests that read the worker's
//! logs share one global `tracing` subscriber in `tests/logged/`; those that re-execute their
//! binary (process isolation, lifecycle) have binaries of their own.

#[path = "../common/mod.rs"]
mod common;

mod arguments;
mod blocking_pool;
mod context;
mod cross_sdk;
mod dynamic;
mod environment;
mod external_storage;
mod interceptors;
mod layers;
mod metrics;
mod msrv;
mod otel;
mod python_interop;
mod storage_stall;
mod typescript_interop;
mod worker_build;
mod worker_control;
