//! A [`StorageDriver`] on the `object_store` crate: S3 (and S3-compatible servers) built in,
//! and any other store the crate serves (GCS, Azure, local files) through
//! [`ObjectStoreDriver::new`]. Keys, claims and integrity checks are those of Python's
//! `temporalio.contrib.aws.s3driver.S3StorageDriver`, so each SDK reads what the other wrote.

use std::sync::Arc;

use futures_util::future::{BoxFuture, try_join_all};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use prost::Message;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use super::{StorageClaim, StorageDriver, StorageError, StoreContext, StoreTarget};
use crate::limits::MIB;

/// The name (and type) of Python's S3 driver, the default name of an [`ObjectStoreDriver`].
pub const S3_DRIVER_NAME: &str = "aws.s3driver";

/// Stores payloads as objects of one bucket, keyed as Python's S3 driver keys them:
/// `v0/ns/{namespace}/wt/{workflow type}/wi/{workflow id}/ri/{run id}/d/sha256/{hash}` for a
/// workflow's activities, `…/at/{activity type}/ai/{activity id}/ri/{run id}/…` for standalone
/// ones, `v0/d/sha256/{hash}` without a target; the hash is of the serialized payload, checked
/// again when it is read.
pub struct ObjectStoreDriver {
    name: String,
    bucket: String,
    store: Arc<dyn ObjectStore>,
    max_payload_size: usize,
}

impl std::fmt::Debug for ObjectStoreDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStoreDriver")
            .field("name", &self.name)
            .field("bucket", &self.bucket)
            .field("store", &self.store.to_string())
            .finish_non_exhaustive()
    }
}

impl ObjectStoreDriver {
    /// An S3 bucket, with credentials, region and endpoint from the environment, read by
    /// `object_store`'s `AmazonS3Builder::from_env`: every `AWS_*` variable it knows, chiefly
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`, `AWS_ENDPOINT_URL_S3`), and in a container or on EC2
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` and `AWS_WEB_IDENTITY_TOKEN_FILE` with
    /// `AWS_ROLE_ARN`. A plain-HTTP endpoint (`http://…`, a local test server) is allowed as
    /// boto3 allows it, without `AWS_ALLOW_HTTP`. Not read: `~/.aws/config` and
    /// `~/.aws/credentials` profiles (`AWS_PROFILE`).
    ///
    /// # Errors
    /// [`StorageError::Config`] when the settings are incomplete or invalid.
    pub fn s3(bucket: impl Into<String>) -> Result<Self, StorageError> {
        Self::s3_with(AmazonS3Builder::from_env().with_bucket_name(bucket))
    }

    /// An S3 bucket configured by hand (the builder must name the bucket). An endpoint given as
    /// `http://…` is allowed over plain HTTP, as boto3 allows it.
    ///
    /// # Errors
    /// [`StorageError::Config`] when the settings are incomplete or invalid.
    pub fn s3_with(mut builder: AmazonS3Builder) -> Result<Self, StorageError> {
        install_crypto_provider();
        // `object_store` refuses a plain-HTTP endpoint unless `allow_http` is set; whoever
        // names an `http://` endpoint means it.
        if [AmazonS3ConfigKey::Endpoint, AmazonS3ConfigKey::S3Endpoint]
            .iter()
            .filter_map(|key| builder.get_config_value(key))
            .any(|endpoint| endpoint.starts_with("http://"))
        {
            builder = builder.with_allow_http(true);
        }
        let bucket = builder
            .get_config_value(&AmazonS3ConfigKey::Bucket)
            .unwrap_or_default();
        let store = builder.build().map_err(|e| StorageError::Config {
            message: format!("S3: {e}"),
            source: Some(Box::new(e)),
        })?;
        Ok(Self::new(bucket, Arc::new(store)))
    }

    /// Any store of the `object_store` crate (enable its `gcp`, `azure` or `fs` features for
    /// those); `bucket` is the name written in claims, and a claim naming another bucket is
    /// refused when read. HTTP stores of that crate need a rustls crypto provider installed
    /// as the process default ([`ObjectStoreDriver::s3`] installs *ring*'s if none is).
    pub fn new(bucket: impl Into<String>, store: Arc<dyn ObjectStore>) -> Self {
        Self {
            name: S3_DRIVER_NAME.to_owned(),
            bucket: bucket.into(),
            store,
            max_payload_size: 50 * MIB,
        }
    }

    /// Names this driver instance (default `aws.s3driver`, as Python's): references carry it,
    /// and readers find their driver by it.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The largest serialized payload stored (default 50 MiB, as Python's).
    #[must_use]
    pub fn max_payload_size(mut self, bytes: usize) -> Self {
        self.max_payload_size = bytes;
        self
    }

    fn location(&self, bucket: &str, key: &str) -> String {
        format!("[bucket={bucket}, key={key}]")
    }

    async fn upload(
        &self,
        prefix: &(String, String),
        payload: Payload,
    ) -> Result<StorageClaim, StorageError> {
        let bytes = payload.encode_to_vec();
        if bytes.len() > self.max_payload_size {
            return Err(StorageError::TooLarge {
                driver: self.name.clone(),
                size: bytes.len(),
                max: self.max_payload_size,
            });
        }
        let hash = sha256_hex(&bytes);
        let key = s3_key(prefix, &hash);
        let location = self.location(&self.bucket, &key);
        let path = Path::parse(&key).map_err(|e| StorageError::Backend {
            driver: self.name.clone(),
            operation: "store",
            location: location.clone(),
            source: Box::new(e),
        })?;
        let backend = |e: object_store::Error| StorageError::Backend {
            driver: self.name.clone(),
            operation: "store",
            location: location.clone(),
            source: Box::new(e),
        };
        // Content-addressed: an object already there holds these very bytes. Whatever else the
        // check answers (a 403 to a writer without read access), the upload is tried, and its
        // error is the one reported: an answer to a HEAD request has no body, so it lacks the
        // store's error code (`InvalidAccessKeyId`, `AccessDenied`).
        if self.store.head(&path).await.is_err() {
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(backend)?;
        }
        Ok(StorageClaim {
            claim_data: [
                ("bucket".to_owned(), self.bucket.clone()),
                ("key".to_owned(), key),
                ("hash_algorithm".to_owned(), "sha256".to_owned()),
                ("hash_value".to_owned(), hash),
            ]
            .into(),
        })
    }

    async fn download(&self, claim: StorageClaim) -> Result<Payload, StorageError> {
        let malformed = |reason: String| StorageError::MalformedReference { reason };
        let field = |name: &str| {
            claim
                .claim_data
                .get(name)
                .ok_or_else(|| malformed(format!("the claim has no `{name}`")))
        };
        let (bucket, key) = (field("bucket")?, field("key")?);
        let location = self.location(bucket, key);
        if *bucket != self.bucket {
            return Err(StorageError::Config {
                message: format!(
                    "driver `{}` reads bucket `{}`, not the `{bucket}` of {location}: add a \
                     driver for that bucket with `ExternalStorage::read_also`",
                    self.name, self.bucket
                ),
                source: None,
            });
        }
        let (algorithm, expected) = match (
            claim.claim_data.get("hash_algorithm"),
            claim.claim_data.get("hash_value"),
        ) {
            (Some(a), Some(v)) if !a.is_empty() && !v.is_empty() => (a, v),
            _ => {
                return Err(malformed(format!(
                    "the claim of {location} lacks `hash_algorithm` and `hash_value`"
                )));
            }
        };
        let integrity = |reason: String| StorageError::Integrity {
            driver: self.name.clone(),
            location: location.clone(),
            reason,
        };
        if algorithm != "sha256" {
            return Err(integrity(format!(
                "unsupported hash algorithm `{algorithm}` (expected sha256)"
            )));
        }
        let path = Path::parse(key).map_err(|e| malformed(format!("bad key {key}: {e}")))?;
        let fetched = async { self.store.get(&path).await?.bytes().await }.await;
        let bytes = fetched.map_err(|e| match e {
            object_store::Error::NotFound { source, .. } => StorageError::NotFound {
                driver: self.name.clone(),
                location: location.clone(),
                source: Some(source),
            },
            other => StorageError::Backend {
                driver: self.name.clone(),
                operation: "retrieve",
                location: location.clone(),
                source: Box::new(other),
            },
        })?;
        let actual = sha256_hex(&bytes);
        if actual != *expected {
            return Err(integrity(format!(
                "expected sha256:{expected}, got sha256:{actual}"
            )));
        }
        Payload::decode(bytes.as_ref())
            .map_err(|e| integrity(format!("the object is not a serialized payload: {e}")))
    }
}

impl StorageDriver for ObjectStoreDriver {
    fn name(&self) -> &str {
        &self.name
    }

    fn driver_type(&self) -> &str {
        S3_DRIVER_NAME
    }

    fn store<'a>(
        &'a self,
        context: &'a StoreContext,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>> {
        let prefix = key_prefix(context);
        Box::pin(async move {
            try_join_all(payloads.into_iter().map(|p| self.upload(&prefix, p))).await
        })
    }

    fn retrieve<'a>(
        &'a self,
        claims: Vec<StorageClaim>,
    ) -> BoxFuture<'a, Result<Vec<Payload>, StorageError>> {
        Box::pin(async move { try_join_all(claims.into_iter().map(|c| self.download(c))).await })
    }
}

/// The scope of a key (`v0/ns/{namespace}`, or `v0` without a target) and its context
/// segments (`/wt/…` or `/at/…`).
fn key_prefix(context: &StoreContext) -> (String, String) {
    let segment = |value: Option<&str>| percent_encode(value).unwrap_or_else(|| "null".to_owned());
    match &context.target {
        None => ("v0".to_owned(), String::new()),
        Some(StoreTarget::Workflow {
            namespace,
            id,
            run_id,
            workflow_type,
        }) => (
            format!("v0/ns/{}", segment(Some(namespace))),
            format!(
                "/wt/{}/wi/{}/ri/{}",
                segment(workflow_type.as_deref()),
                segment(id.as_deref()),
                segment(run_id.as_deref()),
            ),
        ),
        Some(StoreTarget::Activity {
            namespace,
            id,
            run_id,
            activity_type,
        }) => (
            format!("v0/ns/{}", segment(Some(namespace))),
            format!(
                "/at/{}/ai/{}/ri/{}",
                segment(activity_type.as_deref()),
                segment(id.as_deref()),
                segment(run_id.as_deref()),
            ),
        ),
    }
}

/// The key of an object: scope, context and digest; a key over 1024 bytes keeps only the
/// scope, as Python's.
fn s3_key((scope, context): &(String, String), hash: &str) -> String {
    let digest = format!("/d/sha256/{hash}");
    let key = format!("{scope}{context}{digest}");
    if key.len() > 1024 {
        format!("{scope}{digest}")
    } else {
        key
    }
}

/// Percent-encodes every UTF-8 byte outside S3's safe set (letters, digits, `!-_.*'()`) as
/// `%XX`; `None` for an empty or missing value (written `null`).
fn percent_encode(value: Option<&str>) -> Option<String> {
    let value = value.filter(|v| !v.is_empty())?;
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"!-_.*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The HTTP client of `object_store` uses rustls without a built-in provider (the runtime's TLS
/// is *ring*, as the worker's): install *ring*'s as the process default unless one is set.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either provider serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_python_s3_driver_keys() {
        let workflow = StoreContext::new(Some(StoreTarget::Workflow {
            namespace: "default".into(),
            id: Some("my wf/1".into()),
            run_id: None,
            workflow_type: Some("BigData".into()),
        }));
        assert_eq!(
            s3_key(&key_prefix(&workflow), "ab"),
            "v0/ns/default/wt/BigData/wi/my%20wf%2F1/ri/null/d/sha256/ab"
        );
        let activity = StoreContext::new(Some(StoreTarget::Activity {
            namespace: "ns".into(),
            id: Some("é".into()),
            run_id: Some("r".into()),
            activity_type: None,
        }));
        assert_eq!(
            s3_key(&key_prefix(&activity), "ab"),
            "v0/ns/ns/at/null/ai/%C3%A9/ri/r/d/sha256/ab"
        );
        assert_eq!(
            s3_key(&key_prefix(&StoreContext::default()), "ab"),
            "v0/d/sha256/ab"
        );
        let long = StoreContext::new(Some(StoreTarget::Workflow {
            namespace: "ns".into(),
            id: Some("x".repeat(2000)),
            run_id: None,
            workflow_type: None,
        }));
        assert_eq!(s3_key(&key_prefix(&long), "ab"), "v0/ns/ns/d/sha256/ab");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[tokio::test]
    async fn a_local_store_round_trips_and_a_tampered_object_is_refused() {
        let store = Arc::new(object_store::memory::InMemory::new());
        let driver = ObjectStoreDriver::new("bucket", store.clone());
        let payload = Payload {
            data: vec![1; 1000],
            ..Default::default()
        };
        let claims = driver
            .store(&StoreContext::default(), vec![payload.clone()])
            .await
            .unwrap();
        assert_eq!(claims[0].claim_data["bucket"], "bucket");
        let back = driver.retrieve(claims.clone()).await.unwrap();
        assert_eq!(back, vec![payload]);

        let path = Path::parse(&claims[0].claim_data["key"]).unwrap();
        store
            .put(&path, PutPayload::from(vec![0u8; 3]))
            .await
            .unwrap();
        let err = driver.retrieve(claims.clone()).await.unwrap_err();
        assert!(matches!(err, StorageError::Integrity { .. }), "{err}");
        store.delete(&path).await.unwrap();
        let err = driver.retrieve(claims).await.unwrap_err();
        assert!(matches!(err, StorageError::NotFound { .. }), "{err}");
        assert!(!err.is_retryable());
    }
}
