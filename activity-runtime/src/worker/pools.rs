//! Where a worker's blocking and process-isolated activities run: its own pool of threads and its
//! pool of child processes, sized from the builder, with a warning when they run fewer activities
//! at once than the worker's slots may start.

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use crate::activity::Execution;
use crate::attempt::{ActivityFuture, ActivityInput};
use crate::blocking::{BlockingPool, PoolHandle};
use crate::context::{ActivityContext, BlockingJob, Executors, ProcessEntry};
use crate::error::ActivityError;
use crate::limits::ProcessLimits;
#[cfg(unix)]
use crate::process::{ProcessHandle, ProcessOptions, ProcessPool};
use crate::registry::Registry;

use super::telemetry::RuntimeMetrics;

/// The worker's pools; dropping it lets the threads finish and kills the idle children.
#[derive(Debug)]
pub(super) struct WorkerPools {
    executors: Arc<PoolHandles>,
    _blocking: BlockingPool,
    #[cfg(unix)]
    _process: Option<ProcessPool>,
}

/// What every context of the worker runs its bodies on.
struct PoolHandles {
    blocking: PoolHandle,
    #[cfg(unix)]
    process: Option<ProcessHandle>,
}

impl Executors for PoolHandles {
    fn submit_blocking(&self, job: BlockingJob) -> Result<(), ActivityError> {
        self.blocking.submit_blocking(job)
    }

    fn run_in_process(
        &self,
        entry: ProcessEntry,
        limits: &ProcessLimits,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> ActivityFuture {
        #[cfg(unix)]
        if let Some(process) = &self.process {
            return process.run(entry, limits, ctx, input);
        }
        self.blocking.run_in_process(entry, limits, ctx, input)
    }
}

impl std::fmt::Debug for PoolHandles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolHandles").finish_non_exhaustive()
    }
}

/// The builder's settings of the worker's child processes.
#[derive(Debug)]
pub(super) struct ProcessSettings<'a> {
    /// How many run at once (`process_pool_size`).
    pub(super) size: usize,
    /// From a cancellation to the kill (`process_grace_period`).
    pub(super) grace: Duration,
    /// What they are started through (`process_wrapper`).
    pub(super) wrapper: &'a [OsString],
    /// The limits of activities that set none (`process_limits`).
    pub(super) limits: ProcessLimits,
}

impl WorkerPools {
    /// The worker's pools: blocking threads, sized `threads` or else the slots' maximum (100 for
    /// a custom slot supplier, whose maximum is unknown), and child processes, with a warning
    /// when the worker may start more blocking or process-isolated activities than the pools run
    /// at once. `slots` is the most activities the slots allow and the setting that says so.
    pub(super) fn new(
        registry: &Registry,
        slots: Option<(usize, &'static str)>,
        threads: Option<usize>,
        process: ProcessSettings<'_>,
        metrics: &RuntimeMetrics,
    ) -> Self {
        let processes = process.size;
        let isolated: Vec<&str> = registry
            .registrations()
            .filter(|r| r.execution() == Execution::Process)
            .map(|r| r.name())
            .collect();
        if let Some((max_concurrent, setting)) = slots
            && !isolated.is_empty()
            && max_concurrent > processes
        {
            tracing::warn!(
                slots = max_concurrent,
                process_pool_size = processes,
                "the worker may run {max_concurrent} activities at once but only {processes} \
             process-isolated activities ({}): further ones wait for a free child process; raise \
             `process_pool_size` or lower `{setting}`",
                isolated.join(", "),
            );
        }
        #[cfg(unix)]
        let process = (!isolated.is_empty()).then(|| {
            ProcessPool::new(ProcessOptions {
                size: processes,
                grace: process.grace,
                wrapper: process.wrapper.to_vec(),
                defaults: process.limits,
                observer: Arc::new(metrics.clone()),
            })
        });
        #[cfg(not(unix))]
        let _ = process;
        let blocking = blocking_pool(registry, slots, threads, metrics);
        Self {
            executors: Arc::new(PoolHandles {
                blocking: blocking.handle(),
                #[cfg(unix)]
                process: process.as_ref().map(ProcessPool::handle),
            }),
            _blocking: blocking,
            #[cfg(unix)]
            _process: process,
        }
    }

    /// What contexts hand blocking and process-isolated bodies to.
    pub(super) fn executors(&self) -> Arc<dyn Executors> {
        self.executors.clone()
    }
}

fn blocking_pool(
    registry: &Registry,
    slots: Option<(usize, &'static str)>,
    threads: Option<usize>,
    metrics: &RuntimeMetrics,
) -> BlockingPool {
    let size = threads
        .or(slots.map(|(max, _)| max))
        .unwrap_or(super::tuning::DEFAULT_MAX_CONCURRENT_ACTIVITIES)
        .max(1);
    let blocking: Vec<&str> = registry
        .registrations()
        .filter(|r| r.execution() == Execution::Blocking)
        .map(|r| r.name())
        .collect();
    match slots {
        Some((max_concurrent, setting)) if !blocking.is_empty() && max_concurrent > size => {
            tracing::warn!(
                slots = max_concurrent,
                blocking_threads = size,
                "the worker may run {max_concurrent} activities at once but only {size} blocking \
                 activities ({}): further blocking activities wait for a free thread, and their \
                 start-to-close timeouts keep running meanwhile; raise `blocking_threads` or \
                 lower `{setting}`",
                blocking.join(", "),
            );
        }
        None if !blocking.is_empty() && threads.is_none() => tracing::warn!(
            blocking_threads = size,
            "the worker's activity slots come from a custom slot supplier, whose maximum it \
             cannot know: its blocking activities ({}) run on {size} threads; set \
             `blocking_threads` to the supplier's maximum",
            blocking.join(", "),
        ),
        _ => {}
    }
    BlockingPool::with_queue_gauge(
        "activity-blocking",
        size,
        Some(metrics.blocking_queue_length()),
    )
}
