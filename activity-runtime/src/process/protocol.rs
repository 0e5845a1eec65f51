//! What crosses the socket between the worker and a child: frames of a tag byte, a
//! little-endian `u32` length and a body; JSON messages, with payloads as protobuf `Payloads`.

use std::io::{self, Read, Write};
use std::time::Duration;

use prost::Message;
use serde::{Deserialize, Serialize};
use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};

use super::Executable;
use crate::context::ActivityInfo;

pub(super) const READY: u8 = 1;
pub(super) const START: u8 = 2;
pub(super) const HEARTBEAT: u8 = 3;
pub(super) const CANCEL: u8 = 4;
pub(super) const DONE: u8 = 5;
/// A metric recording (`meter::Recording`, as JSON), which the worker exports.
pub(super) const METRIC: u8 = 6;
/// The limits a child holds itself to for its whole life ([`Setup`]), sent once after `READY`.
pub(super) const SETUP: u8 = 7;

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

/// The child's first message: who it is and which executable it runs.
#[derive(Serialize, Deserialize)]
pub(super) struct Ready {
    pub(super) pid: u32,
    /// `None` where the child could not tell.
    pub(super) executable: Option<Executable>,
    /// The CPU time the child has used so far, starting up.
    pub(super) cpu_total: Duration,
}

/// The limits of the child's whole life, the same for every attempt it serves: the worker keeps
/// children apart by them (and by the environment they were started with).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Setup {
    /// Bytes of data (`RLIMIT_DATA`).
    pub(super) memory_limit: Option<u64>,
    /// Open files (`RLIMIT_NOFILE`).
    pub(super) open_files: Option<u64>,
}

/// What the child needs to run one attempt: everything a thread-run activity's context has but
/// the worker's client.
#[derive(Serialize, Deserialize)]
pub(super) struct Start {
    pub(super) entry: i64,
    pub(super) info: ActivityInfo,
    /// A protobuf `Header` of the caller's headers.
    pub(super) headers: Vec<u8>,
    /// `Payloads` of the arguments, then of the previous heartbeat details.
    pub(super) input: Vec<u8>,
    pub(super) heartbeat_details: Vec<u8>,
    /// The CPU time this attempt may use.
    pub(super) cpu_time: Option<Duration>,
}

/// The end of an attempt: how it ended, and what it used.
#[derive(Serialize, Deserialize)]
pub(super) struct Finished {
    pub(super) done: Done,
    pub(super) usage: Usage,
}

/// What the child used during one attempt.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default)]
pub(super) struct Usage {
    /// CPU time (user and system, every thread) during the attempt.
    pub(super) cpu_time: Duration,
    /// The CPU time the child has used in all, at the end of the attempt.
    pub(super) cpu_total: Duration,
    /// The child's peak resident memory during the attempt, in bytes (on Linux; elsewhere since
    /// it started), where it could tell.
    pub(super) peak_memory: Option<u64>,
}

/// How the attempt ended in the child.
#[derive(Serialize, Deserialize)]
pub(super) enum Done {
    /// The encoded result `Payload`.
    Ok(Vec<u8>),
    /// The encoded `Failure`, with its details, retry delay, category and causes.
    Failed(Vec<u8>),
    /// The cancellation's details as `Payloads`.
    Cancelled(Vec<u8>),
    CompleteAsync,
    Panicked(String),
}
