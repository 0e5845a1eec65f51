//! Where blocking activities run: a bounded pool of named threads that the worker (or an
//! `ActivityEnvironment`) owns, separate from the async threads and from tokio's shared blocking
//! pool.
//!
//! Threads start on demand, up to the pool's size, and then stay for the pool's lifetime. A job
//! that finds every thread busy waits in a FIFO queue. A thread is never killed: a blocking
//! activity that ignores cancellation keeps its thread until the function returns, and its
//! cancellation is reported then.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::activity::{ActivityFuture, ActivityOutput};
use crate::context::ActivityContext;
use crate::error::ActivityError;
use crate::process::{Entry, ProcessHandle, ProcessPool};
use crate::registry::Registry;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Where an activity's function runs. `#[activity]` sets it from the function: `async fn` runs
/// on the async threads, `fn` on the worker's blocking pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Execution {
    /// On the async (tokio) threads.
    Async,
    /// On the worker's pool of blocking threads.
    Blocking,
    /// In a child process from the worker's pool (`#[activity(isolation = "process")]`).
    Process,
}

/// The worker's pools: blocking threads, sized `threads` or else `max_concurrent`, and child
/// processes, with a warning when the worker may start more blocking or process-isolated
/// activities than the pools run at once.
pub(crate) fn worker_pools(
    registry: &Registry,
    max_concurrent: usize,
    threads: Option<usize>,
    processes: usize,
    grace: std::time::Duration,
) -> (BlockingPool, Option<ProcessPool>) {
    let isolated: Vec<&str> = registry
        .registrations()
        .filter(|r| r.execution() == Execution::Process)
        .map(|r| r.name())
        .collect();
    if !isolated.is_empty() && max_concurrent > processes {
        tracing::warn!(
            max_concurrent_activities = max_concurrent,
            process_pool_size = processes,
            "the worker may run {max_concurrent} activities at once but only {processes} \
             process-isolated activities ({}): further ones wait for a free child process; raise \
             `process_pool_size` or lower `max_concurrent_activities`",
            isolated.join(", "),
        );
    }
    let process_pool = (!isolated.is_empty()).then(|| ProcessPool::new(processes, grace));
    (
        blocking_pool(registry, max_concurrent, threads),
        process_pool,
    )
}

fn blocking_pool(
    registry: &Registry,
    max_concurrent: usize,
    threads: Option<usize>,
) -> BlockingPool {
    let size = threads.unwrap_or(max_concurrent).max(1);
    let blocking: Vec<&str> = registry
        .registrations()
        .filter(|r| r.execution() == Execution::Blocking)
        .map(|r| r.name())
        .collect();
    if !blocking.is_empty() && max_concurrent > size {
        tracing::warn!(
            max_concurrent_activities = max_concurrent,
            blocking_threads = size,
            "the worker may run {max_concurrent} activities at once but only {size} blocking \
             activities ({}): further blocking activities wait for a free thread, and their \
             start-to-close timeouts keep running meanwhile; raise `blocking_threads` or lower \
             `max_concurrent_activities`",
            blocking.join(", "),
        );
    }
    BlockingPool::new("activity-blocking", size)
}

/// The owner of a blocking pool: dropping it lets the threads finish the queued jobs and exit.
pub(crate) struct BlockingPool {
    handle: PoolHandle,
}

/// A handle that submits jobs to a pool; contexts carry one.
#[derive(Clone)]
pub(crate) struct PoolHandle {
    shared: Arc<Shared>,
}

struct Shared {
    /// Thread names are `{name}-{n}`.
    name: String,
    size: usize,
    state: Mutex<State>,
    work: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    closed: bool,
    spawned: usize,
}

impl BlockingPool {
    /// A pool of at most `size` threads (at least one) named `{name}-{n}`.
    pub(crate) fn new(name: impl Into<String>, size: usize) -> Self {
        Self {
            handle: PoolHandle {
                shared: Arc::new(Shared {
                    name: name.into(),
                    size: size.max(1),
                    state: Mutex::default(),
                    work: Condvar::new(),
                }),
            },
        }
    }

    pub(crate) fn handle(&self) -> PoolHandle {
        self.handle.clone()
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.handle.shared.lock().closed = true;
        self.handle.shared.work.notify_all();
    }
}

impl PoolHandle {
    /// Queues `job`, starting a thread when none is free and the pool is not full.
    fn submit(&self, job: Job) -> Result<(), ActivityError> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(ActivityError::new(
                "the blocking activity was not run: the worker's thread pool has shut down",
            ));
        }
        state.queue.push_back(job);
        if state.queue.len() > state.idle && state.threads < self.shared.size {
            state.threads += 1;
            state.spawned += 1;
            let name = format!("{}-{}", self.shared.name, state.spawned);
            let shared = self.shared.clone();
            // Like tokio's own blocking threads, pool threads are inside the runtime, so
            // `Handle::current()`, `block_on` and spawning work in blocking activities.
            let runtime = tokio::runtime::Handle::try_current().ok();
            let spawned = std::thread::Builder::new().name(name).spawn(move || {
                let _runtime = runtime.as_ref().map(tokio::runtime::Handle::enter);
                shared.serve()
            });
            if let Err(err) = spawned {
                state.threads -= 1;
                tracing::error!(error = %err, "could not start a blocking-pool thread");
            }
        } else {
            self.shared.work.notify_one();
        }
        Ok(())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn serve(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job();
                state = self.lock();
            } else if state.closed {
                state.threads -= 1;
                return;
            } else {
                state.idle += 1;
                state = self.work.wait(state).unwrap_or_else(|e| e.into_inner());
                state.idle -= 1;
            }
        }
    }
}

/// Where an activity's body runs, as generated code asks for it:
/// `Executor::of(&ctx).run_blocking(move || ...)`.
#[doc(hidden)]
pub struct Executor {
    blocking: PoolHandle,
    process: Option<ProcessHandle>,
}

impl Executor {
    /// The executors of the worker (or test environment) running `ctx`'s activity.
    pub fn of(ctx: &ActivityContext) -> Self {
        Self {
            blocking: ctx.blocking_pool().clone(),
            process: ctx.process_pool().cloned(),
        }
    }

    /// Runs a blocking activity body on the worker's blocking pool.
    ///
    /// The body is queued at once; a panic in it resumes in the returned future, where the worker
    /// catches it as for async activities. The activity's span goes along to the pool thread, so
    /// logs there carry the activity's fields too.
    pub fn run_blocking<F>(self, body: F) -> ActivityFuture
    where
        F: FnOnce() -> Result<ActivityOutput, ActivityError> + Send + 'static,
    {
        submit_to(&self.blocking, body)
    }

    /// Runs a process-isolated activity: `entry` in a child process from the worker's pool. In
    /// an `ActivityEnvironment` (no process pool) it runs on the environment's blocking pool.
    pub fn run_in_process(
        self,
        entry: Entry,
        ctx: ActivityContext,
        input: crate::ActivityInput,
    ) -> ActivityFuture {
        match self.process {
            Some(process) => process.run(entry, ctx, input),
            None => submit_to(&self.blocking, move || entry(ctx, input)),
        }
    }
}

/// Queues `body` on `pool`; its result (or panic) comes back in the returned future.
pub(crate) fn submit_to<F>(pool: &PoolHandle, body: F) -> ActivityFuture
where
    F: FnOnce() -> Result<ActivityOutput, ActivityError> + Send + 'static,
{
    let span = tracing::Span::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let submitted = pool.submit(Box::new(move || {
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| span.in_scope(body)));
        let _ = tx.send(result);
    }));
    Box::pin(async move {
        submitted?;
        match rx.await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(ActivityError::new(
                "the blocking activity was not run: its thread pool shut down",
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::mpsc;

    #[test]
    fn runs_size_jobs_at_once_on_named_threads_and_queues_the_rest() {
        let pool = BlockingPool::new("test-pool", 3);
        let handle = pool.handle();
        let barrier = Arc::new(Barrier::new(3));
        let (tx, rx) = mpsc::channel();
        for _ in 0..6 {
            let barrier = barrier.clone();
            let tx = tx.clone();
            handle
                .submit(Box::new(move || {
                    // Three at a time meet here: the pool runs them in parallel.
                    barrier.wait();
                    let name = std::thread::current().name().unwrap().to_owned();
                    tx.send(name).unwrap();
                }))
                .unwrap();
        }
        let mut names: Vec<String> = (0..6).map(|_| rx.recv().unwrap()).collect();
        names.sort();
        names.dedup();
        assert!(names.len() <= 3, "{names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("test-pool-")),
            "{names:?}"
        );
        drop(pool);
        assert!(handle.submit(Box::new(|| {})).is_err());
    }
}
