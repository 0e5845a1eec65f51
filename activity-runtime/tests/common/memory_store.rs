//! An in-memory `StorageDriver` for tests, in one of two modes: one that never answers for some
//! keys, one that refuses every retrieval.

use std::collections::BTreeMap;
use std::sync::Mutex;

use activity_runtime::Payload;
use activity_runtime::storage::{StorageClaim, StorageDriver, StorageError, StoreContext};
use futures_util::future::BoxFuture;

/// How a [`MemoryStore`] answers retrievals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Driver `stalling`: a payload that mentions `stall` is kept under the key `stuck-object`,
    /// and a retrieval of it never answers; the others come back.
    Stall,
    /// Driver `refusing`: every retrieval fails as a reset connection would, naming the first
    /// key; keys are `refused-0`, `refused-1`, ...
    Refuse,
}

/// Keeps payloads in memory under keys made of a counter; retrieves as its [`Mode`] says.
pub struct MemoryStore {
    mode: Mode,
    objects: Mutex<BTreeMap<String, Payload>>,
}

impl MemoryStore {
    /// An empty store in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            objects: Mutex::default(),
        }
    }

    /// The key a payload is stored under, the `count`th in the store.
    fn key(&self, payload: &Payload, count: usize) -> String {
        match self.mode {
            Mode::Stall if String::from_utf8_lossy(&payload.data).contains("stall") => {
                "stuck-object".to_owned()
            }
            Mode::Stall => format!("object-{count}"),
            Mode::Refuse => format!("refused-{count}"),
        }
    }
}

impl StorageDriver for MemoryStore {
    fn name(&self) -> &str {
        match self.mode {
            Mode::Stall => "stalling",
            Mode::Refuse => "refusing",
        }
    }

    fn driver_type(&self) -> &str {
        match self.mode {
            Mode::Stall => "test.stalling",
            Mode::Refuse => "test.refusing",
        }
    }

    fn store<'a>(
        &'a self,
        _: &'a StoreContext,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>> {
        Box::pin(async move {
            let mut objects = self.objects.lock().unwrap();
            Ok(payloads
                .into_iter()
                .map(|payload| {
                    let key = self.key(&payload, objects.len());
                    objects.insert(key.clone(), payload);
                    StorageClaim {
                        claim_data: [("key".to_owned(), key)].into(),
                    }
                })
                .collect())
        })
    }

    fn retrieve<'a>(
        &'a self,
        claims: Vec<StorageClaim>,
    ) -> BoxFuture<'a, Result<Vec<Payload>, StorageError>> {
        Box::pin(async move {
            let keys: Vec<String> = claims.iter().map(|c| c.claim_data["key"].clone()).collect();
            match self.mode {
                Mode::Stall => {
                    if keys.iter().any(|key| key == "stuck-object") {
                        std::future::pending::<()>().await;
                    }
                    let objects = self.objects.lock().unwrap();
                    Ok(keys.iter().map(|key| objects[key].clone()).collect())
                }
                Mode::Refuse => Err(StorageError::Backend {
                    driver: self.name().into(),
                    operation: "retrieve",
                    location: format!("[key={}]", keys[0]),
                    source: Box::new(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "connection reset by the refusing store",
                    )),
                }),
            }
        })
    }
}
