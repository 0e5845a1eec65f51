//! Cold start: how long a new worker process takes, from its start to its first activity
//! completed (autoscaling adds workers under load, so this is on the critical path).
//!
//! Each round, for each worker in rotated order: one `noop` is started on a task queue no worker
//! polls yet, then the worker's process is started; the time is from the process's start to the
//! client holding the result. The worker also says when it is ready to poll (`READY`, printed
//! once its connection is up and the worker built), which splits the time into start-up and the
//! first task's round trip. The official worker runs with its default settings (gzip on), as a
//! team deploying it would.

use std::time::{Duration, Instant};

use temporalio_client::Client;

use crate::load;
use crate::report::{self, median};
use crate::workers::{self, WorkerKind};

/// The workers compared: the floor has no start-up worth the name, and gzip does not change it.
const KINDS: [WorkerKind; 3] = [WorkerKind::Official, WorkerKind::Ours, WorkerKind::Python];

/// One cold start.
struct ColdStart {
    kind: WorkerKind,
    /// From the process's start to its `READY` line.
    ready: Duration,
    /// From the process's start to the first result at the client.
    first_completion: Duration,
}

/// Runs `rounds` rounds and returns the table.
pub async fn measure(client: &Client, address: &str, rounds: usize) -> anyhow::Result<String> {
    let load_before = report::load_average();
    let mut starts = Vec::new();
    for round in 0..rounds {
        let mut kinds = KINDS;
        kinds.rotate_left(round % KINDS.len());
        for kind in kinds {
            let task_queue = format!("bench-startup-{}-{round}", kind.label());
            let id = format!("{task_queue}-first");
            let input = load::json_payload(&id);
            let options = load::options(&task_queue, &id, Duration::from_secs(60), None);
            let handle = load::start(client, load::ACTIVITY, &id, input.clone(), options).await?;
            let started = Instant::now();
            let worker = workers::start(kind, address, &task_queue).await?;
            let ready = started.elapsed();
            let output = handle.result().await?;
            let first_completion = started.elapsed();
            worker.stop();
            anyhow::ensure!(
                matches!(output.payloads.as_slice(), [payload] if payload.data == input.data),
                "{id} did not return its input"
            );
            let start = ColdStart {
                kind,
                ready,
                first_completion,
            };
            println!(
                "start-up round {}: {} ready in {:.0} ms, first completion in {:.0} ms",
                round + 1,
                kind.label(),
                ms(start.ready),
                ms(start.first_completion)
            );
            starts.push(start);
        }
    }
    Ok(table(&starts, rounds, &load_before))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn table(starts: &[ColdStart], rounds: usize, load_before: &str) -> String {
    let of = |kind: WorkerKind, field: fn(&ColdStart) -> Duration| -> Vec<f64> {
        starts
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| ms(field(s)))
            .collect()
    };
    let official_first = median(
        of(WorkerKind::Official, |s| s.first_completion)
            .iter()
            .copied(),
    );
    let mut out = String::from(
        "| worker | process start to ready | process start to first completion | first completion × official |\n\
         | --- | ---: | ---: | ---: |\n",
    );
    for kind in KINDS {
        let ready = of(kind, |s| s.ready);
        let first = of(kind, |s| s.first_completion);
        let range = |values: &[f64]| {
            let (low, high) = values
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            format!(
                "{:.0} ms ({low:.0}–{high:.0})",
                median(values.iter().copied())
            )
        };
        out += &format!(
            "| {} | {} | {} | {:.2}× |\n",
            kind.title(),
            range(&ready),
            range(&first),
            median(first.iter().copied()) / official_first,
        );
    }
    out += &format!(
        "\nMedians of {rounds} round(s) (lowest–highest in brackets); each round, in rotated order, \
         one standalone `noop` was started on a task queue nobody polled, then the worker's \
         process (this benchmark's binary re-executed in a worker role, or `python_worker.py`), \
         with its default settings; ready is when it printed `READY` (connection up, worker built), first \
         completion when the client held the result. Against `temporal server start-dev` on the \
         same machine. Machine: {}; load average {load_before} before, {} after. Command: \
         `BENCH_PARTS=startup cargo bench -p benchmarks --bench end_to_end`.\n",
        report::machine(),
        report::load_average(),
    );
    out
}
