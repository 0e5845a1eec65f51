//! The worker's side: a pool of warm children, each attempt driven by a thread that relays the
//! child's heartbeats and result, while the attempt's future relays cancellation and, after the
//! grace period, kills a child that goes on. When a child dies, the failure says how: the limit
//! it went over ([`RESOURCE_LIMIT`]), or its exit status or signal, the OOM killer where the
//! cgroup counted a kill, and its last lines on stderr.
//!
//! Children differ in what they were started with: their lifelong limits and their environment
//! ([`ChildProfile`]). An attempt takes an idle child of its activity's profile, or starts one.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{self, BufRead as _, Write as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use prost::Message;
use temporalio_common::protos::temporal::api::common::v1::{Header, Payload};
use temporalio_common::protos::temporal::api::failure::v1::Failure;

use super::CHILD_ENV;
use super::Executable;
use super::entry::offset_of;
use super::limits::{CPU_GRACE, cpu_total_of_dead};
use super::protocol::{
    CANCEL, DONE, Done, Finished, HEARTBEAT, METRIC, READY, Ready, SETUP, START, Setup, Start,
    Usage, from_json, json, payloads_bytes, payloads_from, read_frame, write_frame,
};
use crate::attempt::{ActivityFuture, ActivityInput, ActivityOutput};
use crate::blocking::{BlockingPool, PoolHandle};
use crate::context::{ActivityContext, ProcessEntry, run_blocking};
use crate::error::ActivityError;
use crate::limits::{
    DEFAULT_INHERITED_ENV, ProcessLimits, RESOURCE_LIMIT, ResolvedLimits, env_matches, human,
    human_bytes, human_duration,
};

/// How long a child has to connect after it is started.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many of a child's last stderr lines a failure quotes.
const STDERR_LINES: usize = 5;

/// How the worker runs its children.
#[derive(Clone)]
pub(crate) struct ProcessOptions {
    /// How many attempts run at once.
    pub(crate) size: usize,
    /// From a cancellation to the kill of a child that goes on.
    pub(crate) grace: Duration,
    /// A command the child is started through (`prlimit --as=…`, `nice`, `systemd-run …`), the
    /// executable's path appended; empty to start it directly.
    pub(crate) wrapper: Vec<OsString>,
    /// The limits of activities that set none of their own (the builder's `process_limits`).
    pub(crate) defaults: ProcessLimits,
    /// Told of children started, of what each attempt used and of limits hit (the worker's
    /// metrics).
    pub(crate) observer: Arc<dyn ChildObserver>,
}

/// What the pool tells the worker, which counts and records it.
pub(crate) trait ChildObserver: Send + Sync {
    /// A child was started for an attempt of `activity_type`.
    fn child_started(&self, activity_type: &str);
    /// An attempt of `activity_type` used `usage`.
    fn attempt_measured(&self, activity_type: &str, usage: &ChildUsage);
    /// An attempt of `activity_type` failed for its `limit` (`memory_limit`, `cpu_time`).
    fn limit_exceeded(&self, activity_type: &str, limit: &'static str);
}

/// What a child used during one attempt.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChildUsage {
    /// CPU time, user and system, all threads.
    pub(crate) cpu_time: Duration,
    /// Peak resident memory in bytes, when known (not for a child that died).
    pub(crate) peak_memory: Option<u64>,
}

impl std::fmt::Debug for ProcessOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessOptions")
            .field("size", &self.size)
            .field("grace", &self.grace)
            .field("wrapper", &self.wrapper)
            .field("defaults", &self.defaults)
            .finish_non_exhaustive()
    }
}

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
    options: ProcessOptions,
    closed: AtomicBool,
}

/// What a child is started with, which no attempt can change: its lifelong limits and the
/// environment variables it inherits (its activity's and the worker's names).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ChildProfile {
    setup: Setup,
    inherit_env: Vec<&'static str>,
}

impl ChildProfile {
    fn of(limits: &ResolvedLimits) -> Self {
        Self {
            setup: Setup {
                memory_limit: limits.memory_limit.map(|(bytes, _)| bytes),
                open_files: limits.open_files.map(|(files, _)| files),
            },
            inherit_env: limits.inherit_env.clone(),
        }
    }

    /// The worker's variables this child inherits: [`DEFAULT_INHERITED_ENV`] and its own names.
    fn environment(&self) -> Vec<(OsString, OsString)> {
        std::env::vars_os()
            .filter(|(name, _)| {
                name.to_str().is_some_and(|name| {
                    DEFAULT_INHERITED_ENV
                        .iter()
                        .chain(&self.inherit_env)
                        .any(|pattern| env_matches(pattern, name))
                })
            })
            .collect()
    }
}

/// One child process, its socket and the tail of its stderr.
struct Proc {
    child: Arc<Mutex<Child>>,
    stream: UnixStream,
    pid: u32,
    stderr: StderrTail,
    profile: ChildProfile,
    /// The CPU time it had used when its last attempt ended (or when it was ready): what a dead
    /// child used in its last attempt is its total less this.
    cpu_total: Duration,
    /// The cgroup's OOM kills when the child started: more at its death by SIGKILL name the OOM
    /// killer (read once per child, not per attempt).
    oom_kills_at_start: Option<u64>,
}

static NEXT_SOCKET: AtomicU64 = AtomicU64::new(0);

impl ProcessPool {
    pub(crate) fn new(options: ProcessOptions) -> Self {
        let threads = BlockingPool::new("activity-process", options.size);
        Self {
            handle: ProcessHandle {
                shared: Arc::new(Shared {
                    idle: Mutex::default(),
                    options,
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

/// The executable the worker runs, read once.
fn worker_executable() -> Option<Executable> {
    static EXECUTABLE: OnceLock<Option<Executable>> = OnceLock::new();
    *EXECUTABLE.get_or_init(|| Executable::current().ok())
}

impl Proc {
    fn spawn(wrapper: &[OsString], profile: &ChildProfile) -> io::Result<Self> {
        // The file this process runs, even if its path was replaced since it started.
        let exe = if cfg!(target_os = "linux") {
            format!("/proc/{}/exe", std::process::id()).into()
        } else {
            std::env::current_exe()?
        };
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&exe);
                command
            }
            None => Command::new(&exe),
        };
        let path = std::env::temp_dir().join(format!(
            "activity-runtime-{}-{}.sock",
            std::process::id(),
            NEXT_SOCKET.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let child = command
            .env_clear()
            .envs(profile.environment())
            .env(CHILD_ENV, &path)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                return Err(err);
            }
        };
        let stderr = StderrTail::forward(child.stderr.take());
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let accepted = loop {
            match listener.accept() {
                Ok((stream, _)) => break Ok(stream),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => break Err(err),
            }
            if let Ok(Some(status)) = child.try_wait() {
                break Err(io::Error::other(format!(
                    "the child process exited at start ({}){}",
                    describe_status(status),
                    stderr.quote()
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
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = std::fs::remove_file(&path);
        let refuse = |child: &mut Child, why: String| {
            let _ = child.kill();
            let _ = child.wait();
            io::Error::other(why)
        };
        let mut stream = accepted?;
        stream.set_nonblocking(false)?;
        let ready = match read_frame(&mut stream) {
            Ok((READY, body)) => from_json::<Ready>(&body)?,
            _ => {
                return Err(refuse(
                    &mut child,
                    "the child process did not say it was ready".to_owned(),
                ));
            }
        };
        if let (Some(theirs), Some(ours)) = (ready.executable, worker_executable())
            && theirs != ours
        {
            return Err(refuse(
                &mut child,
                format!(
                    "the child process (pid {}) runs another executable ({theirs}) than the worker \
                     ({ours}); a process-isolated activity runs only in a child of the worker's \
                     own binary (is the process wrapper starting something else?)",
                    ready.pid
                ),
            ));
        }
        if profile.setup != Setup::default() {
            write_frame(&mut stream, SETUP, &json(&profile.setup))?;
        }
        let pid = child.id();
        Ok(Self {
            child: Arc::new(Mutex::new(child)),
            stream,
            pid,
            stderr,
            profile: profile.clone(),
            cpu_total: ready.cpu_total,
            oom_kills_at_start: oom_kills(),
        })
    }

    fn kill_and_reap(self) {
        drop(self.stream);
        let mut child = self.child.lock();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Copies a child's stderr to the worker's, keeping the last lines, and Rust's allocation-failure
/// message, which a backtrace (`RUST_BACKTRACE=1`) would push out of them.
#[derive(Clone)]
struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    allocation_failure: Arc<Mutex<Option<String>>>,
    /// Disconnected once the child's stderr is closed and every line is in.
    closed: Arc<Mutex<mpsc::Receiver<()>>>,
}

impl StderrTail {
    fn forward(stderr: Option<std::process::ChildStderr>) -> Self {
        let lines = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_LINES)));
        let allocation_failure = Arc::new(Mutex::new(None));
        let (done, closed) = mpsc::channel::<()>();
        if let Some(stderr) = stderr {
            let lines = lines.clone();
            let allocation_failure = allocation_failure.clone();
            let _ = std::thread::Builder::new()
                .name("activity-process-stderr".to_owned())
                .spawn(move || {
                    let _done = done;
                    let mut reader = io::BufReader::new(stderr);
                    let mut line = Vec::new();
                    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                        let _ = io::stderr().write_all(&line);
                        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                        if text.starts_with("memory allocation of") {
                            allocation_failure
                                .lock()
                                .get_or_insert_with(|| text.clone());
                        }
                        let mut lines = lines.lock();
                        if lines.len() == STDERR_LINES {
                            lines.pop_front();
                        }
                        lines.push_back(text);
                        line.clear();
                    }
                });
        }
        Self {
            lines,
            allocation_failure,
            closed: Arc::new(Mutex::new(closed)),
        }
    }

    /// `; its last lines on stderr: …`, once the child's stderr is closed (or after a moment, if
    /// something it started keeps it open); empty when it wrote nothing.
    fn quote(&self) -> String {
        let _ = self.closed.lock().recv_timeout(Duration::from_millis(500));
        let lines = self.lines.lock();
        if lines.is_empty() {
            return String::new();
        }
        let quoted: Vec<&str> = lines.iter().map(String::as_str).collect();
        format!("; its last lines on stderr: {}", quoted.join(" | "))
    }

    /// Rust's allocation-failure message, if the child wrote one.
    fn allocation_failure(&self) -> Option<String> {
        self.allocation_failure.lock().clone()
    }

    /// The size of the allocation that failed, from Rust's message ("memory allocation of 1024
    /// bytes failed").
    fn failed_allocation(&self) -> Option<u64> {
        self.allocation_failure()?
            .strip_prefix("memory allocation of ")?
            .split(' ')
            .next()?
            .parse()
            .ok()
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

/// The OOM kills counted in this process's cgroup (cgroup v2 `memory.events`), where readable.
fn oom_kills() -> Option<u64> {
    // The cgroup of a process does not change under it: found once.
    static EVENTS: OnceLock<Option<String>> = OnceLock::new();
    let path = EVENTS.get_or_init(|| {
        let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let path = cgroup.lines().find_map(|line| line.strip_prefix("0::"))?;
        Some(format!("/sys/fs/cgroup{path}/memory.events"))
    });
    let events = std::fs::read_to_string(path.as_ref()?).ok()?;
    events
        .lines()
        .find_map(|line| line.strip_prefix("oom_kill "))
        .and_then(|n| n.trim().parse().ok())
}

impl ProcessHandle {
    /// Runs one attempt of `entry` in a child. The attempt's I/O runs on one of the pool's
    /// threads; the returned future also relays the activity's cancellation to the child and
    /// kills it when it goes on past the grace period.
    pub(crate) fn run(
        &self,
        entry: ProcessEntry,
        limits: &ProcessLimits,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> ActivityFuture {
        let shared = self.shared.clone();
        let control = Arc::new(AttemptControl::default());
        let limits = limits.or(&self.shared.options.defaults);
        let mut attempt = {
            let ctx = ctx.clone();
            let control = control.clone();
            run_blocking(&self.threads, move || {
                shared.attempt(entry, &limits, &ctx, input, &control)
            })
        };
        let grace = self.shared.options.grace;
        Box::pin(async move {
            tokio::select! {
                biased;
                result = &mut attempt => return result,
                () = ctx.cancelled() => {}
            }
            control.relay_cancel(&ctx);
            tokio::select! {
                biased;
                result = &mut attempt => return result,
                () = tokio::time::sleep(grace) => control.kill_unless_finished(),
            }
            attempt.await
        })
    }
}

/// What an attempt's future and its driving thread share about the child serving it.
#[derive(Default)]
struct AttemptControl {
    state: Mutex<ControlState>,
}

#[derive(Default)]
struct ControlState {
    /// The child and a handle on its socket, once it has the attempt.
    child: Option<(Arc<Mutex<Child>>, UnixStream)>,
    cancel_sent: bool,
    kill_requested: bool,
    killed: bool,
    finished: bool,
}

impl AttemptControl {
    /// The child has the attempt: it learns of a cancellation that came before, and is killed at
    /// once if the grace period is already over.
    fn attach(&self, proc: &Proc, ctx: &ActivityContext) {
        let mut state = self.state.lock();
        state.child = proc
            .stream
            .try_clone()
            .ok()
            .map(|stream| (proc.child.clone(), stream));
        if ctx.is_cancelled() {
            Self::send_cancel(&mut state, ctx);
        }
        if state.kill_requested {
            Self::kill(&mut state);
        }
    }

    fn relay_cancel(&self, ctx: &ActivityContext) {
        Self::send_cancel(&mut self.state.lock(), ctx);
    }

    fn send_cancel(state: &mut ControlState, ctx: &ActivityContext) {
        if state.cancel_sent || state.finished {
            return;
        }
        if let (Some((_, stream)), Some(details)) = (&mut state.child, ctx.cancellation_details()) {
            state.cancel_sent = true;
            let _ = write_frame(stream, CANCEL, &json(&details));
        }
    }

    fn kill_unless_finished(&self) {
        let mut state = self.state.lock();
        state.kill_requested = true;
        Self::kill(&mut state);
    }

    fn kill(state: &mut ControlState) {
        if state.finished {
            return;
        }
        if let Some((child, _)) = &state.child {
            state.killed = true;
            let _ = child.lock().kill();
        }
    }

    /// The attempt is over: nothing is sent to or done to the child from now on. Says whether it
    /// was killed.
    fn finish(&self) -> bool {
        let mut state = self.state.lock();
        state.finished = true;
        state.child = None;
        state.killed
    }
}

impl Shared {
    fn attempt(
        &self,
        entry: ProcessEntry,
        limits: &ResolvedLimits,
        ctx: &ActivityContext,
        input: ActivityInput,
        control: &AttemptControl,
    ) -> Result<ActivityOutput, ActivityError> {
        let info = ctx.info();
        let activity_type = info.activity_type.as_str();
        let profile = ChildProfile::of(limits);
        let popped = {
            let mut idle = self.idle.lock();
            let found = idle.iter().rposition(|proc| proc.profile == profile);
            found.map(|index| idle.remove(index))
        };
        let mut proc = match popped {
            Some(proc) => proc,
            None => {
                let proc = Proc::spawn(&self.options.wrapper, &profile).map_err(|err| {
                    ActivityError::new(format!(
                        "activity `{activity_type}` could not start its child process: {err}"
                    ))
                    .with_type("ProcessError")
                })?;
                self.options.observer.child_started(activity_type);
                proc
            }
        };
        let start = Start {
            entry: offset_of(entry),
            info: info.clone(),
            headers: Header {
                fields: ctx.headers().clone(),
            }
            .encode_to_vec(),
            input: payloads_bytes(input.into_payloads()),
            heartbeat_details: payloads_bytes(ctx.previous_heartbeat_details().to_vec()),
            cpu_time: limits.cpu_time.map(|(time, _)| time),
        };
        let sent = write_frame(&mut proc.stream, START, &json(&start));
        control.attach(&proc, ctx);
        let outcome = sent.and_then(|()| {
            loop {
                let (tag, body) = read_frame(&mut proc.stream)?;
                match tag {
                    HEARTBEAT => {
                        if let Err(err) = ctx.heartbeat_payloads(payloads_from(&body)?) {
                            tracing::warn!(error = %err, "heartbeat from the child process refused");
                        }
                    }
                    METRIC => ctx.metric_meter().replay(from_json(&body)?),
                    DONE => break from_json::<Finished>(&body),
                    _ => {}
                }
            }
        });
        let killed = control.finish();

        let Finished { done, usage } = match outcome {
            Ok(finished) if !killed => finished,
            _ => return Err(self.died(proc, limits, ctx, killed)),
        };
        proc.cpu_total = usage.cpu_total;
        self.measured(activity_type, &usage);
        if self.closed.load(Ordering::SeqCst) {
            proc.kill_and_reap();
        } else {
            let mut idle = self.idle.lock();
            // At most one idle child per attempt that may run at once: the oldest goes first.
            let evicted = (idle.len() >= self.options.size).then(|| idle.remove(0));
            idle.push(proc);
            drop(idle);
            if let Some(evicted) = evicted {
                evicted.kill_and_reap();
            }
        }
        let invalid = |what: &str, err: prost::DecodeError| {
            ActivityError::new(format!(
                "activity `{activity_type}`: the child process sent an invalid {what}: {err}"
            ))
            .with_type("ProcessError")
        };
        match done {
            Done::Ok(bytes) => Payload::decode(bytes.as_slice())
                .map(|payload| ActivityOutput { payload })
                .map_err(|e| invalid("result", e)),
            Done::Failed(bytes) => Err(Failure::decode(bytes.as_slice())
                .map_or_else(|e| invalid("failure", e), ActivityError::from_failure)),
            Done::Cancelled(bytes) => Err(payloads_from(&bytes).map_or_else(
                |e| ActivityError::new(format!("activity `{activity_type}`: {e}")),
                ActivityError::cancelled_with,
            )),
            Done::CompleteAsync => Err(ActivityError::complete_async()),
            Done::Panicked(message) => Err(ActivityError::panicked(activity_type, &message)),
        }
    }

    /// What an attempt used: in its span, and to the observer.
    fn measured(&self, activity_type: &str, usage: &Usage) {
        let span = tracing::Span::current();
        span.record("child_cpu_time_ms", usage.cpu_time.as_millis() as u64);
        if let Some(bytes) = usage.peak_memory {
            span.record("child_peak_memory_bytes", bytes);
        }
        self.options.observer.attempt_measured(
            activity_type,
            &ChildUsage {
                cpu_time: usage.cpu_time,
                peak_memory: usage.peak_memory,
            },
        );
    }

    /// The child is gone (or unusable): reap it and say how it ended, naming the limit it went
    /// over if it did.
    fn died(
        &self,
        proc: Proc,
        limits: &ResolvedLimits,
        ctx: &ActivityContext,
        killed: bool,
    ) -> ActivityError {
        let pid = proc.pid;
        let (status, cpu_total) = {
            let mut child = proc.child.lock();
            let _ = child.kill();
            let cpu_total = cpu_total_of_dead(pid);
            (child.wait(), cpu_total)
        };
        if killed && ctx.is_cancelled() {
            return ActivityError::cancelled();
        }
        let activity_type = &ctx.info().activity_type;
        let cpu_time = cpu_total.map(|total| total.saturating_sub(proc.cpu_total));
        if let Some(cpu_time) = cpu_time {
            self.measured(
                activity_type,
                &Usage {
                    cpu_time,
                    ..Usage::default()
                },
            );
        }
        let signal = status.as_ref().ok().and_then(|s| s.signal());
        if let Some(err) = self.over_limit(&proc, limits, activity_type, signal, cpu_time) {
            return err;
        }
        let sigkill = signal == Some(9);
        let oom_killed = sigkill
            && matches!((proc.oom_kills_at_start, oom_kills()), (Some(a), Some(b)) if b > a);
        let how = status.map_or_else(|e| format!("unknown status: {e}"), describe_status);
        // First: it waits for the child's last lines.
        let quoted = proc.stderr.quote();
        let cause = if oom_killed {
            " (the kernel's OOM killer: this cgroup ran out of memory)".to_owned()
        } else if let Some(line) = proc.stderr.allocation_failure() {
            format!(" (it ran out of memory: {line})")
        } else {
            String::new()
        };
        ActivityError::new(format!(
            "activity `{activity_type}` ended with its child process (pid {pid}): \
             {how}{cause}{quoted}"
        ))
        .with_type("ProcessExited")
    }

    /// The failure of a child that died by its limit: memory when an allocation failed under a
    /// memory limit, CPU time when the CPU timers' signals ended it.
    fn over_limit(
        &self,
        proc: &Proc,
        limits: &ResolvedLimits,
        activity_type: &str,
        signal: Option<i32>,
        cpu_time: Option<Duration>,
    ) -> Option<ActivityError> {
        const SIGKILL: i32 = 9;
        const SIGXCPU: i32 = 24;
        let pid = proc.pid;
        let (limit, message, details) = if let (Some((bytes, origin)), Some(requested)) =
            (limits.memory_limit, proc.stderr.failed_allocation())
        {
            let value = human_bytes(bytes);
            (
                "memory_limit",
                format!(
                    "activity `{activity_type}` exceeded memory_limit of {value} ({origin}): \
                     an allocation of {} failed in its child process (pid {pid}), which ended",
                    human(usize::try_from(requested).unwrap_or(usize::MAX))
                ),
                serde_json::json!({
                    "limit": "memory_limit",
                    "value": value,
                    "set_by": origin.name(),
                    "limit_bytes": bytes,
                    "requested_bytes": requested,
                }),
            )
        } else if let Some((limit, origin)) = limits.cpu_time
            && (signal == Some(SIGXCPU)
                || signal == Some(SIGKILL) && cpu_time.is_some_and(|used| used >= limit))
        {
            let value = human_duration(limit);
            let used = cpu_time.map_or_else(String::new, |used| {
                format!(" after {:.2} s of CPU", used.as_secs_f64())
            });
            let how = if signal == Some(SIGXCPU) {
                "SIGXCPU"
            } else {
                "SIGKILL, having outlived SIGXCPU by its grace"
            };
            (
                "cpu_time",
                format!(
                    "activity `{activity_type}` used its cpu_time of {value} ({origin}): its \
                     child process (pid {pid}) was stopped{used} ({how})"
                ),
                serde_json::json!({
                    "limit": "cpu_time",
                    "value": value,
                    "set_by": origin.name(),
                    "limit_ms": limit.as_millis() as u64,
                    "used_ms": cpu_time.map(|used| used.as_millis() as u64),
                    "grace_ms": CPU_GRACE.as_millis() as u64,
                }),
            )
        } else {
            return None;
        };
        self.options.observer.limit_exceeded(activity_type, limit);
        let err = ActivityError::new(message)
            .with_type(RESOURCE_LIMIT)
            .with_details(&details);
        Some(if limits.retryable {
            err
        } else {
            err.non_retryable()
        })
    }
}

/// The worker's pools run process-isolated activities in children, blocking ones on threads.
impl std::fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessPool").finish_non_exhaustive()
    }
}
