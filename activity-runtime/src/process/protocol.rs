//! What crosses the socket between the worker and a child: frames of a tag byte, a
//! little-endian `u32` length and a body; JSON messages, with payloads as protobuf `Payloads`.

use std::io::{self, Read, Write};

use prost::Message;
use serde::{Deserialize, Serialize};
use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};

pub(super) const READY: u8 = 1;
pub(super) const START: u8 = 2;
pub(super) const HEARTBEAT: u8 = 3;
pub(super) const CANCEL: u8 = 4;
pub(super) const DONE: u8 = 5;

pub(super) fn write_frame(out: &mut impl Write, tag: u8, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(tag);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(body);
    out.write_all(&frame)?;
    out.flush()
}

pub(super) fn read_frame(input: &mut impl Read) -> io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    input.read_exact(&mut head)?;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0; len];
    input.read_exact(&mut body)?;
    Ok((head[0], body))
}

pub(super) fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("protocol messages encode")
}

pub(super) fn from_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> io::Result<T> {
    serde_json::from_slice(body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

pub(super) fn payloads_bytes(payloads: Vec<Payload>) -> Vec<u8> {
    Payloads { payloads }.encode_to_vec()
}

pub(super) fn payloads_from(bytes: &[u8]) -> io::Result<Vec<Payload>> {
    Payloads::decode(bytes)
        .map(|p| p.payloads)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// What the child needs to run one attempt.
#[derive(Serialize, Deserialize)]
pub(super) struct Start {
    pub(super) entry: i64,
    pub(super) activity_type: String,
    pub(super) activity_id: String,
    pub(super) attempt: u32,
    pub(super) namespace: String,
    pub(super) task_queue: String,
    pub(super) workflow_type: Option<String>,
    pub(super) workflow_id: Option<String>,
    pub(super) workflow_run_id: Option<String>,
    pub(super) activity_run_id: Option<String>,
    pub(super) task_token: Vec<u8>,
    /// `Payloads` of the arguments, then of the previous heartbeat details.
    pub(super) input: Vec<u8>,
    pub(super) heartbeat_details: Vec<u8>,
}

/// How the attempt ended in the child.
#[derive(Serialize, Deserialize)]
pub(super) enum Done {
    Ok(Vec<u8>),
    Failed {
        message: String,
        error_type: String,
        non_retryable: bool,
    },
    Cancelled,
    Panicked(String),
}
