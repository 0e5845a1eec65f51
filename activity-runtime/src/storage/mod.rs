//! External payload storage: payloads too large for the history go to a bucket, and the history
//! carries a small reference to them, wire-compatible with the other Temporal SDKs (Python's
//! `temporalio.converter.ExternalStorage` and its S3 driver, Go, TypeScript, Java).
//!
//! ```no_run
//! # #[cfg(feature = "object-store")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use activity_runtime::storage::{ExternalStorage, ObjectStoreDriver};
//! use activity_runtime::{Worker, limits::KIB};
//!
//! // Credentials, region and endpoint from the `AWS_*` variables, as boto3 reads them.
//! let storage = ExternalStorage::new(ObjectStoreDriver::s3("my-bucket")?).threshold(256 * KIB);
//! let worker = Worker::builder()
//!     .task_queue("big-data")
//!     .external_storage(storage)
//!     // .register(...)
//!     .build()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What goes where
//!
//! A payload whose protobuf size is at least the [threshold](ExternalStorage::threshold)
//! (256 KiB by default, as in the other SDKs) is handed to the [`StorageDriver`], which stores its
//! serialized bytes and returns a [`StorageClaim`]; the payload is replaced by a reference
//! payload: encoding `json/protobuf`, `messageType` `temporal.api.sdk.v1.ExternalStorageReference`,
//! data `{"claimData":{…},"driverName":"…"}`, and the stored size in the payload's
//! `external_payloads`. Smaller payloads stay inline. Reading accepts that form, the older
//! `json/external-storage-reference` form, and references a codec encoded (marked with the
//! metadata key `__temporal_external_storage_reference`).
//!
//! With a payload codec, storage comes after it as in the other SDKs: outbound payloads are
//! encoded, then stored (the bucket holds encoded bytes; the reference itself is not encoded);
//! inbound references are resolved first, then the codec decodes.
//!
//! On the worker, arguments and the last heartbeat details are resolved before the activity
//! sees them; results, heartbeat details and failure details are stored above the threshold,
//! under the key layout of Python's S3 driver for the same target (the workflow that scheduled
//! the activity, or the standalone activity). Size limits ([`crate::limits`]) then measure what
//! goes on the wire: the references.

#[cfg(feature = "object-store")]
mod object_store_driver;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use futures_util::future::{BoxFuture, try_join_all};
use prost::Message;
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::common::v1::payload::ExternalPayloadDetails;

use crate::limits::KIB;

#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use self::object_store_driver::{ObjectStoreDriver, S3_DRIVER_NAME};
/// The `object_store` crate the [`ObjectStoreDriver`] is built on, for configuring stores
/// (`object_store::aws::AmazonS3Builder`, and GCS, Azure or local files with that crate's
/// features) in the version the runtime uses.
#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use ::object_store;

/// The encoding of references written by SDKs before the `ExternalStorageReference` message
/// (still read).
pub const LEGACY_REFERENCE_ENCODING: &str = "json/external-storage-reference";
/// The `messageType` metadata of a reference payload (encoding `json/protobuf`).
pub const REFERENCE_MESSAGE_TYPE: &str = "temporal.api.sdk.v1.ExternalStorageReference";
/// The metadata key (value `true`) that marks a reference a payload codec encoded.
pub const REFERENCE_MARKER_KEY: &str = "__temporal_external_storage_reference";
/// The default threshold: payloads of at least 256 KiB are stored, as in the other SDKs.
pub const DEFAULT_THRESHOLD: usize = 256 * KIB;

/// What a driver returns for a stored payload and needs to retrieve it: driver-defined strings
/// (for the S3 driver `bucket`, `key`, `hash_algorithm`, `hash_value`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageClaim {
    /// The driver's key-value pairs.
    pub claim_data: BTreeMap<String, String>,
}

/// Whom a payload is stored for; drivers may use it in their keys (the S3 driver does, as
/// Python's).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreTarget {
    /// A workflow: the one that scheduled the activity.
    Workflow {
        /// Its namespace.
        namespace: String,
        /// Its workflow ID.
        id: Option<String>,
        /// Its run ID.
        run_id: Option<String>,
        /// Its workflow type.
        workflow_type: Option<String>,
    },
    /// A standalone activity (started by a client, not a workflow).
    Activity {
        /// Its namespace.
        namespace: String,
        /// Its activity ID.
        id: Option<String>,
        /// Its run ID.
        run_id: Option<String>,
        /// Its activity type.
        activity_type: Option<String>,
    },
}

/// What a driver is told when it stores payloads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreContext {
    /// Whom the payloads are stored for; `None` when unknown (a client outside any workflow).
    pub target: Option<StoreTarget>,
}

impl StoreContext {
    /// A context for `target`.
    pub fn new(target: Option<StoreTarget>) -> Self {
        Self { target }
    }
}

/// Why storing or retrieving a payload failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The object a reference names does not exist.
    #[error("driver `{driver}` found no stored payload at {location}")]
    NotFound {
        /// The driver's name.
        driver: String,
        /// Where it looked (bucket and key for the S3 driver).
        location: String,
        /// What the backend said.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The stored bytes are not what the reference was written for (hash mismatch, not a
    /// payload).
    #[error("driver `{driver}`: the payload at {location} does not match its reference: {reason}")]
    Integrity {
        /// The driver's name.
        driver: String,
        /// Where the object is.
        location: String,
        /// What does not match.
        reason: String,
    },
    /// A reference names a driver this storage does not have.
    #[error(
        "a payload is stored by driver `{name}`, which is not configured here (configured: {configured})"
    )]
    UnknownDriver {
        /// The driver named in the reference.
        name: String,
        /// The drivers configured, comma-separated.
        configured: String,
    },
    /// A reference payload (or a claim in it) could not be read.
    #[error("malformed external storage reference: {reason}")]
    MalformedReference {
        /// What is wrong with it.
        reason: String,
    },
    /// A payload larger than the driver accepts.
    #[error("driver `{driver}` refuses a payload of {size} bytes, over its maximum of {max} bytes")]
    TooLarge {
        /// The driver's name.
        driver: String,
        /// The payload's serialized size.
        size: usize,
        /// The driver's maximum.
        max: usize,
    },
    /// A driver returned a different number of claims or payloads than it was given.
    #[error("driver `{driver}` returned {returned} {what}, expected {expected}")]
    CountMismatch {
        /// The driver's name.
        driver: String,
        /// `claims` or `payloads`.
        what: &'static str,
        /// How many it returned.
        returned: usize,
        /// How many were expected.
        expected: usize,
    },
    /// The storage backend failed (network, permissions, server error).
    #[error("driver `{driver}` could not {operation} {location}")]
    Backend {
        /// The driver's name.
        driver: String,
        /// `store` or `retrieve`.
        operation: &'static str,
        /// Where (bucket and key for the S3 driver).
        location: String,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A driver could not be configured.
    #[error("the storage driver could not be configured: {message}")]
    Config {
        /// What is wrong.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StorageError {
    /// Whether trying again may succeed: a backend failure (network, server) may be transient,
    /// and a worker's configuration (a driver it lacks, a bucket it does not read) may be fixed
    /// by a redeploy, as a worker without storage may. A missing or corrupt object or a
    /// malformed reference stay so on every retry, so an attempt that meets them fails for
    /// good.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Backend { .. } | Self::Config { .. } | Self::UnknownDriver { .. }
        )
    }
}

/// Stores payloads and retrieves them by claim: S3 (`ObjectStoreDriver`, with the
/// `object-store` feature), or any store of your own.
///
/// Object-safe: [`ExternalStorage`] holds drivers as `Arc<dyn StorageDriver>`. A driver must
/// return exactly one claim per stored payload and one payload per claim, in order.
pub trait StorageDriver: Send + Sync + 'static {
    /// This driver instance's name, written in every reference it makes and used to find the
    /// driver that reads one (Python's S3 driver defaults to `aws.s3driver`).
    fn name(&self) -> &str;

    /// The kind of driver, the same across SDKs (e.g. `aws.s3driver`).
    fn driver_type(&self) -> &str;

    /// Stores `payloads` (already codec-encoded) and returns a claim for each.
    fn store<'a>(
        &'a self,
        context: &'a StoreContext,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>>;

    /// Retrieves the payloads `claims` identify.
    fn retrieve<'a>(
        &'a self,
        claims: Vec<StorageClaim>,
    ) -> BoxFuture<'a, Result<Vec<Payload>, StorageError>>;
}

/// External storage: a driver and the size from which payloads are stored. Cheap to clone.
///
/// Set it on the worker ([`WorkerBuilder::external_storage`](crate::WorkerBuilder::external_storage))
/// and the client ([`ConnectOptions::external_storage`](crate::connection::ConnectOptions::external_storage)).
#[derive(Clone)]
pub struct ExternalStorage {
    /// The first stores; all retrieve, by name.
    drivers: Vec<Arc<dyn StorageDriver>>,
    threshold: usize,
}

impl fmt::Debug for ExternalStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalStorage")
            .field("drivers", &self.driver_names())
            .field("threshold", &self.threshold)
            .finish()
    }
}

impl ExternalStorage {
    /// Storage through `driver`, from [`DEFAULT_THRESHOLD`].
    pub fn new(driver: impl StorageDriver) -> Self {
        Self::from_arc(Arc::new(driver))
    }

    /// Storage through a shared driver.
    pub fn from_arc(driver: Arc<dyn StorageDriver>) -> Self {
        Self {
            drivers: vec![driver],
            threshold: DEFAULT_THRESHOLD,
        }
    }

    /// Payloads whose protobuf size is at least `bytes` are stored; smaller ones stay inline.
    /// `0` stores every payload.
    #[must_use]
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// Adds a driver that only reads references made under its name (another bucket, a
    /// driver being migrated from). Stores always go to the first driver. Names are unique: a
    /// driver named as one already present is ignored.
    #[must_use]
    pub fn read_also(mut self, driver: impl StorageDriver) -> Self {
        if !self.drivers.iter().any(|d| d.name() == driver.name()) {
            self.drivers.push(Arc::new(driver));
        }
        self
    }

    /// The size from which payloads are stored.
    pub fn size_threshold(&self) -> usize {
        self.threshold
    }

    fn driver_names(&self) -> String {
        self.drivers
            .iter()
            .map(|d| format!("`{}`", d.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Replaces every payload of at least the threshold by a reference to it, stored by the
    /// first driver for `context`.
    ///
    /// # Errors
    /// The driver's.
    pub async fn store(
        &self,
        context: &StoreContext,
        mut payloads: Vec<Payload>,
    ) -> Result<Vec<Payload>, StorageError> {
        let driver = &self.drivers[0];
        let chosen: Vec<usize> = (0..payloads.len())
            .filter(|&i| payloads[i].encoded_len() >= self.threshold)
            .collect();
        if chosen.is_empty() {
            return Ok(payloads);
        }
        let to_store: Vec<Payload> = chosen.iter().map(|&i| payloads[i].clone()).collect();
        let sizes: Vec<usize> = to_store.iter().map(Message::encoded_len).collect();
        let claims = driver.store(context, to_store).await?;
        if claims.len() != chosen.len() {
            return Err(StorageError::CountMismatch {
                driver: driver.name().to_owned(),
                what: "claims",
                returned: claims.len(),
                expected: chosen.len(),
            });
        }
        for ((index, claim), size) in chosen.into_iter().zip(claims).zip(sizes) {
            payloads[index] = reference_payload(driver.name(), &claim, size);
        }
        Ok(payloads)
    }

    /// Replaces every reference by the payload it names (payloads that are no references are
    /// left as they are). References a codec encoded must be decoded first (see
    /// [`is_marked_reference`]).
    ///
    /// # Errors
    /// A malformed reference, an unknown driver, or the driver's error.
    pub async fn retrieve(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, StorageError> {
        // Claims grouped by driver, each with the index of its payload.
        let mut groups: Vec<DriverClaims> = Vec::new();
        for (index, payload) in payloads.iter().enumerate() {
            let Some(reference) = decode_reference(payload)? else {
                continue;
            };
            let driver = self
                .drivers
                .iter()
                .find(|d| d.name() == reference.driver_name)
                .ok_or_else(|| StorageError::UnknownDriver {
                    name: reference.driver_name.clone(),
                    configured: self.driver_names(),
                })?;
            match groups.iter_mut().find(|(d, _)| Arc::ptr_eq(d, driver)) {
                Some((_, claims)) => claims.push((index, reference.claim)),
                None => groups.push((driver.clone(), vec![(index, reference.claim)])),
            }
        }
        let retrieved = try_join_all(groups.into_iter().map(|(driver, claims)| async move {
            let (indices, claims): (Vec<usize>, Vec<StorageClaim>) = claims.into_iter().unzip();
            let stored = driver.retrieve(claims).await?;
            if stored.len() != indices.len() {
                return Err(StorageError::CountMismatch {
                    driver: driver.name().to_owned(),
                    what: "payloads",
                    returned: stored.len(),
                    expected: indices.len(),
                });
            }
            Ok(indices.into_iter().zip(stored).collect::<Vec<_>>())
        }))
        .await?;
        for (index, payload) in retrieved.into_iter().flatten() {
            payloads[index] = payload;
        }
        Ok(payloads)
    }
}

/// A driver and the claims it is to retrieve, each with the index of its payload.
type DriverClaims = (Arc<dyn StorageDriver>, Vec<(usize, StorageClaim)>);

/// A reference read from a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The driver that stored the payload.
    pub driver_name: String,
    /// What it needs to retrieve it.
    pub claim: StorageClaim,
}

/// The reference payload for a payload of `size` bytes stored by `driver_name` under `claim`,
/// as the Python SDK writes it (not marked: the SDKs do not yet encode references).
pub fn reference_payload(driver_name: &str, claim: &StorageClaim, size: usize) -> Payload {
    // Keys sorted and compact, as Python's `json/protobuf` converter writes the message.
    let data = serde_json::json!({
        "claimData": claim.claim_data,
        "driverName": driver_name,
    });
    Payload {
        metadata: [
            ("encoding".to_owned(), b"json/protobuf".to_vec()),
            (
                "messageType".to_owned(),
                REFERENCE_MESSAGE_TYPE.as_bytes().to_vec(),
            ),
        ]
        .into(),
        data: data.to_string().into_bytes(),
        external_payloads: vec![ExternalPayloadDetails {
            size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        }],
    }
}

/// Whether `payload` is a reference (either form; not a codec-encoded one).
pub fn is_reference(payload: &Payload) -> bool {
    let encoding = payload.metadata.get("encoding").map(Vec::as_slice);
    encoding == Some(LEGACY_REFERENCE_ENCODING.as_bytes())
        || (encoding == Some(b"json/protobuf".as_slice())
            && payload.metadata.get("messageType").map(Vec::as_slice)
                == Some(REFERENCE_MESSAGE_TYPE.as_bytes()))
}

/// Whether `payload` is a reference a codec encoded (marked with [`REFERENCE_MARKER_KEY`]).
pub fn is_marked_reference(payload: &Payload) -> bool {
    payload
        .metadata
        .get(REFERENCE_MARKER_KEY)
        .map(Vec::as_slice)
        == Some(b"true".as_slice())
}

/// Reads the reference in `payload`: `None` when it is no reference.
///
/// # Errors
/// [`StorageError::MalformedReference`] when it says it is one but cannot be read.
pub fn decode_reference(payload: &Payload) -> Result<Option<Reference>, StorageError> {
    if !is_reference(payload) {
        return Ok(None);
    }
    let malformed = |reason: String| StorageError::MalformedReference { reason };
    let value: serde_json::Value =
        serde_json::from_slice(&payload.data).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let legacy = payload.metadata.get("encoding").map(Vec::as_slice)
        == Some(LEGACY_REFERENCE_ENCODING.as_bytes());
    // Protobuf JSON accepts both the camelCase and the original field names.
    let field = |object: &serde_json::Value, camel: &str, snake: &str| {
        object.get(camel).or_else(|| object.get(snake)).cloned()
    };
    let driver_name = field(&value, "driverName", "driver_name")
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| malformed("no driver name".to_owned()))?;
    let claim_data = if legacy {
        // {"driver_name": …, "driver_claim": {"claim_data": {…}}}
        field(&value, "driverClaim", "driver_claim")
            .and_then(|claim| field(&claim, "claimData", "claim_data"))
    } else {
        field(&value, "claimData", "claim_data")
    }
    .unwrap_or_else(|| serde_json::json!({}));
    let claim_data: BTreeMap<String, String> = serde_json::from_value(claim_data)
        .map_err(|e| malformed(format!("claim data is not a map of strings: {e}")))?;
    Ok(Some(Reference {
        driver_name,
        claim: StorageClaim { claim_data },
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use parking_lot::Mutex;

    /// Keeps payloads in memory under their index.
    #[derive(Default)]
    pub(crate) struct Memory {
        pub(crate) objects: Mutex<Vec<Payload>>,
    }

    impl StorageDriver for Memory {
        fn name(&self) -> &str {
            "memory"
        }
        fn driver_type(&self) -> &str {
            "memory"
        }
        fn store<'a>(
            &'a self,
            _: &'a StoreContext,
            payloads: Vec<Payload>,
        ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>> {
            Box::pin(async move {
                let mut objects = self.objects.lock();
                Ok(payloads
                    .into_iter()
                    .map(|p| {
                        objects.push(p);
                        StorageClaim {
                            claim_data: [("index".to_owned(), (objects.len() - 1).to_string())]
                                .into(),
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
                let objects = self.objects.lock();
                claims
                    .iter()
                    .map(|c| {
                        let index: usize = c.claim_data["index"].parse().unwrap();
                        objects.get(index).cloned().ok_or(StorageError::NotFound {
                            driver: "memory".into(),
                            location: index.to_string(),
                            source: None,
                        })
                    })
                    .collect()
            })
        }
    }

    fn payload(len: usize) -> Payload {
        Payload {
            metadata: [("encoding".to_owned(), b"binary/plain".to_vec())].into(),
            data: vec![7; len],
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn payloads_from_the_threshold_are_stored_and_come_back_intact() {
        let storage = ExternalStorage::new(Memory::default()).threshold(100);
        let small = payload(10);
        let large = payload(1000);
        let stored = storage
            .store(&StoreContext::default(), vec![small.clone(), large.clone()])
            .await
            .unwrap();
        assert_eq!(stored[0], small);
        assert!(is_reference(&stored[1]));
        assert_eq!(
            stored[1].external_payloads[0].size_bytes as usize,
            large.encoded_len()
        );
        let back = storage.retrieve(stored).await.unwrap();
        assert_eq!(back, vec![small, large]);
    }

    #[test]
    fn references_are_written_as_python_writes_them_and_both_forms_read() {
        let claim = StorageClaim {
            claim_data: [
                ("bucket".to_owned(), "b".to_owned()),
                ("key".to_owned(), "k".to_owned()),
            ]
            .into(),
        };
        let reference = reference_payload("aws.s3driver", &claim, 123);
        // Byte for byte what temporalio 1.35's `JSONProtoPayloadConverter` writes.
        assert_eq!(
            reference.data,
            br#"{"claimData":{"bucket":"b","key":"k"},"driverName":"aws.s3driver"}"#
        );
        assert_eq!(reference.metadata["encoding"], b"json/protobuf");
        assert_eq!(reference.external_payloads[0].size_bytes, 123);
        let read = decode_reference(&reference).unwrap().unwrap();
        assert_eq!(read.driver_name, "aws.s3driver");
        assert_eq!(read.claim, claim);

        let legacy = Payload {
            metadata: [(
                "encoding".to_owned(),
                LEGACY_REFERENCE_ENCODING.as_bytes().to_vec(),
            )]
            .into(),
            data: br#"{"driver_name":"aws.s3driver","driver_claim":{"claim_data":{"bucket":"b","key":"k"}}}"#.to_vec(),
            ..Default::default()
        };
        assert_eq!(decode_reference(&legacy).unwrap().unwrap(), read);
        assert!(decode_reference(&payload(3)).unwrap().is_none());
    }

    #[tokio::test]
    async fn an_unknown_driver_or_a_malformed_reference_is_a_clear_error() {
        let storage = ExternalStorage::new(Memory::default());
        let other = reference_payload("gcs", &StorageClaim::default(), 1);
        let err = storage.retrieve(vec![other]).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("driver `gcs`, which is not configured here (configured: `memory`)"),
            "{err}"
        );
        assert!(err.is_retryable(), "a redeploy with the driver reads it");
        let mut broken = reference_payload("memory", &StorageClaim::default(), 1);
        broken.data = b"{".to_vec();
        let err = storage.retrieve(vec![broken]).await.unwrap_err();
        assert!(
            matches!(err, StorageError::MalformedReference { .. }),
            "{err}"
        );
    }
}
