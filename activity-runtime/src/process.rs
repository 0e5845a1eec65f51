//! Process-isolated activities: `#[activity(isolation = "process")]` runs the function in a child
//! process from a pool the worker owns, so that a crash (`abort()`, a segfault, `panic = "abort"`,
//! the OOM killer) fails only that attempt.
//!
//! The child is this same binary, started again with `ACTIVITY_RUNTIME_CHILD` set; the one line
//! [`init`] at the start of `main` makes it serve activities instead of running `main`. Parent and
//! child talk over a Unix socket: the child's stdout and stderr stay the worker's, so `println!`
//! in an activity is harmless.

use std::io::{self, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prost::Message;
use serde::{Deserialize, Serialize};
use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};

use crate::activity::{ActivityInput, ActivityOutput};
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, CancellationReason, ContextParts,
};
use crate::error::ActivityError;
use crate::executor::BlockingPool;

/// Set in a child's environment to the socket path it connects to.
pub const CHILD_ENV: &str = "ACTIVITY_RUNTIME_CHILD";

/// How long a child has to connect after it is started.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The function a process-isolated activity runs in the child: decode, call, encode.
#[doc(hidden)]
pub type Entry = fn(ActivityContext, ActivityInput) -> Result<ActivityOutput, ActivityError>;

/// Makes this process an activity child when the worker started it as one; otherwise returns at
/// once. Call it first thing in `main` of every binary that serves process-isolated activities:
///
/// ```no_run
/// #[tokio::main]
/// async fn main() {
///     activity_runtime::process::init();
///     // ... build and run the worker
/// }
/// ```
pub fn init() {
    if let Some(socket) = std::env::var_os(CHILD_ENV) {
        let code = match child::serve(std::path::Path::new(&socket)) {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("activity child process: {err}");
                1
            }
        };
        std::process::exit(code);
    }
}

/// Where an entry function lives relative to [`init`]: the same in every process running this
/// binary, whatever address it is loaded at.
fn offset_of(entry: Entry) -> i64 {
    entry as usize as i64 - init as *const () as usize as i64
}

// ---------------------------------------------------------------------------------------------
// Frames: a tag byte, a little-endian u32 length, then the body.

const READY: u8 = 1;
const START: u8 = 2;
const HEARTBEAT: u8 = 3;
const CANCEL: u8 = 4;
const DONE: u8 = 5;

fn write_frame(out: &mut impl Write, tag: u8, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(tag);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(body);
    out.write_all(&frame)?;
    out.flush()
}

fn read_frame(input: &mut impl Read) -> io::Result<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    input.read_exact(&mut head)?;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0; len];
    input.read_exact(&mut body)?;
    Ok((head[0], body))
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("protocol messages encode")
}

fn from_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> io::Result<T> {
    serde_json::from_slice(body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn payloads_bytes(payloads: Vec<Payload>) -> Vec<u8> {
    Payloads { payloads }.encode_to_vec()
}

fn payloads_from(bytes: &[u8]) -> io::Result<Vec<Payload>> {
    Payloads::decode(bytes)
        .map(|p| p.payloads)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// What the child needs to run one attempt.
#[derive(Serialize, Deserialize)]
struct Start {
    entry: i64,
    activity_type: String,
    activity_id: String,
    attempt: u32,
    namespace: String,
    task_queue: String,
    workflow_type: Option<String>,
    workflow_id: Option<String>,
    workflow_run_id: Option<String>,
    activity_run_id: Option<String>,
    task_token: Vec<u8>,
    /// `Payloads` of the arguments, then of the previous heartbeat details.
    input: Vec<u8>,
    heartbeat_details: Vec<u8>,
}

/// How the attempt ended in the child.
#[derive(Serialize, Deserialize)]
enum Done {
    Ok(Vec<u8>),
    Failed {
        message: String,
        error_type: String,
        non_retryable: bool,
    },
    Cancelled,
    Panicked(String),
}

/// Reason and flags of a cancellation.
#[derive(Serialize, Deserialize)]
struct Cancel {
    reason: u8,
    flags: [bool; 6],
}

fn reasons() -> [CancellationReason; 6] {
    use CancellationReason::*;
    [
        CancelRequested,
        TimedOut,
        NotFound,
        WorkerShutdown,
        Paused,
        Reset,
    ]
}

impl Cancel {
    fn from_details(d: CancellationDetails) -> Self {
        Self {
            reason: reasons().iter().position(|r| *r == d.reason).unwrap_or(0) as u8,
            flags: [
                d.cancel_requested,
                d.timed_out,
                d.not_found,
                d.worker_shutdown,
                d.paused,
                d.reset,
            ],
        }
    }

    fn into_details(self) -> CancellationDetails {
        let mut d = CancellationDetails::from_reason(
            reasons()
                .get(usize::from(self.reason))
                .copied()
                .unwrap_or(CancellationReason::CancelRequested),
        );
        let [a, b, c, e, f, g] = self.flags;
        d.cancel_requested |= a;
        d.timed_out |= b;
        d.not_found |= c;
        d.worker_shutdown |= e;
        d.paused |= f;
        d.reset |= g;
        d
    }
}

// ---------------------------------------------------------------------------------------------
// The child side: one reader thread for the life of the process (starts, cancellations, the end
// of the socket), one thread per attempt.

mod child {
    use super::*;

    pub(super) fn serve(socket: &std::path::Path) -> io::Result<()> {
        let stream = UnixStream::connect(socket)?;
        let writer = Arc::new(Mutex::new(stream.try_clone()?));
        let mut reader = stream;
        write_frame(&mut *lock(&writer), READY, &json(&std::process::id()))?;
        let pool = BlockingPool::new("activity-child-blocking", 1);
        let current: Arc<Mutex<Option<ActivityContext>>> = Arc::default();
        loop {
            // The worker closed the socket or went away: this process must not outlive it.
            let Ok((tag, body)) = read_frame(&mut reader) else {
                return Ok(());
            };
            match tag {
                START => {
                    let start: Start = from_json(&body)?;
                    let (ctx, entry, input) = prepare(start, &writer, &pool)?;
                    *lock(&current) = Some(ctx.clone());
                    let writer = writer.clone();
                    let current = current.clone();
                    std::thread::Builder::new()
                        .name("activity".to_owned())
                        .spawn(move || {
                            let done = run(entry, ctx, input);
                            *lock(&current) = None;
                            if write_frame(&mut *lock(&writer), DONE, &json(&done)).is_err() {
                                std::process::exit(1);
                            }
                        })?;
                }
                CANCEL => {
                    if let (Some(ctx), Ok(cancel)) =
                        (lock(&current).as_ref(), from_json::<Cancel>(&body))
                    {
                        ctx.cancel(cancel.into_details());
                    }
                }
                _ => {}
            }
        }
    }

    fn prepare(
        start: Start,
        writer: &Arc<Mutex<UnixStream>>,
        pool: &BlockingPool,
    ) -> io::Result<(ActivityContext, Entry, ActivityInput)> {
        let sink_writer = writer.clone();
        let info = ActivityInfo {
            activity_id: start.activity_id,
            activity_type: start.activity_type.clone(),
            attempt: start.attempt,
            namespace: start.namespace,
            task_queue: start.task_queue,
            workflow_type: start.workflow_type,
            workflow_id: start.workflow_id,
            workflow_run_id: start.workflow_run_id,
            activity_run_id: start.activity_run_id,
            task_token: start.task_token,
            ..ActivityInfo::default()
        };
        let ctx = ActivityContext::new(ContextParts {
            info,
            heartbeat_details: payloads_from(&start.heartbeat_details)?,
            headers: Default::default(),
            heartbeat_sink: Arc::new(move |details| {
                // A lost worker shows up as the end of the socket on the reading side.
                let _ = write_frame(
                    &mut *lock(&sink_writer),
                    HEARTBEAT,
                    &payloads_bytes(details),
                );
                Ok(())
            }),
            worker_shutdown: tokio_util::sync::CancellationToken::new(),
            client: None,
            blocking_pool: pool.handle(),
            process_pool: None,
        });
        let input = ActivityInput::new(start.activity_type, payloads_from(&start.input)?);
        // SAFETY: the worker computed `entry` with `offset_of` in a process running this same
        // executable (it started this child from `current_exe`), so `init + entry` is the
        // address of that same `Entry` function here.
        let address = (init as *const () as usize as i64 + start.entry) as usize;
        let entry = unsafe { std::mem::transmute::<usize, Entry>(address) };
        Ok((ctx, entry, input))
    }

    fn run(entry: Entry, ctx: ActivityContext, input: ActivityInput) -> Done {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(ctx, input))) {
            Ok(Ok(output)) => Done::Ok(output.payload.encode_to_vec()),
            Ok(Err(err)) if err.is_cancelled() => Done::Cancelled,
            Ok(Err(err)) => Done::Failed {
                message: err.message().to_owned(),
                error_type: err.error_type().to_owned(),
                non_retryable: err.is_non_retryable(),
            },
            Err(panic) => Done::Panicked(panic_message(panic.as_ref())),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// The worker side.

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
    threads: crate::executor::PoolHandle,
}

struct Shared {
    /// Children waiting for an attempt.
    idle: Mutex<Vec<Proc>>,
    /// From a cancellation to the kill of a child that goes on.
    grace: Duration,
    closed: std::sync::atomic::AtomicBool,
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
        for proc in lock(&self.handle.shared.idle).drain(..) {
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
        let mut child = lock(&self.child);
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
        entry: Entry,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> crate::activity::ActivityFuture {
        let shared = self.shared.clone();
        crate::executor::submit_to(&self.threads, move || shared.attempt(entry, &ctx, input))
    }
}

impl Shared {
    fn attempt(
        &self,
        entry: Entry,
        ctx: &ActivityContext,
        input: ActivityInput,
    ) -> Result<ActivityOutput, ActivityError> {
        let activity_type = ctx.info().activity_type.clone();
        let popped = lock(&self.idle).pop();
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
        let finished = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
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
                        if *lock(&finished.0) {
                            return;
                        }
                    }
                    if let (Ok(stream), Some(details)) = (&mut stream, ctx.cancellation_details()) {
                        let _ = write_frame(stream, CANCEL, &json(&Cancel::from_details(details)));
                    }
                    let done = lock(&finished.0);
                    let (done, _) = finished
                        .1
                        .wait_timeout_while(done, grace, |done| !*done)
                        .unwrap_or_else(|e| e.into_inner());
                    if !*done {
                        killed.store(true, Ordering::SeqCst);
                        let _ = lock(&child).kill();
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
        *lock(&finished.0) = true;
        finished.1.notify_all();
        if let Ok(watcher) = watcher {
            let _ = watcher.join();
        }

        match outcome {
            Ok(done) => {
                if self.closed.load(Ordering::SeqCst) {
                    proc.kill_and_reap();
                } else {
                    lock(&self.idle).push(proc);
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
                    Done::Panicked(message) => Err(ActivityError::new(format!(
                        "activity `{activity_type}` panicked: {message}"
                    ))
                    .with_type("Panic")),
                }
            }
            Err(_) => {
                // The child is gone (or unusable): reap it and say how it ended.
                let pid = proc.pid;
                let status = {
                    let mut child = lock(&proc.child);
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
