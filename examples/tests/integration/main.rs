//! The examples against real dev servers and real clients (the `temporal` CLI, the Python and
//! TypeScript SDKs, a headless browser, an HTTP API, a database, an S3 server), as one test
//! binary: one link of the worker tree instead of one per file.

mod common;

mod async_completion;
mod cli;
mod codec_server;
mod configured_worker;
mod container;
mod contract;
mod database;
mod encrypted;
mod encryption_interop;
mod health;
mod hello_workflows;
mod http;
mod inventory;
mod manifests;
mod production_worker;
mod protobuf_interop;
mod python;
mod resumable;
mod storage;
mod typed_client;
