//! Payload codecs: encryption or compression of whole payload lists at the boundary with the
//! server, as every Temporal SDK applies them.
//!
//! A codec is the official [`PayloadCodec`] trait of `temporalio-common` (the one the official
//! client's `DataConverter` takes), so one implementation serves the worker
//! ([`WorkerBuilder::codec`](crate::WorkerBuilder::codec)) and the client wrapper
//! ([`ConnectOptions::codec`](crate::connection::ConnectOptions::codec)).
//!
//! On the worker, a codec decodes the arguments and the last heartbeat details of every task
//! before the activity sees them, and encodes results, heartbeat details and the details of
//! failures (with their causes) before they are sent. Headers are left alone, as the Python SDK
//! does by default. Payload size limits ([`crate::limits`]) measure the encoded payloads: what
//! goes on the wire.
//!
//! Codecs must leave payloads they do not recognise as they are when decoding, so that a worker
//! with a codec still reads plain payloads (from callers without it).
//!
//! A codec of your own implements [`PayloadCodec`]. This one only reverses the bytes, under an
//! encoding of its own; a real one encrypts or compresses in the same place:
//!
//! ```
//! use activity_runtime::Payload;
//! use activity_runtime::codec::{PayloadCodec, PayloadConversionError, SerializationContextData};
//! use std::future::{Future, ready};
//! use std::pin::Pin;
//!
//! type Encoded = Pin<Box<dyn Future<Output = Result<Vec<Payload>, PayloadConversionError>> + Send>>;
//!
//! #[derive(Debug)]
//! struct Reversing;
//!
//! impl PayloadCodec for Reversing {
//!     fn encode(&self, _: &SerializationContextData, payloads: Vec<Payload>) -> Encoded {
//!         let encoded = payloads.into_iter().map(|mut p| {
//!             let inner = p.metadata.insert("encoding".into(), b"binary/reversed".to_vec());
//!             p.metadata.insert("inner-encoding".into(), inner.unwrap_or_default());
//!             p.data.reverse();
//!             p
//!         });
//!         Box::pin(ready(Ok(encoded.collect())))
//!     }
//!
//!     fn decode(&self, _: &SerializationContextData, payloads: Vec<Payload>) -> Encoded {
//!         let decoded = payloads.into_iter().map(|mut p| {
//!             // Leave payloads of other encodings as they are.
//!             if p.metadata.get("encoding").map(Vec::as_slice) == Some(b"binary/reversed") {
//!                 let inner = p.metadata.remove("inner-encoding").unwrap_or_default();
//!                 p.metadata.insert("encoding".into(), inner);
//!                 p.data.reverse();
//!             }
//!             p
//!         });
//!         Box::pin(ready(Ok(decoded.collect())))
//!     }
//! }
//!
//! let _worker = activity_runtime::Worker::builder().codec(Reversing);
//! ```
//!
//! [External storage](crate::storage) composes with a codec as in the other SDKs: outbound, the
//! codec encodes and then large payloads are stored; inbound, references are resolved and then
//! the codec decodes.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use temporalio_common::data_converters::ActivitySerializationContext;
pub use temporalio_common::data_converters::{
    PayloadCodec, PayloadConversionError, SerializationContextData,
};
use temporalio_common::payload_visitor::encode_payloads;
use temporalio_common::protos::coresdk::activity_result::ActivityExecutionResult;
use temporalio_common::protos::coresdk::activity_task::{ActivityTask, activity_task};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::failure::v1::Failure;

use crate::context::HeartbeatSink;
use crate::error::ActivityError;
use crate::storage::{
    ExternalStorage, REFERENCE_MARKER_KEY, StorageError, StoreContext, is_marked_reference,
    is_reference,
};

/// A shared, type-erased [`PayloadCodec`].
#[derive(Clone)]
pub struct SharedCodec(Arc<dyn PayloadCodec + Send + Sync>);

impl SharedCodec {
    /// Wraps a codec.
    pub fn new(codec: impl PayloadCodec + Send + Sync + 'static) -> Self {
        Self(Arc::new(codec))
    }

    /// Encodes `payloads` in an activity context.
    ///
    /// # Errors
    /// The codec's.
    pub async fn encode(
        &self,
        payloads: Vec<Payload>,
    ) -> Result<Vec<Payload>, PayloadConversionError> {
        self.0.encode(&activity_context(), payloads).await
    }

    /// Decodes `payloads` in an activity context.
    ///
    /// # Errors
    /// The codec's.
    pub async fn decode(
        &self,
        payloads: Vec<Payload>,
    ) -> Result<Vec<Payload>, PayloadConversionError> {
        self.0.decode(&activity_context(), payloads).await
    }

    /// The pipeline of `codec` (if any) and `storage`, in the order of the other SDKs: encoding
    /// runs the codec and then stores large payloads for `context`; decoding resolves references
    /// and then runs the codec.
    pub fn with_storage(
        codec: Option<SharedCodec>,
        storage: ExternalStorage,
        context: StoreContext,
    ) -> Self {
        Self::new(Stored {
            codec,
            storage,
            context: Arc::new(context),
        })
    }

    /// Decodes the arguments and heartbeat details of a Start task (not its headers).
    pub(crate) async fn decode_task(
        &self,
        task: &mut ActivityTask,
    ) -> Result<(), PayloadConversionError> {
        if let Some(activity_task::Variant::Start(start)) = &mut task.variant {
            start.input = self.decode(std::mem::take(&mut start.input)).await?;
            if !start.heartbeat_details.is_empty() {
                start.heartbeat_details = self
                    .decode(std::mem::take(&mut start.heartbeat_details))
                    .await?;
            }
        }
        Ok(())
    }

    /// Encodes a result's payload and its failure's details (causes included). A codec error
    /// fails the attempt with a message that names no payload content.
    pub(crate) async fn encode_result(
        &self,
        mut result: ActivityExecutionResult,
    ) -> ActivityExecutionResult {
        match encode_payloads(&mut result, &*self.0, &activity_context()).await {
            Ok(()) => result,
            Err(err) => {
                tracing::error!(error = %chain(&err), "the payload codec or external storage could not encode an activity result");
                ActivityExecutionResult::fail(failure(&err, "encode the result"))
            }
        }
    }

    /// A heartbeat sink that encodes details before handing them to `sink`, in order, on a task
    /// of its own (codecs are async, heartbeats are not). `sink` sees the encoded details, so its
    /// size checks measure what is sent; a refusal there fails the attempt.
    pub(crate) fn encoding_sink(&self, sink: HeartbeatSink) -> HeartbeatSink {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<Payload>>();
        let codec = self.clone();
        tokio::spawn(async move {
            while let Some(details) = rx.recv().await {
                match codec.encode(details).await {
                    Ok(encoded) => {
                        if let Err(err) = sink(encoded) {
                            tracing::warn!(error = %err, "heartbeat details refused");
                        }
                    }
                    Err(err) => tracing::error!(
                        error = %chain(&err),
                        "the payload codec or external storage could not encode heartbeat details; not sent"
                    ),
                }
            }
        });
        Arc::new(move |details| {
            let _ = tx.send(details);
            Ok(())
        })
    }
}

impl fmt::Debug for SharedCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedCodec(..)")
    }
}

impl PayloadCodec for SharedCodec {
    fn encode(
        &self,
        context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        self.0.encode(context, payloads)
    }

    fn decode(
        &self,
        context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        self.0.decode(context, payloads)
    }
}

fn activity_context() -> SerializationContextData {
    SerializationContextData::Activity(ActivitySerializationContext::new())
}

/// The failure of an attempt whose payloads could not be encoded or decoded (`what`: "decode
/// the arguments", …): `ExternalStorageError` when storage failed, retryable only when trying
/// again may help ([`StorageError::is_retryable`]); else `PayloadCodecError`, retryable.
pub(crate) fn failure(err: &PayloadConversionError, what: &str) -> Failure {
    match storage_error(err) {
        Some(storage) => {
            let error = ActivityError::new(format!(
                "external storage could not {what}: {}",
                chain(storage)
            ))
            .with_type("ExternalStorageError");
            if storage.is_retryable() {
                error
            } else {
                error.non_retryable()
            }
        }
        None => ActivityError::new(format!(
            "the payload codec could not {what}: {}",
            chain(err)
        ))
        .with_type("PayloadCodecError"),
    }
    .into_failure()
}

/// The storage error inside a conversion error, if that is what it is.
fn storage_error(err: &PayloadConversionError) -> Option<&StorageError> {
    match err {
        PayloadConversionError::EncodingError(inner) => inner.downcast_ref::<StorageError>(),
        _ => None,
    }
}

/// An error and its sources, `: `-separated (a failure's message is all a caller sees; a codec
/// server's answer too).
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// A codec followed by external storage (see [`SharedCodec::with_storage`]).
struct Stored {
    codec: Option<SharedCodec>,
    storage: ExternalStorage,
    context: Arc<StoreContext>,
}

fn conversion(err: StorageError) -> PayloadConversionError {
    PayloadConversionError::EncodingError(Box::new(err))
}

impl PayloadCodec for Stored {
    fn encode(
        &self,
        context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let encoded = match &self.codec {
            Some(codec) => codec.0.encode(context, payloads),
            None => Box::pin(std::future::ready(Ok(payloads))),
        };
        let storage = self.storage.clone();
        let store_context = self.context.clone();
        Box::pin(async move {
            storage
                .store(&store_context, encoded.await?)
                .await
                .map_err(conversion)
        })
    }

    fn decode(
        &self,
        context: &SerializationContextData,
        mut payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let codec = self.codec.clone();
        let storage = self.storage.clone();
        let context = context.clone();
        Box::pin(async move {
            // References a codec encoded (marked) are decoded first, as the other SDKs do.
            if let Some(codec) = &codec {
                for payload in payloads.iter_mut().filter(|p| is_marked_reference(p)) {
                    let mut encoded = payload.clone();
                    encoded.metadata.remove(REFERENCE_MARKER_KEY);
                    encoded.external_payloads.clear();
                    let mut decoded = codec
                        .0
                        .decode(&context, vec![encoded])
                        .await?
                        .pop()
                        .unwrap_or_default();
                    if !is_reference(&decoded) {
                        return Err(conversion(StorageError::MalformedReference {
                            reason: "an encoded reference that the payload codec did not decode                                      to a reference: configure the codec that wrote it"
                                .to_owned(),
                        }));
                    }
                    if decoded.external_payloads.is_empty() {
                        decoded.external_payloads = payload.external_payloads.clone();
                    }
                    *payload = decoded;
                }
            }
            let retrieved = storage.retrieve(payloads).await.map_err(conversion)?;
            match &codec {
                Some(codec) => codec.0.decode(&context, retrieved).await,
                None => Ok(retrieved),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::protos::coresdk::activity_result::{
        self, Success, activity_execution_result::Status,
    };
    use temporalio_common::protos::coresdk::activity_task::Start;
    use temporalio_common::protos::temporal::api::failure::v1::{Failure, failure::FailureInfo};

    /// Reverses the data of every payload and marks it.
    struct Reverse;

    impl PayloadCodec for Reverse {
        fn encode(
            &self,
            _: &SerializationContextData,
            payloads: Vec<Payload>,
        ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
            Box::pin(async move {
                Ok(payloads
                    .into_iter()
                    .map(|mut p| {
                        p.data.reverse();
                        p.metadata.insert("reversed".into(), b"1".to_vec());
                        p
                    })
                    .collect())
            })
        }

        fn decode(
            &self,
            _: &SerializationContextData,
            payloads: Vec<Payload>,
        ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
            Box::pin(async move {
                Ok(payloads
                    .into_iter()
                    .map(|mut p| {
                        if p.metadata.remove("reversed").is_some() {
                            p.data.reverse();
                        }
                        p
                    })
                    .collect())
            })
        }
    }

    fn payload(data: &[u8]) -> Payload {
        Payload {
            data: data.to_vec(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn tasks_are_decoded_and_results_and_failure_details_encoded() {
        let codec = SharedCodec::new(Reverse);
        let encoded = codec.encode(vec![payload(b"abc")]).await.unwrap();
        let mut task = ActivityTask {
            variant: Some(activity_task::Variant::Start(Start {
                input: encoded,
                ..Default::default()
            })),
            ..Default::default()
        };
        codec.decode_task(&mut task).await.unwrap();
        let Some(activity_task::Variant::Start(start)) = task.variant else {
            unreachable!()
        };
        assert_eq!(start.input[0].data, b"abc");
        assert!(start.input[0].metadata.is_empty());

        let ok = codec
            .encode_result(ActivityExecutionResult::ok(payload(b"xyz")))
            .await;
        let Some(Status::Completed(Success {
            result: Some(result),
        })) = ok.status
        else {
            panic!("not completed: {ok:?}")
        };
        assert_eq!(result.data, b"zyx");
        assert!(result.metadata.contains_key("reversed"));

        let failure = ActivityError::new("boom")
            .with_details(&"secret details")
            .into_failure();
        let failed = codec
            .encode_result(ActivityExecutionResult::fail(failure))
            .await;
        let Some(Status::Failed(activity_result::Failure {
            failure:
                Some(Failure {
                    failure_info: Some(FailureInfo::ApplicationFailureInfo(info)),
                    ..
                }),
            ..
        })) = failed.status
        else {
            panic!("not failed: {failed:?}")
        };
        let details = info.details.unwrap().payloads;
        assert!(details[0].metadata.contains_key("reversed"));
    }

    #[tokio::test]
    async fn storage_comes_after_the_codec_out_and_before_it_in() {
        let memory = Arc::new(crate::storage::tests::Memory::default());
        let storage = ExternalStorage::from_arc(memory.clone()).threshold(100);
        let codec = SharedCodec::with_storage(
            Some(SharedCodec::new(Reverse)),
            storage,
            StoreContext::default(),
        );
        let large = payload(&[1, 2, 3].repeat(100));
        let sent = codec
            .encode(vec![payload(b"small"), large.clone()])
            .await
            .unwrap();
        // The small payload is encoded and inline; the large one is stored encoded, and the
        // reference itself is not encoded.
        assert_eq!(sent[0].data, b"llams");
        assert!(is_reference(&sent[1]) && !sent[1].metadata.contains_key("reversed"));
        let stored = memory.objects.lock()[0].clone();
        assert!(stored.metadata.contains_key("reversed"));
        assert_ne!(stored.data, large.data);
        let received = codec.decode(sent).await.unwrap();
        assert_eq!(received, vec![payload(b"small"), large]);
    }

    #[tokio::test]
    async fn a_storage_failure_is_an_external_storage_error_retryable_only_if_transient() {
        let storage = ExternalStorage::new(crate::storage::tests::Memory::default());
        let codec = SharedCodec::with_storage(None, storage, StoreContext::default());
        let missing = crate::storage::reference_payload(
            "memory",
            &crate::storage::StorageClaim {
                claim_data: [("index".to_owned(), "7".to_owned())].into(),
            },
            10,
        );
        let err = codec.decode(vec![missing]).await.unwrap_err();
        let failure = failure(&err, "decode the arguments");
        let Some(FailureInfo::ApplicationFailureInfo(info)) = failure.failure_info else {
            panic!("not an application failure: {failure:?}")
        };
        assert_eq!(info.r#type, "ExternalStorageError");
        assert!(info.non_retryable, "a missing object stays missing");
        assert_eq!(
            failure.message,
            "external storage could not decode the arguments: driver `memory` found no stored \
             payload at 7"
        );
    }
}
