//! The worker's side: a pool of warm children, each attempt driven by a thread of its own that
//! relays heartbeats and cancellation and reports how the child ended.

use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use prost::Message;
use temporalio_common::protos::temporal::api::common::v1::Payload;

use super::protocol::{
    CANCEL, DONE, Done, HEARTBEAT, READY, START, Start, from_json, json, payloads_bytes,
    payloads_from, read_frame, write_frame,
};
use super::{CHILD_ENV, offset_of};
use crate::attempt::{ActivityFuture, ActivityInput, ActivityOutput};
use crate::blocking::{BlockingPool, PoolHandle};
use crate::context::{ActivityContext, ProcessEntry, run_blocking};
use crate::error::ActivityError;

/// How long a child has to connect after it is started.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The worker's pool of child processes: at most `size` run attempts at once, each driven by a
/// thread of its own. Dropping it kills the idle children.
pub(crate) struct ProcessPool {
    handle: ProcessHandle,
    /// Drives the children: one attempt per thread.
    _threads: BlockingPool,
}

/// Submits attempts to a [`ProcessPool`]; contexts carry one.
#[derive(Clone)]
pub(crate) struct ProcessHandle {
    shared: Arc<Shared>,
    threads: PoolHandle,
}

struct Shared {
    /// Children waiting for an attempt.
    idle: Mutex<Vec<Proc>>,
    /// From a cancellation to the kill of a child that goes on.
    grace: Duration,
    closed: AtomicBool,
}

/// One child process and its socket.
struct Proc {
    child: Arc<Mutex<Child>>,
    stream: UnixStream,
    pid: u32,
}

static NEXT_SOCKET: AtomicU64 = AtomicU64::new(0);

impl ProcessPool {
    pub(crate) fn new(size: usize, grace: Duration) -> Self {
        let threads = BlockingPool::new("activity-process", size);
        Self {
            handle: ProcessHandle {
                shared: Arc::new(Shared {
                    idle: Mutex::default(),
                    grace,
                    closed: Default::default(),
                }),
                threads: threads.handle(),
            },
            _threads: threads,
        }
    }

    pub(crate) fn handle(&self) -> ProcessHandle {
        self.handle.clone()
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.handle.shared.closed.store(true, Ordering::SeqCst);
        for proc in self.handle.shared.idle.lock().drain(..) {
            proc.kill_and_reap();
        }
    }
}

impl Proc {
    fn spawn() -> io::Result<Self> {
        let exe = std::env::current_exe()?;
        let path = std::env::temp_dir().join(format!(
            "activity-runtime-{}-{}.sock",
            std::process::id(),
            NEXT_SOCKET.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let child = Command::new(exe)
            .env(CHILD_ENV, &path)
            .stdin(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                return Err(err);
            }
        };
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let accepted = loop {
            match listener.accept() {
                Ok((stream, _)) => break Ok(stream),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => break Err(err),
            }
            if let Ok(Some(status)) = child.try_wait() {
                break Err(io::Error::other(format!(
                    "the child process exited at start ({})",
                    describe_status(status)
                )));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break Err(io::Error::other(
                    "the child process did not connect within 10 s: does `main` call \
                     `activity_runtime::process::init()` first?",
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let _ = std::fs::remove_file(&path);
        let mut stream = accepted?;
        stream.set_nonblocking(false)?;
        let (tag, _) = read_frame(&mut stream)?;
        if tag != READY {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other(
                "the child process did not say it was ready",
            ));
        }
        let pid = child.id();
        Ok(Self {
            child: Arc::new(Mutex::new(child)),
            stream,
            pid,
        })
    }

    fn kill_and_reap(self) {
        drop(self.stream);
        let mut child = self.child.lock();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// `exit status 3`, `killed by signal 6 (SIGABRT)`.
fn describe_status(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            1 => "SIGHUP",
            2 => "SIGINT",
            4 => "SIGILL",
            6 => "SIGABRT",
            7 => "SIGBUS",
            8 => "SIGFPE",
            9 => "SIGKILL",
            11 => "SIGSEGV",
            13 => "SIGPIPE",
            15 => "SIGTERM",
            _ => "",
        };
        let core = if status.core_dumped() {
            ", core dumped"
        } else {
            ""
        };
        if name.is_empty() {
            format!("killed by signal {signal}{core}")
        } else {
            format!("killed by signal {signal} ({name}){core}")
        }
    } else {
        match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "ended".to_owned(),
        }
    }
}

impl ProcessHandle {
    /// Runs one attempt of `entry` in a child, on one of the pool's driving threads.
    pub(crate) fn run(
        &self,
        entry: ProcessEntry,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> ActivityFuture {
        let shared = self.shared.clone();
        run_blocking(&self.threads, move || shared.attempt(entry, &ctx, input))
    }
}

impl Shared {
    fn attempt(
        &self,
        entry: ProcessEntry,
        ctx: &ActivityContext,
        input: ActivityInput,
    ) -> Result<ActivityOutput, ActivityError> {
        let activity_type = ctx.info().activity_type.clone();
        let popped = self.idle.lock().pop();
        let mut proc = match popped {
            Some(proc) => proc,
            None => Proc::spawn().map_err(|err| {
                ActivityError::new(format!(
                    "activity `{activity_type}` could not start its child process: {err}"
                ))
                .with_type("ProcessError")
            })?,
        };
        let info = ctx.info();
        let start = Start {
            entry: offset_of(entry),
            activity_type: info.activity_type.clone(),
            activity_id: info.activity_id.clone(),
            attempt: info.attempt,
            namespace: info.namespace.clone(),
            task_queue: info.task_queue.clone(),
            workflow_type: info.workflow_type.clone(),
            workflow_id: info.workflow_id.clone(),
            workflow_run_id: info.workflow_run_id.clone(),
            activity_run_id: info.activity_run_id.clone(),
            task_token: info.task_token.clone(),
            input: payloads_bytes(input.into_payloads()),
            heartbeat_details: payloads_bytes(ctx.previous_heartbeat_details().to_vec()),
        };
        let sent = write_frame(&mut proc.stream, START, &json(&start));

        // Tells the child of a cancellation, then kills it after the grace period.
        let finished = Arc::new((Mutex::new(false), Condvar::new()));
        let killed = Arc::new(AtomicBool::new(false));
        let watcher = {
            let ctx = ctx.clone();
            let finished = finished.clone();
            let killed = killed.clone();
            let child = proc.child.clone();
            let mut stream = proc.stream.try_clone();
            let grace = self.grace;
            std::thread::Builder::new()
                .name("activity-process-watch".to_owned())
                .spawn(move || {
                    loop {
                        if ctx.wait_cancelled_timeout(Duration::from_millis(100)) {
                            break;
                        }
                        if *finished.0.lock() {
                            return;
                        }
                    }
                    if let (Ok(stream), Some(details)) = (&mut stream, ctx.cancellation_details()) {
                        let _ = write_frame(stream, CANCEL, &json(&details));
                    }
                    let mut done = finished.0.lock();
                    finished.1.wait_while_for(&mut done, |done| !*done, grace);
                    if !*done {
                        killed.store(true, Ordering::SeqCst);
                        let _ = child.lock().kill();
                    }
                })
        };

        let outcome = sent.and_then(|()| loop {
            let (tag, body) = read_frame(&mut proc.stream)?;
            match tag {
                HEARTBEAT => {
                    if let Err(err) = ctx.heartbeat_payloads(payloads_from(&body)?) {
                        tracing::warn!(error = %err, "heartbeat from the child process refused");
                    }
                }
                DONE => break from_json::<Done>(&body),
                _ => {}
            }
        });
        *finished.0.lock() = true;
        finished.1.notify_all();
        if let Ok(watcher) = watcher {
            let _ = watcher.join();
        }

        match outcome {
            Ok(done) => {
                if self.closed.load(Ordering::SeqCst) {
                    proc.kill_and_reap();
                } else {
                    self.idle.lock().push(proc);
                }
                match done {
                    Done::Ok(bytes) => Payload::decode(bytes.as_slice())
                        .map(|payload| ActivityOutput { payload })
                        .map_err(|e| ActivityError::new(format!("bad result from the child: {e}"))),
                    Done::Failed {
                        message,
                        error_type,
                        non_retryable,
                    } => {
                        let err = ActivityError::new(message).with_type(error_type);
                        Err(if non_retryable {
                            err.non_retryable()
                        } else {
                            err
                        })
                    }
                    Done::Cancelled => Err(ActivityError::cancelled()),
                    Done::Panicked(message) => {
                        Err(ActivityError::panicked(&activity_type, &message))
                    }
                }
            }
            Err(_) => {
                // The child is gone (or unusable): reap it and say how it ended.
                let pid = proc.pid;
                let status = {
                    let mut child = proc.child.lock();
                    let _ = child.kill();
                    child.wait()
                };
                if killed.load(Ordering::SeqCst) && ctx.is_cancelled() {
                    return Err(ActivityError::cancelled());
                }
                let how = status.map_or_else(|e| format!("unknown status: {e}"), describe_status);
                Err(ActivityError::new(format!(
                    "activity `{activity_type}` ended with its child process (pid {pid}): {how}"
                ))
                .with_type("ProcessExited"))
            }
        }
    }
}

/// The worker's pools run process-isolated activities in children, blocking ones on threads.
impl std::fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessPool").finish_non_exhaustive()
    }
}
