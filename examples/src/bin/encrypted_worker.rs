//! The example activities behind end-to-end encryption: every payload the worker sends
//! (results, heartbeat details, failure details) is encrypted with AES-256-GCM before it leaves
//! the process, and every payload it receives is decrypted, so the Temporal server (or Temporal
//! Cloud) stores and shows only ciphertext. The codec (`examples::encryption`) is
//! byte-compatible with the Temporal Python encryption sample: a Python workflow with that
//! sample's codec and the same key calls these activities as usual.
//!
//! ```text
//! ENCRYPTION_KEY_ID=key-2026-12 ENCRYPTION_KEY=$(openssl rand -base64 32) \
//!     TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin encrypted_worker
//! ```
//!
//! Without `ENCRYPTION_KEY` it uses the Python sample's key (id `test-key-id`), which is public:
//! for trying it with that sample only. Callers need the same codec and key: a Rust client with
//! `ConnectOptions::codec`, a Python client with `DataConverter(payload_codec=...)`, the CLI and
//! Web UI with a codec server.

use activity_runtime::{Worker, activities};
use anyhow::Context as _;
use base64::Engine as _;
use examples::encryption::EncryptionCodec;

/// The codec with the key of `ENCRYPTION_KEY` (base64 of 32 bytes), named
/// `ENCRYPTION_KEY_ID` in the payloads, or the Python sample's.
fn codec_from_env() -> anyhow::Result<EncryptionCodec> {
    let Ok(encoded) = std::env::var("ENCRYPTION_KEY") else {
        tracing::warn!("ENCRYPTION_KEY is not set: using the Python sample's key, which is public");
        return Ok(EncryptionCodec::sample());
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .context("ENCRYPTION_KEY is not base64 (make one with `openssl rand -base64 32`)")?;
    let key: [u8; 32] = key.try_into().map_err(|key: Vec<u8>| {
        anyhow::anyhow!(
            "ENCRYPTION_KEY is {} bytes; AES-256 needs 32 (make one with `openssl rand -base64 32`)",
            key.len()
        )
    })?;
    let key_id = std::env::var("ENCRYPTION_KEY_ID").unwrap_or_else(|_| "key-1".to_owned());
    Ok(EncryptionCodec::new(key_id, key))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let codec = codec_from_env()?;
    let task_queue = examples::task_queue_or("encrypted-activities");
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .codec(codec)
        .register(activities![
            examples::say_hello,
            examples::compose_greeting,
            examples::resumable::import_rows
        ])
        .build()
        .await?;
    println!("worker serving task queue `{task_queue}` with encrypted payloads; Ctrl-C to stop");
    worker.run().await?;
    Ok(())
}
