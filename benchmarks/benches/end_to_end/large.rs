//! Large payloads: an activity taking a 1 MiB argument and returning it reversed, as a JSON
//! string (`reverse_text(String) -> String`, `json/plain`) and as raw bytes
//! (`reverse_bytes(bytes) -> bytes`, `binary/plain` both ways: this runtime's `Bytes`, the official
//! SDK's `Vec<u8>`, Python's `bytes`), served in turn by the official Rust SDK (its defaults, and
//! gzip off), this runtime and the Python SDK, each variant by a worker process of its own so its
//! peak RSS is its own. The floor worker is left out (it only echoes).
//!
//! 1 MiB fits under the server's default blob limit (2 MB per `Payloads`) and the 4 MB gRPC message
//! limit; the server and this runtime warn above 512 KiB.

use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::{StreamExt as _, TryStreamExt as _};
use temporalio_client::Client;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::cpu::xorshift64;
use crate::load;
use crate::report::median;
use crate::workers::{self, WorkerKind};

/// The workers measured: all but the floor.
pub const KINDS: [WorkerKind; 4] = crate::inflight::KINDS;

/// How the payload crosses the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// A JSON string (`json/plain`).
    Text,
    /// Raw bytes (`binary/plain`).
    Bytes,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::Text, Variant::Bytes];

    fn activity(self) -> &'static str {
        match self {
            Variant::Text => "reverse_text",
            Variant::Bytes => "reverse_bytes",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Variant::Text => "JSON string",
            Variant::Bytes => "bytes",
        }
    }

    /// The argument of size `size` and the result a correct worker returns.
    fn input_and_expected(self, size: usize) -> (Payload, Payload) {
        match self {
            Variant::Text => {
                let text = ascii_text(size);
                let reversed = reverse_text(text.clone());
                (load::json_payload(&text), load::json_payload(&reversed))
            }
            Variant::Bytes => {
                let bytes = random_bytes(size);
                let mut reversed = bytes.clone();
                reversed.reverse();
                (
                    load::payload("binary/plain", bytes),
                    load::payload("binary/plain", reversed),
                )
            }
        }
    }
}

/// `text` reversed: byte by byte when it is ASCII (as every input here is), else by `char`.
pub fn reverse_text(text: String) -> String {
    if text.is_ascii() {
        let mut bytes = text.into_bytes();
        bytes.reverse();
        // Reversed ASCII is ASCII.
        String::from_utf8(bytes).unwrap_or_default()
    } else {
        text.chars().rev().collect()
    }
}

/// `size` pseudo-random letters and digits: nothing for JSON to escape, little for gzip to
/// squeeze (about 6 bits of 8).
fn ascii_text(size: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            x = xorshift64(x);
            ALPHABET[(x >> 58) as usize] as char
        })
        .collect()
}

/// `size` pseudo-random bytes (incompressible).
fn random_bytes(size: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..size)
        .map(|_| {
            x = xorshift64(x);
            (x >> 56) as u8
        })
        .collect()
}

/// How big the load is.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Bytes of the argument (and of the result).
    pub size: usize,
    /// Measured activities per worker and variant.
    pub activities: usize,
    pub concurrency: usize,
    pub rounds: usize,
}

/// One worker, one variant, one round.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub kind: WorkerKind,
    pub variant: Variant,
    /// The worker's user + sys CPU per measured activity.
    pub cpu_per_activity: Duration,
    /// The worker's `VmHWM` after the measured load.
    pub peak_rss: u64,
    /// Activities per second over the measured load.
    pub throughput: f64,
}

/// Warm-up activities per worker and variant.
const WARMUP: usize = 4;

/// Runs every variant through every worker in [`KINDS`], `rounds` times in rotated order. The
/// load generator is the official client with gzip off, so it does not compete for the cores
/// with compressing megabytes.
pub async fn measure(address: &str, settings: Settings) -> anyhow::Result<Vec<Measurement>> {
    let client = load::connect_with(address, temporalio_client::GrpcCompression::None).await?;
    let cases: Vec<_> = Variant::ALL
        .iter()
        .map(|&v| (v, v.input_and_expected(settings.size)))
        .collect();
    let mut measurements = Vec::new();
    for round in 0..settings.rounds {
        let mut kinds = KINDS;
        kinds.rotate_left(round % KINDS.len());
        for kind in kinds {
            let mut variants = cases.clone();
            let len = variants.len();
            variants.rotate_left(round % len);
            for (variant, (input, expected)) in &variants {
                let task_queue = format!(
                    "bench-large-{}-{}-{round}",
                    kind.label(),
                    variant.activity()
                );
                let worker = workers::start(kind, address, &task_queue).await?;
                let run = |count, phase| {
                    run(
                        &client,
                        &task_queue,
                        *variant,
                        input,
                        expected,
                        count,
                        settings.concurrency,
                        phase,
                    )
                };
                let measured = async {
                    run(WARMUP, "warmup").await?;
                    let cpu_before = worker.cpu_time()?;
                    let elapsed = run(settings.activities, "measured").await?;
                    let cpu = worker.cpu_time()? - cpu_before;
                    anyhow::Ok((elapsed, cpu, worker.peak_rss()?))
                }
                .await;
                worker.stop();
                let (elapsed, cpu, peak_rss) = measured
                    .with_context(|| format!("{} through {}", variant.title(), kind.label()))?;
                let m = Measurement {
                    kind,
                    variant: *variant,
                    cpu_per_activity: cpu / settings.activities as u32,
                    peak_rss,
                    throughput: settings.activities as f64 / elapsed.as_secs_f64(),
                };
                println!(
                    "large round {}: {:<15} {:<11} {:>6.0} µs CPU per activity, peak RSS {:>6.1} MB, {:>5.1} activities/s",
                    round + 1,
                    kind.label(),
                    variant.title(),
                    m.cpu_per_activity.as_secs_f64() * 1e6,
                    m.peak_rss as f64 / 1e6,
                    m.throughput,
                );
                measurements.push(m);
            }
        }
    }
    Ok(measurements)
}

/// Runs `count` activities of `variant` with `input`, checking each result equals `expected`.
#[allow(clippy::too_many_arguments)]
async fn run(
    client: &Client,
    task_queue: &str,
    variant: Variant,
    input: &Payload,
    expected: &Payload,
    count: usize,
    concurrency: usize,
    phase: &str,
) -> anyhow::Result<Duration> {
    let started = std::time::Instant::now();
    futures::stream::iter(0..count)
        .map(|i| async move {
            let id = format!("{task_queue}-{phase}-{i}");
            let options = load::options(task_queue, &id, Duration::from_secs(60), None);
            let output =
                load::call(client, variant.activity(), &id, input.clone(), options).await?;
            check(variant, &output, expected).with_context(|| id.clone())
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await?;
    Ok(started.elapsed())
}

/// The result is one payload with the expected encoding and value. JSON is compared decoded (an
/// SDK may escape differently); bytes byte for byte.
fn check(variant: Variant, output: &[Payload], expected: &Payload) -> anyhow::Result<()> {
    let [payload] = output else {
        bail!("{} payloads instead of one", output.len());
    };
    let encoding = |p: &Payload| p.metadata.get("encoding").cloned().unwrap_or_default();
    if encoding(payload) != encoding(expected) {
        bail!(
            "encoding `{}`, expected `{}`",
            String::from_utf8_lossy(&encoding(payload)),
            String::from_utf8_lossy(&encoding(expected))
        );
    }
    let equal = match variant {
        Variant::Text => {
            serde_json::from_slice::<String>(&payload.data)?
                == serde_json::from_slice::<String>(&expected.data)?
        }
        Variant::Bytes => payload.data == expected.data,
    };
    if !equal {
        bail!("the result is not the argument reversed");
    }
    Ok(())
}

/// The table: medians per worker and variant, ratios to the official worker (default and gzip
/// off).
pub fn markdown(measurements: &[Measurement], settings: Settings, load_before: &str) -> String {
    let of = |kind, variant, f: &dyn Fn(&Measurement) -> f64| {
        median(
            measurements
                .iter()
                .filter(|m| m.kind == kind && m.variant == variant)
                .map(f),
        )
    };
    let cpu = |k, v| of(k, v, &|m| m.cpu_per_activity.as_secs_f64() * 1e6);
    let rss = |k, v| of(k, v, &|m| m.peak_rss as f64);
    let throughput = |k, v| of(k, v, &|m| m.throughput);
    let mut out = String::from(
        "| payload | worker | CPU per activity (user+sys) | peak RSS | activities/s | CPU × official | \
         CPU × official gzip off | RSS × official |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for variant in Variant::ALL {
        for kind in KINDS {
            out.push_str(&format!(
                "| {} | {} | {:.0} µs | {:.1} MB | {:.1} | {:.2}× | {:.2}× | {:.2}× |\n",
                variant.title(),
                kind.title(),
                cpu(kind, variant),
                rss(kind, variant) / 1e6,
                throughput(kind, variant),
                cpu(kind, variant) / cpu(WorkerKind::Official, variant),
                cpu(kind, variant) / cpu(WorkerKind::OfficialNoGzip, variant),
                rss(kind, variant) / rss(WorkerKind::Official, variant),
            ));
        }
    }
    let mark = |ok: bool| if ok { "met" } else { "NOT met" };
    let targets: Vec<String> = Variant::ALL
        .iter()
        .map(|&v| {
            let ratio = cpu(WorkerKind::Ours, v) / cpu(WorkerKind::OfficialNoGzip, v);
            format!("{} {ratio:.2}× ({})", v.title(), mark(ratio <= 0.8))
        })
        .collect();
    out.push_str(&format!(
        "\nTarget for activity-runtime: CPU per activity ≤ 0.8× official gzip off: {}.\n",
        targets.join(", ")
    ));
    out.push_str(&format!(
        "\nMedians of {rounds} round(s); each round, in rotated order, each worker (own process per \
         payload kind, default settings, gzip off where its row says so) served {WARMUP} warm-up \
         then {count} measured standalone activities at concurrency {concurrency} taking a {size} \
         argument and returning it reversed: `reverse_text(String) -> String` (pseudo-random \
         letters and digits, `json/plain`) and `reverse_bytes` (pseudo-random bytes, `binary/plain` \
         both ways: `activity_runtime::Bytes`, the official SDK's `Vec<u8>`, Python's `bytes`). \
         Every result is checked. The load generator is the official client with gzip off. CPU \
         is the worker process's user+sys time over the measured load; peak RSS its `VmHWM`. The \
         floor worker is left out. Against `temporal server start-dev` (in memory; default blob \
         limit 2 MB, warning at 512 KB; gRPC messages up to 4 MB) on the same machine. Machine: \
         {}; load average {load_before} before, {} after. Command: `BENCH_PARTS=large cargo bench \
         -p benchmarks --bench end_to_end`.\n",
        crate::report::machine(),
        crate::report::load_average(),
        rounds = settings.rounds,
        count = settings.activities,
        concurrency = settings.concurrency,
        size = size_text(settings.size),
    ));
    out
}

/// `1 MiB`, `64 KiB`, or bytes.
fn size_text(size: usize) -> String {
    if size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}
