//! CPU-bound blocking work: the same function `spin(String) -> String` (a fixed number of
//! xorshift rounds, then its input back) on this runtime's blocking pool at 1 and 2 threads, and,
//! as the contrast, the Python SDK's thread-pool activity at 1 and 2 threads (the GIL keeps its
//! pure-Python loop on one core at a time). Throughput is activities completed per second of the
//! measured load; the figure that counts is each worker's 2-thread / 1-thread ratio.
//!
//! Two choices keep that ratio about the pool rather than about the machine around it:
//! - **Each activity is about half a second of CPU.** The dev server and the load generator share
//!   this machine's two cores and spend 30–50 ms of CPU on every activity (the table shows how
//!   much); at 50 ms per activity, their share was what capped the second thread (1.50× in an
//!   earlier round, with the machine saturated).
//! - **Twice as many activity slots as threads** (the SDKs' defaults, 100 slots, also exceed any
//!   pool), so a task is already waiting when a thread finishes, rather than the thread idling
//!   through the completion's and the next poll's round trips.

use std::process::Command;
use std::time::Duration;

use temporalio_client::Client;

use crate::load;

/// The activity type both workers serve.
pub const SPIN: &str = "spin";

/// Rounds for Rust (about 0.5 s of one core here) and for Python (about 0.3 s): the ratio of a
/// worker's two configurations is what counts, not the languages' speeds.
const RUST_ROUNDS: u64 = 250_000_000;
const PYTHON_ROUNDS: u64 = 1_200_000;

/// The rounds per activity at `scale` (1 when measuring): Rust's, then Python's.
fn spin_rounds(scale: f64) -> (u64, u64) {
    let scaled = |rounds: u64| (rounds as f64 * scale) as u64;
    (scaled(RUST_ROUNDS), scaled(PYTHON_ROUNDS))
}

/// Activities in flight from the load generator: twice the most activity slots (2 × 2 threads).
const CONCURRENCY: usize = 8;

/// The rounds this worker process spins per activity (`BENCH_SPIN_ROUNDS`).
pub fn rounds() -> u64 {
    static ROUNDS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *ROUNDS.get_or_init(|| crate::env_number("BENCH_SPIN_ROUNDS", RUST_ROUNDS))
}

/// `rounds` of xorshift64: pure CPU, no memory traffic, the same in both languages.
pub fn burn(rounds: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rounds {
        x = xorshift64(x);
    }
    std::hint::black_box(x)
}

/// One step of Marsaglia's xorshift64 (13, 7, 17): the spin above, and the pseudo-random payloads
/// of the large-payload part.
#[inline(always)]
pub fn xorshift64(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// One configuration: which worker, how many threads.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub python: bool,
    pub threads: usize,
}

impl Config {
    pub const ALL: [Config; 4] = [
        Config {
            python: false,
            threads: 1,
        },
        Config {
            python: false,
            threads: 2,
        },
        Config {
            python: true,
            threads: 1,
        },
        Config {
            python: true,
            threads: 2,
        },
    ];

    fn label(self) -> String {
        format!(
            "{}-{}",
            if self.python { "python" } else { "ours" },
            self.threads
        )
    }
}

/// What one configuration achieved in one round.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub config: Config,
    pub throughput: f64,
    pub cpu_per_activity: Duration,
    /// What the rest of the machine (dev server, load generator) spent per activity meanwhile.
    pub rest_per_activity: Duration,
}

/// Runs `count` spins (at [`CONCURRENCY`]) per configuration, `rounds` times in rotated order, and
/// returns every measurement.
pub async fn measure(
    client: &Client,
    address: &str,
    count: usize,
    scale: f64,
    rounds: usize,
) -> anyhow::Result<Vec<Measurement>> {
    let mut measurements = Vec::new();
    for round in 0..rounds {
        let mut configs = Config::ALL;
        configs.rotate_left(round % Config::ALL.len());
        for config in configs {
            let task_queue = format!("bench-cpu-{}-{round}", config.label());
            let (rust_rounds, python_rounds) = spin_rounds(scale);
            let mut command = if config.python {
                let python = std::env::var("TEMPORAL_PYTHON").unwrap_or_else(|_| "python3".into());
                let mut command = Command::new(python);
                command
                    .arg(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/benches/end_to_end/python_worker.py"
                    ))
                    .env("BENCH_SPIN_ROUNDS", python_rounds.to_string());
                command
            } else {
                let mut command = Command::new(std::env::current_exe()?);
                command
                    .env("BENCH_ROLE", "ours-cpu")
                    .env("BENCH_SPIN_ROUNDS", rust_rounds.to_string());
                command
            };
            command.env("BENCH_BLOCKING_THREADS", config.threads.to_string());
            let worker =
                crate::workers::start_command(command, &config.label(), address, &task_queue)
                    .await?;
            load::run_activity(client, &task_queue, SPIN, 2, CONCURRENCY, "warmup").await?;
            let (cpu_before, machine_before) =
                (worker.cpu_time()?, crate::workers::machine_cpu_time()?);
            let elapsed =
                load::run_activity(client, &task_queue, SPIN, count, CONCURRENCY, "measured")
                    .await?;
            let cpu = worker.cpu_time()? - cpu_before;
            let machine = crate::workers::machine_cpu_time()? - machine_before;
            worker.stop();
            let m = Measurement {
                config,
                throughput: count as f64 / elapsed.as_secs_f64(),
                cpu_per_activity: cpu / count as u32,
                rest_per_activity: machine.saturating_sub(cpu) / count as u32,
            };
            println!(
                "cpu round {}: {:<9} {:>6.2} activities/s, {:>6.1} ms CPU per activity, \
                 {:>5.1} ms elsewhere",
                round + 1,
                config.label(),
                m.throughput,
                m.cpu_per_activity.as_secs_f64() * 1e3,
                m.rest_per_activity.as_secs_f64() * 1e3,
            );
            measurements.push(m);
        }
    }
    Ok(measurements)
}

/// The table: median throughput per configuration, and each worker's 2-thread / 1-thread ratio.
pub fn markdown(
    measurements: &[Measurement],
    count: usize,
    scale: f64,
    rounds: usize,
    load_before: &str,
) -> String {
    let median_of = |python: bool, threads: usize, f: fn(&Measurement) -> f64| {
        crate::report::median(
            measurements
                .iter()
                .filter(|m| m.config.python == python && m.config.threads == threads)
                .map(f),
        )
    };
    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }
    let mut out = String::from(
        "| worker | 1 thread (activities/s) | 2 threads (activities/s) | 2 threads × 1 thread | \
         worker CPU per activity, 1 / 2 threads | rest of the machine per activity, 1 / 2 threads |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let mut scaling = [0.0; 2];
    for (i, (python, title)) in [
        (false, "activity-runtime, blocking pool (`fn` activity)"),
        (true, "Python SDK, `ThreadPoolExecutor` (sync activity)"),
    ]
    .into_iter()
    .enumerate()
    {
        let one = median_of(python, 1, |m| m.throughput);
        let two = median_of(python, 2, |m| m.throughput);
        let cpu = |threads| median_of(python, threads, |m| ms(m.cpu_per_activity));
        let rest = |threads| median_of(python, threads, |m| ms(m.rest_per_activity));
        scaling[i] = two / one;
        out.push_str(&format!(
            "| {title} | {one:.2} | {two:.2} | {:.2}× | {:.0} / {:.0} ms | {:.1} / {:.1} ms |\n",
            two / one,
            cpu(1),
            cpu(2),
            rest(1),
            rest(2),
        ));
    }
    let (rust_rounds, python_rounds) = spin_rounds(scale);
    out.push_str(&format!(
        "\nTarget for activity-runtime: 2 threads ≥ 1.8× 1 thread ({:.2}×, {}).\n\
         \nMedians of {rounds} round(s); each round, in rotated order, each configuration (own worker \
         process; twice as many activity slots as pool threads) served 2 warm-up then {count} \
         measured standalone activities `spin(String) -> String` at concurrency {CONCURRENCY}: {} \
         xorshift rounds in Rust, {} in Python, against `temporal server start-dev` on the same \
         machine. The rest of the machine is every core's busy time (`/proc/stat`) over the \
         measured load less the worker's own: the dev server and the load generator, mostly. \
         Machine: {}; load average {load_before} before, {} after. Command: \
         `BENCH_PARTS=cpu cargo bench -p benchmarks --bench end_to_end`.\n",
        scaling[0],
        if scaling[0] >= 1.8 { "met" } else { "NOT met" },
        rust_rounds,
        python_rounds,
        crate::report::machine(),
        crate::report::load_average(),
    ));
    out
}
