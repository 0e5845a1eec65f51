//! Isolation overhead: what running an activity in a child process costs per attempt, over the
//! same function on a thread, for this runtime (`isolation = "process"` against `"thread"`) and
//! for the Python SDK (`ProcessPoolExecutor` against `ThreadPoolExecutor`, its anchor); and what
//! the limits of a child process add (`memory_limit`, `cpu_time`, `open_files` against none).
//!
//! `make bench` (or `cargo bench -p benchmarks --bench isolation`) starts a dev server, this
//! runtime's workers (in this process: one with one blocking thread, one with one child process, one with one child process under limits) and two Python
//! workers (one per executor, each with one slot), then executes `noop(String) -> String` one at a
//! time from this runtime's client, the five in each of their 120 orders in turn, `BENCH_ISOLATION_ACTIVITIES` times
//! each after a warm-up. Each latency is from the client's start request to its result; the
//! overhead is the process-isolated distribution's median (and p99) minus the threaded one's.
//! This runtime's workers also time each attempt where it runs, with a `tower` layer around it
//! (in the worker, around the child for the isolated paths): without the server's matching and
//! the polls, whose jitter is milliseconds, what a child process and its limits cost shows in
//! microseconds. Writes `benchmarks/results/isolation.md`.
//!
//! Under `cargo test -p benchmarks --benches` it runs a few activities through every path, checks
//! every result, and writes nothing.

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::interceptors::{Attempt, AttemptService};
use activity_runtime::{Worker, activities, activity};
use anyhow::{Context as _, bail};
use temporal_dev_server::DevServer;

#[activity(isolation = "thread")]
fn noop_thread(text: String) -> String {
    text
}

#[activity(isolation = "process")]
fn noop_process(text: String) -> String {
    text
}

/// Every limit set: the child's lifelong ones once, the CPU timers and measures every attempt.
#[activity(
    isolation = "process",
    memory_limit = "512 MiB",
    cpu_time = "30 s",
    open_files = 256
)]
fn noop_limited(text: String) -> String {
    text
}

/// One way of running the no-op: the task queue and activity type the client calls.
struct Path {
    label: &'static str,
    task_queue: String,
    activity: &'static str,
    latencies: Vec<Duration>,
    /// For this runtime's paths: each attempt's time in the worker, in order (warm-up included).
    in_worker: Option<AttemptTimes>,
}

/// The attempts' durations a worker's [`timing`] layer records.
type AttemptTimes = Arc<Mutex<Vec<Duration>>>;

/// A layer that records how long each attempt takes, from the call to its output.
fn timing(
    times: AttemptTimes,
) -> impl tower::Layer<
    AttemptService,
    Service = impl tower::Service<
        Attempt,
        Response = activity_runtime::ActivityOutput,
        Error = activity_runtime::ActivityError,
        Future = impl Send,
    > + Clone
              + Send
              + Sync,
> + Send
+ Sync {
    use tower::ServiceExt as _;
    tower::layer::layer_fn(move |inner: AttemptService| {
        let times = times.clone();
        tower::service_fn(move |attempt: Attempt| {
            let (inner, times) = (inner.clone(), times.clone());
            async move {
                let started = Instant::now();
                let output = inner.oneshot(attempt).await;
                times.lock().expect("not poisoned").push(started.elapsed());
                output
            }
        })
    })
}

fn main() -> anyhow::Result<()> {
    activity_runtime::process::init();
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let (activities, warmup) = if measuring {
        (env_number("BENCH_ISOLATION_ACTIVITIES", 312), 24)
    } else {
        (4, 1)
    };
    tokio::runtime::Runtime::new()?.block_on(measure(activities, warmup, measuring))
}

async fn measure(activities: usize, warmup: usize, measuring: bool) -> anyhow::Result<()> {
    let load_before = load_average();
    let server = DevServer::start().await?;
    let address = server.address().to_owned();

    // One worker per path: an activity never waits for its worker to poll again after the
    // previous one (which would fall on whichever path runs second on a shared worker).
    let mut ours = Vec::new();
    let mut attempt_times = Vec::new();
    for (task_queue, activities) in [
        ("isolation-ours-thread", activities![noop_thread]),
        ("isolation-ours-process", activities![noop_process]),
        ("isolation-ours-limited", activities![noop_limited]),
    ] {
        let times = AttemptTimes::default();
        let worker = Worker::builder()
            .target(&address)
            .task_queue(task_queue)
            .register(activities)
            .max_concurrent_activities(1)
            .blocking_threads(1)
            .process_pool_size(1)
            .layer(timing(times.clone()))
            .build()
            .await?;
        attempt_times.push(times);
        let shutdown = worker.shutdown_handle();
        ours.push((shutdown, tokio::spawn(worker.run())));
    }
    let python_thread = start_python(&address, "isolation-python-thread", "thread").await?;
    let python_process = start_python(&address, "isolation-python-process", "process").await?;

    let mut attempt_times = attempt_times.into_iter();
    let mut path = |label, task_queue: &str, activity| Path {
        label,
        in_worker: task_queue
            .starts_with("isolation-ours")
            .then(|| attempt_times.next().expect("one worker per path of ours")),
        task_queue: task_queue.to_owned(),
        activity,
        latencies: Vec::with_capacity(activities),
    };
    let mut paths = [
        path(
            "activity-runtime, blocking pool",
            "isolation-ours-thread",
            "noop_thread",
        ),
        path(
            "activity-runtime, process-isolated",
            "isolation-ours-process",
            "noop_process",
        ),
        path(
            "activity-runtime, process-isolated with limits",
            "isolation-ours-limited",
            "noop_limited",
        ),
        path(
            "Python SDK, ThreadPoolExecutor",
            "isolation-python-thread",
            "noop",
        ),
        path(
            "Python SDK, ProcessPoolExecutor",
            "isolation-python-process",
            "noop",
        ),
    ];
    let client = Client::connect(&address, "default").await?;
    // Each round runs the five paths in another of their 120 orders, so that every path follows
    // every other equally often: whichever path runs right after another one on this machine
    // pays for what that one left running (its worker reporting, polling again).
    let orders = permutations(paths.len());
    for i in 0..warmup + activities {
        for &p in &orders[i % orders.len()] {
            let path = &mut paths[p];
            let text = format!("{}-{i}", path.activity);
            let options = ActivityOptions::new(&path.task_queue)
                .maximum_attempts(1)
                .start_to_close_timeout(Duration::from_secs(30));
            let started = Instant::now();
            let echoed: String = client
                .execute_activity(path.activity, (text.as_str(),), options)
                .await
                .with_context(|| format!("{} failed", path.label))?;
            let latency = started.elapsed();
            if echoed != text {
                bail!("{} returned {echoed:?} for {text:?}", path.label);
            }
            if i >= warmup {
                path.latencies.push(latency);
            }
        }
    }
    for (shutdown, serving) in ours {
        shutdown.shutdown();
        serving.await??;
    }
    for python in [python_thread, python_process] {
        stop_python(python);
    }
    drop(server);

    let report = report(&mut paths, activities, warmup, load_before);
    println!("\n{report}");
    if measuring {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/isolation.md");
        std::fs::write(&path, &report)?;
        println!("written to {}", path.display());
    }
    Ok(())
}

/// The latency table and the overhead rows, in Markdown.
fn report(paths: &mut [Path], activities: usize, warmup: usize, load_before: String) -> String {
    for path in paths.iter_mut() {
        path.latencies.sort();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = String::from(
        "| path | p10 latency | median latency | p90 latency | p99 latency |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for path in paths.iter() {
        let at = |q| ms(percentile(&path.latencies, q));
        out += &format!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |\n",
            path.label,
            at(0.1),
            at(0.5),
            at(0.9),
            at(0.99),
        );
    }
    out +=
        "\n| overhead of a child process over a thread | median | p99 |\n| --- | ---: | ---: |\n";
    for (name, thread, process) in [
        ("activity-runtime", 0, 1),
        ("Python SDK", 3, 4),
        ("activity-runtime: limits on, over off", 1, 2),
    ] {
        let diff = |q| {
            ms(percentile(&paths[process].latencies, q))
                - ms(percentile(&paths[thread].latencies, q))
        };
        out += &format!(
            "| {name} | {:+.2} ms | {:+.2} ms |\n",
            diff(0.5),
            diff(0.99)
        );
    }
    // In the worker: each attempt's time where it runs, warm-up left out.
    let in_worker: Vec<(&str, Vec<Duration>)> = paths
        .iter()
        .filter_map(|path| {
            let times = path.in_worker.as_ref()?.lock().expect("not poisoned");
            let mut times: Vec<Duration> = times.iter().skip(warmup).copied().collect();
            times.sort();
            Some((path.label, times))
        })
        .collect();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    out += "\n| in the worker, per attempt (a `tower` layer around it) | attempts | p10 | median | p90 | p99 |\n\
            | --- | ---: | ---: | ---: | ---: | ---: |\n";
    for (label, times) in &in_worker {
        let at = |q| us(percentile(times, q));
        out += &format!(
            "| {label} | {} | {:.0} µs | {:.0} µs | {:.0} µs | {:.0} µs |\n",
            times.len(),
            at(0.1),
            at(0.5),
            at(0.9),
            at(0.99),
        );
    }
    if let [thread, process, limited] = &in_worker[..] {
        let diff = |a: &[Duration], b: &[Duration], q| us(percentile(a, q)) - us(percentile(b, q));
        out += &format!(
            "\nIn the worker, a child process adds {:+.0} µs at the median over a thread \
             ({:+.0} µs at p90), and its limits (`memory_limit`, `cpu_time`, `open_files`) add \
             {:+.0} µs at the median ({:+.0} µs at p90) over a child without them.\n",
            diff(&process.1, &thread.1, 0.5),
            diff(&process.1, &thread.1, 0.9),
            diff(&limited.1, &process.1, 0.5),
            diff(&limited.1, &process.1, 0.9),
        );
    }
    out += &format!(
        "\n{activities} sequential standalone activities `noop(String) -> String` per path after \
         {warmup} to warm up, the five paths in each of their 120 orders in turn, from this runtime's client against \
         `temporal server start-dev` (in memory) on the same machine; each worker has one slot \
         (one blocking thread, one child process, one executor worker). Latency is from the start \
         request to the result. Machine: {} cores; load average {load_before} before, {} after. \
         Command: `make bench`.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average(),
    );
    out
}

/// Every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut order = rest.clone();
            order.insert(at, n - 1);
            all.push(order);
        }
    }
    all
}

/// The `q` quantile of sorted `values` (nearest rank).
fn percentile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// Starts `python_worker.py` with `executor` on `task_queue`; returns once it says READY.
async fn start_python(address: &str, task_queue: &str, executor: &str) -> anyhow::Result<Child> {
    let python = std::env::var("TEMPORAL_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        // A group of its own: its executor's processes are stopped with it.
        .process_group(0)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/isolation/python_worker.py"
        ))
        .env("BENCH_ADDRESS", address)
        .env("BENCH_TASK_QUEUE", task_queue)
        .env("BENCH_EXECUTOR", executor)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the Python worker (TEMPORAL_PYTHON)")?;
    let stdout = child.stdout.take().context("stdout is piped")?;
    let ready = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.any(|line| line.is_ok_and(|l| l.trim() == "READY"));
        std::thread::spawn(move || lines.for_each(drop));
        ready
    });
    match tokio::time::timeout(Duration::from_secs(60), ready).await {
        Ok(Ok(true)) => Ok(child),
        _ => {
            stop_python(child);
            bail!("the Python {executor} worker never said READY")
        }
    }
}

/// Stops a Python worker and the processes its executor started (its process group).
fn stop_python(mut python: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", python.id())])
        .status();
    let _ = python.wait();
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
        Err(_) => default,
    }
}
