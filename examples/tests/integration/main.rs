//! The examples against real dev servers and real clients (the `temporal` CLI, the Python SDK),
//! as one test binary: one link of the worker tree instead of one per file.

mod async_completion;
mod cli;
mod configured_worker;
mod encryption_interop;
mod inventory;
mod production_worker;
mod protobuf_interop;
mod python;
mod typed_client;
