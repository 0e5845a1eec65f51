//! A payload codec that encrypts with AES-256-GCM, byte-compatible with the Temporal Python
//! encryption sample (`samples-python/encryption/codec.py`, the Python SDK's `PayloadCodec` with
//! the `cryptography` package):
//!
//! - metadata `encoding: binary/encrypted` and `encryption-key-id: <key id>`;
//! - data: a random 12-byte nonce, then the AES-GCM ciphertext (with its 16-byte tag) of the
//!   original payload serialized as protobuf `Payload` bytes; no associated data.
//!
//! Payloads without `encoding: binary/encrypted` are decoded as they are, so plain callers still
//! work.
//!
//! ```
//! use activity_runtime::Worker;
//! use examples::encryption::EncryptionCodec;
//!
//! let builder = Worker::builder().codec(EncryptionCodec::new("my-key", [7u8; 32]));
//! ```

use std::fmt;
use std::sync::Arc;

use activity_runtime::codec::{PayloadCodec, PayloadConversionError, SerializationContextData};
use activity_runtime::payload::Payload;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use prost::Message;

/// The key id of the Python sample.
pub const SAMPLE_KEY_ID: &str = "test-key-id";
/// The (test only!) key of the Python sample.
pub const SAMPLE_KEY: &[u8; 32] = b"test-key-test-key-test-key-test!";

const ENCODING: &str = "binary/encrypted";
const KEY_ID: &str = "encryption-key-id";
const NONCE_LEN: usize = 12;

/// AES-256-GCM encryption of whole payloads. Its `Debug` shows the key id, never the key.
#[derive(Clone)]
pub struct EncryptionCodec {
    key_id: String,
    cipher: Arc<Aes256Gcm>,
}

impl EncryptionCodec {
    /// A codec with a 256-bit key, named `key_id` in the payloads it writes.
    pub fn new(key_id: impl Into<String>, key: [u8; 32]) -> Self {
        Self {
            key_id: key_id.into(),
            cipher: Arc::new(Aes256Gcm::new(&key.into())),
        }
    }

    /// The Python sample's key and key id (for tests and demos only).
    pub fn sample() -> Self {
        Self::new(SAMPLE_KEY_ID, *SAMPLE_KEY)
    }

    /// Encrypts one payload.
    ///
    /// # Errors
    /// Never in practice (AES-GCM encryption of in-memory data does not fail).
    pub fn encrypt(&self, payload: &Payload) -> Result<Payload, PayloadConversionError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload.encode_to_vec().as_slice())
            .map_err(|_| error("AES-GCM encryption failed"))?;
        let mut data = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&ciphertext);
        Ok(Payload {
            metadata: [
                ("encoding".to_owned(), ENCODING.as_bytes().to_vec()),
                (KEY_ID.to_owned(), self.key_id.as_bytes().to_vec()),
            ]
            .into(),
            data,
            ..Default::default()
        })
    }

    /// Decrypts one payload; returns payloads that are not encrypted as they are.
    ///
    /// # Errors
    /// Another key id, a truncated payload or a failed authentication (wrong key, tampering).
    pub fn decrypt(&self, payload: Payload) -> Result<Payload, PayloadConversionError> {
        if payload.metadata.get("encoding").map(Vec::as_slice) != Some(ENCODING.as_bytes()) {
            return Ok(payload);
        }
        let key_id = payload
            .metadata
            .get(KEY_ID)
            .map(|k| String::from_utf8_lossy(k));
        if key_id.as_deref() != Some(self.key_id.as_str()) {
            return Err(error(&format!(
                "payload encrypted with key id {key_id:?}, this codec has `{}`",
                self.key_id
            )));
        }
        if payload.data.len() < NONCE_LEN {
            return Err(error("encrypted payload shorter than its nonce"));
        }
        let (nonce, ciphertext) = payload.data.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| error("AES-GCM decryption failed: wrong key or tampered payload"))?;
        Payload::decode(plain.as_slice()).map_err(|e| error(&format!("not a Payload: {e}")))
    }
}

impl fmt::Debug for EncryptionCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionCodec")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PayloadCodec for EncryptionCodec {
    fn encode(
        &self,
        _: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> futures_boxed::BoxFuture<Vec<Payload>> {
        let result = payloads.iter().map(|p| self.encrypt(p)).collect();
        Box::pin(std::future::ready(result))
    }

    fn decode(
        &self,
        _: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> futures_boxed::BoxFuture<Vec<Payload>> {
        let result = payloads.into_iter().map(|p| self.decrypt(p)).collect();
        Box::pin(std::future::ready(result))
    }
}

mod futures_boxed {
    use super::PayloadConversionError;
    use std::future::Future;
    use std::pin::Pin;

    /// The future type of [`PayloadCodec`](super::PayloadCodec) methods.
    pub type BoxFuture<T> =
        Pin<Box<dyn Future<Output = Result<T, PayloadConversionError>> + Send + 'static>>;
}

fn error(message: &str) -> PayloadConversionError {
    PayloadConversionError::EncodingError(message.to_owned().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_leaves_plain_payloads_alone() {
        let codec = EncryptionCodec::sample();
        let plain = Payload {
            metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
            data: br#""top secret""#.to_vec(),
            ..Default::default()
        };
        let encrypted = codec.encrypt(&plain).unwrap();
        assert_eq!(encrypted.metadata["encoding"], b"binary/encrypted");
        assert_eq!(encrypted.metadata["encryption-key-id"], b"test-key-id");
        assert!(!String::from_utf8_lossy(&encrypted.data).contains("secret"));
        assert_eq!(codec.decrypt(encrypted.clone()).unwrap(), plain);
        assert_eq!(codec.decrypt(plain.clone()).unwrap(), plain);
        let other = EncryptionCodec::new("test-key-id", [1; 32]);
        assert!(other.decrypt(encrypted).is_err());
        assert!(!format!("{codec:?}").contains("test-key-test"));
    }
}
