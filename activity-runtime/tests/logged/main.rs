//! Tests that read what the worker logs, as one test binary (one link of the worker tree) with
//! one global `tracing` subscriber, [`logs`], that every test reads. Each test looks only for the
//! lines of its own activities (their types and ids are unique in this binary), except the TLS
//! test's search for secrets, which reads everything.

#[path = "../common/mod.rs"]
mod common;

mod logs;
mod outage;
mod payload_limits;
mod storage_errors;
mod tls_proxy;
mod tracing_span;
