//! End to end: the same no-op activity served in turn by this runtime's worker, the official Rust
//! SDK's worker (as configured by default, with gzip off as this runtime has it, and with gzip off
//! on a current-thread tokio runtime, its best configuration), this runtime's worker on a
//! current-thread runtime too, and the Python SDK's worker, each in its own process, under one
//! load generator.
//!
//! `make bench` (or `cargo bench -p benchmarks --bench end_to_end`) starts a dev server and,
//! for each round and each worker, starts the worker, warms it up, then runs `BENCH_ACTIVITIES`
//! standalone activities `noop(String) -> String` at `BENCH_CONCURRENCY` from a Rust load
//! generator on the official client (this process). Between the start and the end of the measured
//! load it reads the worker process's user + system CPU time (`/proc/<pid>/stat`); at the end, its
//! peak RSS (`VmHWM`). Every result is checked against its input. It prints the medians over
//! `BENCH_ROUNDS` rounds as ratios to the official Rust worker and writes
//! `benchmarks/results/end_to_end.md` and `end_to_end.svg`.
//!
//! Further parts, each with its own table (see their modules): `cpu` (CPU-bound blocking
//! work, `cpu_bound.md`), `inflight` (thousands of heartbeating activities in flight at once,
//! `inflight.md`), `large` (1 MiB arguments and results, `large_payloads.md`) and `startup`
//! (a new worker process's time to its first completed activity, `startup.md`).
//!
//! Under `cargo test` (no `--bench` argument) it runs every part once at small sizes (a small
//! load, 20 activities in flight for 10 s, 64 KiB payloads), checks every result, and writes
//! nothing.
//!
//! Environment variables:
//!
//! | variable | default (`--bench`) | what |
//! | --- | --- | --- |
//! | `BENCH_PARTS` | `noop,cpu,inflight,large,startup` | the parts to run, comma-separated |
//! | `BENCH_STARTUP_ROUNDS` | 5 | rounds of the start-up part |
//! | `BENCH_ROUNDS` | 5 | rounds of the no-op part; `0` skips it (as leaving `noop` out of `BENCH_PARTS`) |
//! | `BENCH_ACTIVITIES`, `BENCH_CONCURRENCY`, `BENCH_WARMUP` | 2000, 100, 200 | the no-op part's load per worker and round |
//! | `BENCH_CPU_ACTIVITIES`, `BENCH_CPU_ROUNDS` | 24, 4 | the CPU-bound part |
//! | `BENCH_INFLIGHT` | 2000 | activities in flight at once (and activity slots of every worker) |
//! | `BENCH_INFLIGHT_SECONDS` | 120 | how long each of them runs, heartbeating once a second (longer than starting all of them takes: 35–60 s here) |
//! | `BENCH_INFLIGHT_ROUNDS` | 1 | rounds of the in-flight part |
//! | `BENCH_LARGE_BYTES` | 1048576 | size of the large argument and result |
//! | `BENCH_LARGE_ACTIVITIES`, `BENCH_LARGE_CONCURRENCY`, `BENCH_LARGE_ROUNDS` | 40, 4, 4 | the large-payload part's load per worker, variant and round |
//! | `BENCH_REDRAW` | unset | set: redraw `end_to_end.md` and the chart from `end_to_end.json`, measuring nothing |
//! | `TEMPORAL_PYTHON` | `python3` | the Python that runs `python_worker.py` |
//!
//! The worker processes are this same binary, re-executed with
//! `BENCH_ROLE=ours|official|official-nogzip|floor|ours-cpu`, each of the first three with
//! `-current-thread` for a current-thread tokio runtime (and `BENCH_SLOTS`,
//! `BENCH_REPORT_HEARTBEATS` for the in-flight part), and `python_worker.py` under
//! `TEMPORAL_PYTHON`.

mod cpu;
mod inflight;
mod large;
mod load;
mod report;
mod startup;
mod workers;

use std::time::Duration;

use temporal_dev_server::DevServer;

use crate::report::{Measurement, Settings};
use crate::workers::WorkerKind;

fn main() -> anyhow::Result<()> {
    let role = std::env::var("BENCH_ROLE").ok();
    let runtime = workers::runtime_for(role.as_deref())?;
    match role.as_deref() {
        Some(role) => runtime.block_on(workers::serve(role)),
        None if std::env::var_os("BENCH_REDRAW").is_some() => redraw(),
        None => {
            let measuring = std::env::args().any(|arg| arg == "--bench");
            runtime.block_on(orchestrate(measuring))
        }
    }
}

/// Which parts `BENCH_PARTS` selects (all when unset).
#[derive(Debug, Clone, Copy)]
struct Parts {
    noop: bool,
    cpu: bool,
    inflight: bool,
    large: bool,
    startup: bool,
}

impl Parts {
    fn from_env() -> anyhow::Result<Self> {
        let Ok(list) = std::env::var("BENCH_PARTS") else {
            return Ok(Self {
                noop: true,
                cpu: true,
                inflight: true,
                large: true,
                startup: true,
            });
        };
        let mut parts = Self {
            noop: false,
            cpu: false,
            inflight: false,
            large: false,
            startup: false,
        };
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "noop" => parts.noop = true,
                "cpu" => parts.cpu = true,
                "inflight" => parts.inflight = true,
                "large" => parts.large = true,
                "startup" => parts.startup = true,
                other => anyhow::bail!(
                    "unknown part `{other}` in BENCH_PARTS; expected some of `noop`, `cpu`, \
                     `inflight`, `large`, `startup`"
                ),
            }
        }
        Ok(parts)
    }
}

async fn orchestrate(measuring: bool) -> anyhow::Result<()> {
    let parts = Parts::from_env()?;
    let settings = if measuring {
        Settings {
            activities: env_number("BENCH_ACTIVITIES", 2000),
            concurrency: env_number("BENCH_CONCURRENCY", 100),
            warmup: env_number("BENCH_WARMUP", 200),
            // One round per worker: with the order rotated, each worker runs once in each slot.
            rounds: env_number("BENCH_ROUNDS", WorkerKind::ALL.len()),
        }
    } else {
        Settings {
            activities: 40,
            concurrency: 10,
            warmup: 10,
            rounds: 1,
        }
    };
    let load_before = report::load_average();
    let server = DevServer::start().await?;
    let client = load::connect(server.address()).await?;
    println!(
        "dev server at {}; {} activities at concurrency {} per worker, {} round(s)",
        server.address(),
        settings.activities,
        settings.concurrency,
        settings.rounds
    );

    // The dev server gets faster over its first few thousand activities; let that happen before
    // anything is measured.
    let warmup_queue = "bench-server-warmup";
    let worker = workers::start(WorkerKind::Official, server.address(), warmup_queue).await?;
    load::run(
        &client,
        warmup_queue,
        settings.warmup * 5,
        settings.concurrency,
        "server-warmup",
    )
    .await?;
    worker.stop();

    let rounds = if parts.noop { settings.rounds } else { 0 };
    let mut measurements = Vec::new();
    for round in 0..rounds {
        // Rotate the order so no worker always runs first or last.
        let mut kinds = WorkerKind::ALL;
        kinds.rotate_left(round % WorkerKind::ALL.len());
        for kind in kinds {
            let task_queue = format!("bench-{}-{round}", kind.label());
            let worker = workers::start(kind, server.address(), &task_queue).await?;
            load::run(
                &client,
                &task_queue,
                settings.warmup,
                settings.concurrency,
                "warmup",
            )
            .await?;
            let cpu_before = worker.cpu_time()?;
            let elapsed = load::run(
                &client,
                &task_queue,
                settings.activities,
                settings.concurrency,
                "measured",
            )
            .await?;
            let cpu = worker.cpu_time()? - cpu_before;
            let peak_rss = worker.peak_rss()?;
            worker.stop();
            let measurement = Measurement {
                kind,
                throughput: settings.activities as f64 / elapsed.as_secs_f64(),
                cpu_per_activity: cpu / settings.activities as u32,
                peak_rss,
            };
            println!("round {}: {measurement}", round + 1);
            measurements.push(measurement);
        }
    }
    // `BENCH_ROUNDS=0`: only the parts below.
    if rounds > 0 {
        let report = report::Report::new(settings, measurements, load_before);
        println!("\n{}", report.markdown());
        if measuring {
            write(&report)?;
        }
    }

    if parts.cpu {
        cpu_bound(&client, server.address(), measuring).await?;
    }
    if parts.inflight {
        in_flight(&client, server.address(), measuring).await?;
    }
    if parts.large {
        large_payloads(server.address(), measuring).await?;
    }
    if parts.startup {
        let rounds = if measuring {
            env_number("BENCH_STARTUP_ROUNDS", 5)
        } else {
            1
        };
        let table = startup::measure(&client, server.address(), rounds).await?;
        publish(&table, "startup.md", measuring)?;
    }
    drop(server);
    Ok(())
}

/// CPU-bound blocking work: the pool at 1 and 2 threads, and Python's thread pool.
async fn cpu_bound(
    client: &temporalio_client::Client,
    address: &str,
    measuring: bool,
) -> anyhow::Result<()> {
    let (count, scale, rounds) = if measuring {
        (
            env_number("BENCH_CPU_ACTIVITIES", 24),
            1.0,
            env_number("BENCH_CPU_ROUNDS", cpu::Config::ALL.len()),
        )
    } else {
        (4, 0.01, 1)
    };
    let load_before = report::load_average();
    let cpu = cpu::measure(client, address, count, scale, rounds).await?;
    let table = cpu::markdown(&cpu, count, scale, rounds, &load_before);
    publish(&table, "cpu_bound.md", measuring)?;
    Ok(())
}

/// Thousands of heartbeating activities in flight at once (`inflight.md`).
async fn in_flight(
    client: &temporalio_client::Client,
    address: &str,
    measuring: bool,
) -> anyhow::Result<()> {
    let settings = if measuring {
        inflight::Settings {
            in_flight: env_number("BENCH_INFLIGHT", 2000),
            seconds: env_number("BENCH_INFLIGHT_SECONDS", 120),
            rounds: env_number("BENCH_INFLIGHT_ROUNDS", 1),
        }
    } else {
        // Long enough for all 20 to be heartbeating with seconds to spare on a loaded machine
        // (`make test` runs this beside clippy and the other test groups): with 4 s, a start ramp
        // of 2.5 s left too short a window to see 20 heartbeats in one second.
        inflight::Settings {
            in_flight: 20,
            seconds: 10,
            rounds: 1,
        }
    };
    println!(
        "\nin flight: {} activities of {} s per worker, {} round(s)",
        settings.in_flight, settings.seconds, settings.rounds
    );
    let load_before = report::load_average();
    let measurements = inflight::measure(client, address, settings).await?;
    let table = inflight::markdown(&measurements, settings, &load_before);
    publish(&table, "inflight.md", measuring)?;
    Ok(())
}

/// 1 MiB arguments and results, as a JSON string and as bytes (`large_payloads.md`).
async fn large_payloads(address: &str, measuring: bool) -> anyhow::Result<()> {
    let settings = if measuring {
        large::Settings {
            size: env_number("BENCH_LARGE_BYTES", 1 << 20),
            activities: env_number("BENCH_LARGE_ACTIVITIES", 40),
            concurrency: env_number("BENCH_LARGE_CONCURRENCY", 4),
            rounds: env_number("BENCH_LARGE_ROUNDS", large::KINDS.len()),
        }
    } else {
        large::Settings {
            size: 64 << 10,
            activities: 4,
            concurrency: 2,
            rounds: 1,
        }
    };
    println!(
        "\nlarge payloads: {} bytes, {} activities per worker and variant, {} round(s)",
        settings.size, settings.activities, settings.rounds
    );
    let load_before = report::load_average();
    let measurements = large::measure(address, settings).await?;
    let table = large::markdown(&measurements, settings, &load_before);
    publish(&table, "large_payloads.md", measuring)?;
    Ok(())
}

/// Prints a part's table and, when measuring, writes it to `results/<file>`.
fn publish(table: &str, file: &str, measuring: bool) -> anyhow::Result<()> {
    println!("\n{table}");
    if measuring {
        std::fs::write(results_dir().join(file), table)?;
    }
    Ok(())
}

fn results_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results")
}

/// Writes `end_to_end.json` (every round), `end_to_end.md` (the table) and `end_to_end.svg`.
fn write(report: &report::Report) -> anyhow::Result<()> {
    let dir = results_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("end_to_end.json"), report.to_json())?;
    std::fs::write(dir.join("end_to_end.md"), report.markdown())?;
    report.chart(&dir.join("end_to_end.svg"))?;
    println!("written to {}", dir.display());
    Ok(())
}

/// `BENCH_REDRAW=1`: the table and chart again from the last `end_to_end.json`, measuring nothing.
fn redraw() -> anyhow::Result<()> {
    let json = std::fs::read_to_string(results_dir().join("end_to_end.json"))?;
    let report = report::Report::from_json(&json)?;
    println!("{}", report.markdown());
    write(&report)
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
        Err(_) => default,
    }
}

/// How long a worker may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
