//! What this workspace's test crates share (feature `testing`): one dev server per test binary,
//! task queue names no other test uses, the tools the Makefile installs ([`tools`]), programs run
//! within a time limit ([`process`]) and a moto S3 server ([`moto`]).
//!
//! Failures here are test failures: the functions that find or run something panic with a
//! message that says what is missing and how to get it, except [`moto::MotoServer::start`],
//! whose error a driver that is no test (the soak) reports its own way.

pub mod moto;
pub mod process;
pub mod tools;

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::OnceCell;

use crate::DevServer;

/// The dev server shared by every test of the calling test binary, started by the first caller;
/// it stops when the process exits. Panics when no server starts, with the reason.
pub async fn shared_server() -> &'static DevServer {
    static SERVER: OnceCell<DevServer> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            DevServer::start().await.unwrap_or_else(|err| {
                panic!("these tests need a Temporal dev server (`make test-tools`): {err}")
            })
        })
        .await
}

/// A name no other call in this process returns, and no other process's either:
/// `{prefix}-{pid}-{n}`. For task queues, activity ids and scratch folders.
pub fn unique_task_queue(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}
