//! In-flight scale: `N` long-running async activities in one worker at once, each heartbeating
//! typed progress every second, served in turn by the official Rust SDK (its defaults, and gzip
//! off), this runtime and the Python SDK. The floor worker is left out: it has no activity code
//! and no heartbeats.
//!
//! Per worker: its RSS when idle (after a warm-up, before the load), its RSS at the end of a
//! steady window in which all `N` are in flight, and from them the RSS per in-flight activity,
//! `(in flight − idle) / N`; its peak RSS, which the completions set (the `N` results come within
//! seconds of each other, and a worker holds each until the dev server has recorded it); and its
//! CPU per heartbeat over the steady window, divided by the heartbeats the activity code recorded
//! in that window. Every worker is configured for `N` activity slots (their default is 100).
//!
//! What is counted: each call of the SDK's heartbeat function by the activity code
//! (`ctx.heartbeat`, `ctx.record_heartbeat`, `activity.heartbeat`). What reaches the server is
//! less: core throttles each activity's heartbeats to one per 0.8 × heartbeat timeout (16 s here)
//! and keeps the latest details in between, the same core under every worker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::{StreamExt as _, TryStreamExt as _};
use temporalio_client::Client;

use crate::load;
use crate::report::median;
use crate::workers::{self, WorkerKind, WorkerProcess};

/// The activity type every worker serves for this part.
pub const HOLD: &str = "hold";

/// The heartbeat timeout every `hold` activity is started with. 20 s rather than 10 s: core
/// throttles each activity to one heartbeat RPC per 0.8 × this, and 2000 activities at 8 s were
/// 250 RPCs a second on a dev server that starts only about 60 activities a second here.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(20);

/// The workers measured: all but the floor, which has no activity code.
pub const KINDS: [WorkerKind; 4] = [
    WorkerKind::Official,
    WorkerKind::OfficialNoGzip,
    WorkerKind::Ours,
    WorkerKind::Python,
];

/// What `hold` sends with each heartbeat: `{"step":…,"of":…}` in every SDK.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Heartbeats so far, this one included.
    pub step: u64,
    /// Heartbeats in all (the activity's seconds).
    pub of: u64,
}

/// Heartbeats recorded by activity code in this worker process.
static HEARTBEATS: AtomicU64 = AtomicU64::new(0);

/// Counts one heartbeat recorded by activity code.
pub fn count_heartbeat() {
    HEARTBEATS.fetch_add(1, Ordering::Relaxed);
}

/// With `BENCH_REPORT_HEARTBEATS` set: prints `HEARTBEATS n` every 100 ms while the count
/// changes, for the orchestrator to read (see [`WorkerProcess::heartbeats`]).
pub fn report_heartbeats() {
    if std::env::var_os("BENCH_REPORT_HEARTBEATS").is_none() {
        return;
    }
    tokio::spawn(async {
        let mut last = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = HEARTBEATS.load(Ordering::Relaxed);
            if now != last {
                last = now;
                println!("HEARTBEATS {now}");
            }
        }
    });
}

/// How big the load is.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Activities in flight at once (and activity slots per worker).
    pub in_flight: usize,
    /// How long each activity runs, heartbeating once a second.
    pub seconds: u64,
    pub rounds: usize,
}

/// One worker, one round.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub kind: WorkerKind,
    /// `VmRSS` after the warm-up, before the load.
    pub idle_rss: u64,
    /// `VmRSS` at the end of the steady window: all `N` in flight, none completed.
    pub in_flight_rss: u64,
    /// `VmHWM` once every activity completed.
    pub peak_rss: u64,
    /// Worker CPU (user + sys) over the steady window per heartbeat recorded in it.
    pub cpu_per_heartbeat: Duration,
    /// Heartbeats per second recorded over the steady window (`N` when all are in flight).
    pub heartbeat_rate: f64,
    /// How long the steady window lasted.
    pub window: Duration,
    /// From the first start request until all `N` were heartbeating.
    pub ramp: Duration,
}

impl Measurement {
    /// `(in flight − idle) / N`, in bytes.
    pub fn rss_per_activity(&self, in_flight: usize) -> f64 {
        self.in_flight_rss.saturating_sub(self.idle_rss) as f64 / in_flight as f64
    }
}

/// Runs the load through every worker in [`KINDS`], `rounds` times in rotated order.
pub async fn measure(
    client: &Client,
    address: &str,
    settings: Settings,
) -> anyhow::Result<Vec<Measurement>> {
    let mut measurements = Vec::new();
    for round in 0..settings.rounds {
        let mut kinds = KINDS;
        kinds.rotate_left(round % KINDS.len());
        for kind in kinds {
            let task_queue = format!("bench-inflight-{}-{round}", kind.label());
            let env = [
                ("BENCH_SLOTS", settings.in_flight.to_string()),
                ("BENCH_REPORT_HEARTBEATS", "1".to_owned()),
            ];
            let worker = workers::start_with(kind, address, &task_queue, &env).await?;
            let result = one(client, &worker, &task_queue, settings).await;
            worker.stop();
            let m = Measurement {
                kind,
                ..result.with_context(|| format!("in flight through {}", kind.label()))?
            };
            println!(
                "inflight round {}: {:<15} idle {:>6.1} MB, in flight {:>6.1} MB, peak {:>6.1} MB, \
                 {:>5.1} KB per activity, {:>5.1} µs CPU per heartbeat, {:>6.0} heartbeats/s over \
                 {:.1?} (ramp {:.1?})",
                round + 1,
                kind.label(),
                m.idle_rss as f64 / 1e6,
                m.in_flight_rss as f64 / 1e6,
                m.peak_rss as f64 / 1e6,
                m.rss_per_activity(settings.in_flight) / 1e3,
                m.cpu_per_heartbeat.as_secs_f64() * 1e6,
                m.heartbeat_rate,
                m.window,
                m.ramp,
            );
            measurements.push(m);
        }
    }
    Ok(measurements)
}

/// One worker: warm-up, idle RSS, `N` activities started, the steady window, every result.
async fn one(
    client: &Client,
    worker: &WorkerProcess,
    task_queue: &str,
    settings: Settings,
) -> anyhow::Result<Measurement> {
    let n = settings.in_flight;
    // Warm-up: a few short holds, so the idle figure includes what the first activity sets up.
    let warmup = n.min(50);
    futures::stream::iter(0..warmup)
        .map(|i| hold(client, task_queue, format!("{task_queue}-warmup-{i}"), 1))
        .buffer_unordered(warmup)
        .try_collect::<()>()
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = worker.rss()?;

    let started = Instant::now();
    let handles: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let id = format!("{task_queue}-{i}");
            async move {
                let options = options(task_queue, &id, settings.seconds);
                load::start(
                    client,
                    HOLD,
                    &id,
                    seconds_payload(settings.seconds),
                    options,
                )
                .await
            }
        })
        .buffer_unordered(START_CONCURRENCY)
        .try_collect()
        .await?;
    // The first activity can complete `seconds` after the first start; stop the window a second
    // before that, so it holds heartbeats only, no starts and no completions.
    let window_end = started + Duration::from_secs(settings.seconds) - Duration::from_secs(1);
    // Wait until every activity heartbeats (one heartbeat per activity in a second).
    let mut last = worker.heartbeats();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = worker.heartbeats();
        let rate = now.saturating_sub(last);
        last = now;
        if rate as f64 >= 0.97 * n as f64 {
            break;
        }
        if Instant::now() + MIN_WINDOW > window_end {
            bail!(
                "only {rate} of {n} activities heartbeat per second {:.1?} after the first start; \
                 raise BENCH_INFLIGHT_SECONDS",
                started.elapsed()
            );
        }
    }
    let ramp = started.elapsed();
    let window_start = Instant::now();
    let (cpu_before, heartbeats_before) = (worker.cpu_time()?, worker.heartbeats());
    tokio::time::sleep_until(window_end.into()).await;
    let (cpu_after, heartbeats_after) = (worker.cpu_time()?, worker.heartbeats());
    let window = window_start.elapsed();
    let in_flight_rss = worker.rss()?;
    let heartbeats = heartbeats_after - heartbeats_before;
    if heartbeats == 0 {
        bail!("no heartbeats in the steady window");
    }

    futures::stream::iter(handles)
        .map(|handle| async move {
            let output = handle.result().await.context("waiting for a hold")?;
            check(&output.payloads, settings.seconds)
        })
        .buffer_unordered(RESULT_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    Ok(Measurement {
        kind: WorkerKind::Ours,
        idle_rss,
        in_flight_rss,
        peak_rss: worker.peak_rss()?,
        cpu_per_heartbeat: (cpu_after - cpu_before) / heartbeats as u32,
        heartbeat_rate: heartbeats as f64 / window.as_secs_f64(),
        window,
        ramp,
    })
}

/// Start requests in flight at once from the load generator.
const START_CONCURRENCY: usize = 50;
/// Result long polls in flight at once.
const RESULT_CONCURRENCY: usize = 200;
/// The shortest steady window worth measuring.
const MIN_WINDOW: Duration = Duration::from_secs(1);

/// Runs one `hold` for `seconds` and checks its result.
async fn hold(client: &Client, task_queue: &str, id: String, seconds: u64) -> anyhow::Result<()> {
    let options = options(task_queue, &id, seconds);
    let output = load::call(client, HOLD, &id, seconds_payload(seconds), options).await?;
    check(&output, seconds)
}

/// Up to [`ATTEMPTS`] attempts: on this shared two-core machine the dev server now and then loses
/// a task it handed to a poll that had just given up (seen in the warm-up: a one-second `hold`
/// failing on its heartbeat timeout); a retry keeps such a loss from ending the run.
fn options(task_queue: &str, id: &str, seconds: u64) -> temporalio_client::ActivityStartOptions {
    load::options_with_attempts(
        task_queue,
        id,
        Duration::from_secs(seconds + 120),
        Some(HEARTBEAT_TIMEOUT),
        ATTEMPTS,
    )
}

/// Attempts per `hold` activity.
const ATTEMPTS: u32 = 3;

fn seconds_payload(seconds: u64) -> temporalio_common::protos::temporal::api::common::v1::Payload {
    load::payload("json/plain", seconds.to_string().into_bytes())
}

/// `hold(seconds)` returns `seconds`, after heartbeating that many times.
fn check(
    output: &[temporalio_common::protos::temporal::api::common::v1::Payload],
    seconds: u64,
) -> anyhow::Result<()> {
    match output {
        [payload] if serde_json::from_slice::<u64>(&payload.data).ok() == Some(seconds) => Ok(()),
        other => bail!("hold({seconds}) returned {other:?}"),
    }
}

/// The table: medians per worker, ratios to the official worker (default and gzip off).
pub fn markdown(measurements: &[Measurement], settings: Settings, load_before: &str) -> String {
    let n = settings.in_flight;
    let of = |kind: WorkerKind, f: &dyn Fn(&Measurement) -> f64| {
        median(measurements.iter().filter(|m| m.kind == kind).map(f))
    };
    let idle = |k| of(k, &|m| m.idle_rss as f64);
    let loaded = |k| of(k, &|m| m.in_flight_rss as f64);
    let peak = |k| of(k, &|m| m.peak_rss as f64);
    let per_activity = |k| of(k, &|m| m.rss_per_activity(n));
    let per_heartbeat = |k| of(k, &|m| m.cpu_per_heartbeat.as_secs_f64() * 1e6);
    let rate = |k| of(k, &|m| m.heartbeat_rate);
    let window = |k| of(k, &|m| m.window.as_secs_f64());
    let official = WorkerKind::Official;
    let nogzip = WorkerKind::OfficialNoGzip;
    let mut out = String::from(
        "| worker | idle RSS | RSS, all in flight | peak RSS (completions) | RSS per in-flight activity | \
         CPU per heartbeat (user+sys) | heartbeats/s in the window | RSS per activity × official | \
         peak RSS × official | CPU per heartbeat × official | CPU per heartbeat × official gzip off |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for kind in KINDS {
        out.push_str(&format!(
            "| {} | {:.1} MB | {:.1} MB | {:.1} MB | {:.1} KB | {:.1} µs | {:.0} ({:.0} s) | {:.2}× | {:.2}× | {:.2}× | {:.2}× |\n",
            kind.title(),
            idle(kind) / 1e6,
            loaded(kind) / 1e6,
            peak(kind) / 1e6,
            per_activity(kind) / 1e3,
            per_heartbeat(kind),
            rate(kind),
            window(kind),
            per_activity(kind) / per_activity(official),
            peak(kind) / peak(official),
            per_heartbeat(kind) / per_heartbeat(official),
            per_heartbeat(kind) / per_heartbeat(nogzip),
        ));
    }
    let ours = WorkerKind::Ours;
    let mark = |ok: bool| if ok { "met" } else { "NOT met" };
    let rss_ratio = per_activity(ours) / per_activity(official);
    let cpu_ratio = per_heartbeat(ours) / per_heartbeat(official);
    out.push_str(&format!(
        "\nTargets for activity-runtime: RSS per in-flight activity ≤ 0.8× official ({rss_ratio:.2}×, {}), \
         CPU per heartbeat ≤ 0.8× official ({cpu_ratio:.2}×, {}).\n",
        mark(rss_ratio <= 0.8),
        mark(cpu_ratio <= 0.8),
    ));
    out.push_str(&format!(
        "\nMedians of {rounds} round(s); each round, in rotated order, each worker (own process, \
         default settings but {n} activity slots, and gzip off where its row says so) first ran \
         {warmup} one-second `hold` activities, then the idle RSS was read (`VmRSS`), then {n} \
         standalone activities `hold({seconds})` were started ({START_CONCURRENCY} start requests \
         at a time, official client, heartbeat timeout {hb} s): each sleeps a second and heartbeats \
         a `Progress {{ step, of }}` struct, {seconds} times, then returns `{seconds}` (every \
         result checked). RSS per in-flight activity is (RSS with all in flight − idle RSS) / {n}, the \
         former read (`VmRSS`) at the end of the steady window below. Peak RSS is `VmHWM` after all \
         completed: the completions set it, {n} results arriving within seconds while the dev \
         server records them. CPU per heartbeat is the worker's user+sys time over the \
         steady window (from when all {n} heartbeat each second until a second before the first \
         can complete: no starts or completions in it) divided by the heartbeat calls its activity \
         code made in that window (`ctx.heartbeat`, `ctx.record_heartbeat`, `activity.heartbeat`; \
         counted in the worker, printed every 100 ms). Each activity may take up to {ATTEMPTS} \
         attempts (a task the loaded dev server loses is retried after the heartbeat timeout). Core throttles what reaches the server to \
         one heartbeat per activity per 0.8 × the heartbeat timeout ({throttle:.0} s), the same \
         core under every worker. The floor worker is left out (no activity code, no \
         heartbeats). Against `temporal server start-dev` (in memory) on the same machine. \
         Machine: {}; load average {load_before} before, {} after. Command: \
         `BENCH_PARTS=inflight cargo bench -p benchmarks --bench end_to_end`.\n",
        crate::report::machine(),
        crate::report::load_average(),
        rounds = settings.rounds,
        warmup = n.min(50),
        seconds = settings.seconds,
        hb = HEARTBEAT_TIMEOUT.as_secs(),
        throttle = HEARTBEAT_TIMEOUT.as_secs_f64() * 0.8,
    ));
    out
}
