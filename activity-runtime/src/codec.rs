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

use crate::context::HeartbeatSink;
use crate::error::ActivityError;

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
                tracing::error!(error = %err, "the payload codec could not encode an activity result");
                ActivityExecutionResult::fail(
                    ActivityError::new(format!(
                        "the payload codec could not encode the result: {err}"
                    ))
                    .with_type("PayloadCodecError")
                    .into_failure(),
                )
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
                        error = %err,
                        "the payload codec could not encode heartbeat details; not sent"
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
}
