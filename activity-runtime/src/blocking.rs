//! A bounded pool of named threads for blocking activities, owned by the worker (or an
//! `ActivityEnvironment`, or a process-isolated activity's child), separate from the async threads
//! and from tokio's shared blocking pool.
//!
//! Threads start on demand, up to the pool's size, and then stay for the pool's lifetime. A job
//! that finds every thread busy waits in a FIFO queue. A thread is never killed: a blocking
//! activity that ignores cancellation keeps its thread until the function returns, and its
//! cancellation is reported then.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::context::{BlockingJob, Executors};
use crate::error::ActivityError;
use crate::meter::MetricGauge;

/// The owner of a blocking pool: dropping it lets the threads finish the queued jobs and exit.
pub(crate) struct BlockingPool {
    handle: PoolHandle,
}

/// A handle that submits jobs to a pool.
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
    /// Set to the number of jobs waiting for a thread at each change.
    queue_length: Option<MetricGauge>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<BlockingJob>,
    threads: usize,
    idle: usize,
    closed: bool,
    spawned: usize,
}

impl BlockingPool {
    /// A pool of at most `size` threads (at least one) named `{name}-{n}`.
    pub(crate) fn new(name: impl Into<String>, size: usize) -> Self {
        Self::with_queue_gauge(name, size, None)
    }

    /// Like [`new`](Self::new), setting `queue_length` to the number of jobs waiting for a
    /// thread whenever it changes.
    pub(crate) fn with_queue_gauge(
        name: impl Into<String>,
        size: usize,
        queue_length: Option<MetricGauge>,
    ) -> Self {
        Self {
            handle: PoolHandle {
                shared: Arc::new(Shared {
                    name: name.into(),
                    size: size.max(1),
                    state: Mutex::default(),
                    work: Condvar::new(),
                    queue_length,
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
        self.handle.shared.state.lock().closed = true;
        self.handle.shared.work.notify_all();
    }
}

impl PoolHandle {
    /// Queues `job`, starting a thread when none is free and the pool is not full.
    fn submit(&self, job: BlockingJob) -> Result<(), ActivityError> {
        let mut state = self.shared.state.lock();
        if state.closed {
            return Err(ActivityError::new(
                "the blocking activity was not run: the worker's thread pool has shut down",
            ));
        }
        state.queue.push_back(job);
        self.shared.queue_changed(&state);
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
    fn queue_changed(&self, state: &State) {
        if let Some(gauge) = &self.queue_length {
            gauge.set(state.queue.len() as u64);
        }
    }

    fn serve(&self) {
        let mut state = self.state.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                self.queue_changed(&state);
                drop(state);
                job();
                state = self.state.lock();
            } else if state.closed {
                state.threads -= 1;
                return;
            } else {
                state.idle += 1;
                self.work.wait(&mut state);
                state.idle -= 1;
            }
        }
    }
}

/// A pool alone runs blocking bodies, and process-isolated ones in this process.
impl Executors for PoolHandle {
    fn submit_blocking(&self, job: BlockingJob) -> Result<(), ActivityError> {
        self.submit(job)
    }
}

impl std::fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPool")
            .field("name", &self.handle.shared.name)
            .field("size", &self.handle.shared.size)
            .finish_non_exhaustive()
    }
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
