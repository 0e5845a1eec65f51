//! End to end: the same no-op activity served in turn by this runtime's worker, the official Rust
//! SDK's worker (as configured by default, and with gzip off as this runtime has it) and the Python
//! SDK's worker, each in its own process, under one load generator.
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
//! Under `cargo test` (no `--bench` argument) it runs a small load through every worker, checks
//! every result, and writes nothing.
//!
//! The worker processes are this same binary, re-executed with
//! `BENCH_ROLE=ours|official|official-nogzip`, and
//! `python_worker.py` under `TEMPORAL_PYTHON`.

mod cpu;
mod load;
mod report;
mod workers;

use std::time::Duration;

use temporal_dev_server::DevServer;

use crate::report::{Measurement, Settings};
use crate::workers::WorkerKind;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    match std::env::var("BENCH_ROLE").ok().as_deref() {
        Some(role) => runtime.block_on(workers::serve(role)),
        None if std::env::var_os("BENCH_REDRAW").is_some() => redraw(),
        None => {
            let measuring = std::env::args().any(|arg| arg == "--bench");
            runtime.block_on(orchestrate(measuring))
        }
    }
}

async fn orchestrate(measuring: bool) -> anyhow::Result<()> {
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

    let mut measurements = Vec::new();
    for round in 0..settings.rounds {
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
    // `BENCH_ROUNDS=0`: only the CPU-bound part below.
    if settings.rounds > 0 {
        let report = report::Report::new(settings, measurements, load_before);
        println!("\n{}", report.markdown());
        if measuring {
            write(&report)?;
        }
    }

    // CPU-bound blocking work: the pool at 1 and 2 threads, and Python's thread pool.
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
    let cpu = cpu::measure(&client, server.address(), count, scale, rounds).await?;
    let table = cpu::markdown(&cpu, count, rounds, &load_before);
    println!("\n{table}");
    if measuring {
        std::fs::write(results_dir().join("cpu_bound.md"), table)?;
    }
    drop(server);
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
