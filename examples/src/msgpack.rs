//! A payload encoding of your own: MessagePack (`binary/msgpack`) on `rmp-serde`, added to the
//! payload converter of the worker and the client.
//!
//! ```no_run
//! use activity_runtime::{PayloadConverter, Worker, activities};
//! use examples::msgpack::{MessagePack, pack_order};
//!
//! # async fn run() -> Result<(), activity_runtime::WorkerError> {
//! // Before `json/plain`: values JSON would take are MessagePack now; `None`, bytes and protobuf
//! // messages keep the SDKs' encodings, and every encoding still decodes.
//! let converter = PayloadConverter::default().with(MessagePack);
//! Worker::builder()
//!     .task_queue("packed")
//!     .payload_converter(converter)
//!     .register(activities![pack_order])
//!     .build()
//!     .await?
//!     .run()
//!     .await
//! # }
//! ```

use activity_runtime::activity;
use activity_runtime::payload::{BoxError, EncodingConverter, Target, Value};
use serde::{Deserialize, Serialize};

/// MessagePack, with structs as maps (`rmp_serde::to_vec_named`), so that other languages'
/// MessagePack libraries read them as dictionaries.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessagePack;

impl EncodingConverter for MessagePack {
    fn encoding(&self) -> &str {
        "binary/msgpack"
    }

    fn encode(&self, value: Value<'_>) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(Some(rmp_serde::to_vec_named(&value)?))
    }

    fn decode(&self, data: &[u8], target: Target<'_>) -> Result<(), BoxError> {
        target.deserialize(&mut rmp_serde::Deserializer::new(data))
    }
}

/// An order, as the MessagePack example sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackedOrder {
    /// The order's id.
    pub id: String,
    /// How many of each item.
    pub quantities: Vec<u32>,
}

/// What `pack_order` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackedSummary {
    /// The order's id.
    pub id: String,
    /// The sum of the quantities.
    pub total: u32,
}

/// Sums an order's quantities.
#[activity]
pub async fn pack_order(order: PackedOrder) -> PackedSummary {
    PackedSummary {
        total: order.quantities.iter().sum(),
        id: order.id,
    }
}
