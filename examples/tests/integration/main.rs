//! The examples against real dev servers and real clients (the `temporal` CLI, the Python SDK, a
//! headless browser), as one test binary: one link of the worker tree instead of one per file.

mod async_completion;
mod cli;
mod codec_server;
mod configured_worker;
mod encryption_interop;
mod inventory;
mod production_worker;
mod typed_client;
