//! The workers under test, each a process of its own, and what is read off them.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use temporalio_client::GrpcCompression;

use crate::load::ACTIVITY;

/// Which worker serves the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerKind {
    /// The official Rust SDK, `temporalio-sdk` 1.1.1, as configured by default: the reference
    /// every ratio is taken to.
    Official,
    /// The official Rust SDK with gRPC gzip compression turned off, as this runtime has it by
    /// default: shows what is left once the two differ only in the layer above core.
    OfficialNoGzip,
    /// The official Rust SDK with gzip off on a current-thread tokio runtime: its best
    /// configuration for I/O-bound activities (about a fifth less CPU than on the default
    /// multi-thread runtime, from fewer thread wake-ups).
    OfficialNoGzipCurrentThread,
    /// This runtime: `#[activity]` on a plain function.
    Ours,
    /// This runtime on a current-thread tokio runtime, as `docs/src/settings.md` suggests for
    /// workers whose async activities only wait on I/O.
    OursCurrentThread,
    /// The Python SDK, `temporalio` 1.35.0.
    Python,
    /// The protocol's floor: the generated gRPC stubs alone (no worker core, no decoding),
    /// long-polling `PollActivityTaskQueue` and answering `RespondActivityTaskCompleted` with the
    /// input payloads as they came. No worker on this protocol can use less CPU per activity.
    Floor,
}

impl WorkerKind {
    pub const ALL: [WorkerKind; 7] = [
        WorkerKind::Official,
        WorkerKind::OfficialNoGzip,
        WorkerKind::OfficialNoGzipCurrentThread,
        WorkerKind::Ours,
        WorkerKind::OursCurrentThread,
        WorkerKind::Python,
        WorkerKind::Floor,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WorkerKind::Official => "official",
            WorkerKind::OfficialNoGzip => "official-nogzip",
            WorkerKind::OfficialNoGzipCurrentThread => "official-nogzip-current-thread",
            WorkerKind::Ours => "ours",
            WorkerKind::OursCurrentThread => "ours-current-thread",
            WorkerKind::Python => "python",
            WorkerKind::Floor => "floor",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            WorkerKind::Official => "official Rust SDK (temporalio-sdk 1.1.1)",
            WorkerKind::OfficialNoGzip => "official Rust SDK, gzip off (not its default)",
            WorkerKind::OfficialNoGzipCurrentThread => {
                "official Rust SDK, gzip off, current-thread runtime (its best configuration)"
            }
            WorkerKind::Ours => "activity-runtime (this project)",
            WorkerKind::OursCurrentThread => "activity-runtime, current-thread runtime",
            WorkerKind::Python => "Python SDK (temporalio 1.35.0)",
            WorkerKind::Floor => "floor: raw gRPC stubs, no core, no decoding",
        }
    }
}

/// A started worker process.
pub struct WorkerProcess {
    child: Child,
    /// The last heartbeat count the worker printed (`HEARTBEATS n`, see
    /// [`crate::inflight::report_heartbeats`]).
    heartbeats: Arc<AtomicU64>,
}

/// Starts `kind` serving `noop` on `task_queue` and waits until it says `READY`.
pub async fn start(
    kind: WorkerKind,
    address: &str,
    task_queue: &str,
) -> anyhow::Result<WorkerProcess> {
    start_with(kind, address, task_queue, &[]).await
}

/// As [`start`], with extra environment variables for the worker (`BENCH_SLOTS`,
/// `BENCH_REPORT_HEARTBEATS`).
pub async fn start_with(
    kind: WorkerKind,
    address: &str,
    task_queue: &str,
    env: &[(&str, String)],
) -> anyhow::Result<WorkerProcess> {
    let mut command = match kind {
        WorkerKind::Official
        | WorkerKind::OfficialNoGzip
        | WorkerKind::OfficialNoGzipCurrentThread
        | WorkerKind::Ours
        | WorkerKind::OursCurrentThread
        | WorkerKind::Floor => {
            let mut command = Command::new(std::env::current_exe()?);
            command.env("BENCH_ROLE", kind.label());
            command
        }
        WorkerKind::Python => {
            let python = std::env::var("TEMPORAL_PYTHON").unwrap_or_else(|_| "python3".into());
            let mut command = Command::new(python);
            command.arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/end_to_end/python_worker.py"
            ));
            command
        }
    };
    command.envs(env.iter().map(|(k, v)| (k, v)));
    start_command(command, kind.label(), address, task_queue).await
}

/// Starts `command` (a worker serving on `task_queue`) and waits until it says `READY`.
pub async fn start_command(
    mut command: Command,
    label: &str,
    address: &str,
    task_queue: &str,
) -> anyhow::Result<WorkerProcess> {
    let mut child = command
        .env("BENCH_ADDRESS", address)
        .env("BENCH_TASK_QUEUE", task_queue)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting the {label} worker"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let heartbeats = Arc::new(AtomicU64::new(0));
    let counter = heartbeats.clone();
    let ready = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.any(|line| line.is_ok_and(|l| l.trim() == "READY"));
        // Keep draining, so the worker never blocks on a full pipe, and keep the last
        // `HEARTBEATS n` line the worker printed.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(n) = line.trim().strip_prefix("HEARTBEATS ")
                    && let Ok(n) = n.parse()
                {
                    counter.store(n, Ordering::Relaxed);
                }
            }
        });
        ready
    });
    match tokio::time::timeout(crate::READY_TIMEOUT, ready).await {
        Ok(Ok(true)) => Ok(WorkerProcess { child, heartbeats }),
        _ => {
            let _ = child.kill();
            let status = child.wait()?;
            bail!("the {label} worker never said READY ({status})")
        }
    }
}

impl WorkerProcess {
    /// User + system CPU time the process has used so far, all its threads together.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the command name (which may hold spaces) start at field 3, `state`.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .context("a /proc stat line")?
            .1
            .split_whitespace()
            .collect();
        let ticks = |field: usize| -> anyhow::Result<u64> { Ok(fields[field - 3].parse()?) };
        let total = ticks(14)? + ticks(15)?;
        Ok(Duration::from_secs_f64(
            total as f64 / clock_ticks_per_second(),
        ))
    }

    /// The process's peak resident set size so far, in bytes (`VmHWM`).
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmHWM:")
    }

    /// The process's resident set size now, in bytes (`VmRSS`).
    pub fn rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmRSS:")
    }

    /// How many heartbeats the worker's activity code has recorded, as it last printed (every
    /// 100 ms while `BENCH_REPORT_HEARTBEATS` is set).
    pub fn heartbeats(&self) -> u64 {
        self.heartbeats.load(Ordering::Relaxed)
    }

    /// A `kB` field of `/proc/<pid>/status`, in bytes.
    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .with_context(|| format!("{field} in /proc status"))?;
        let kib: u64 = line
            .trim_start_matches(field)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?;
        Ok(kib * 1024)
    }

    /// Kills the worker; everything worth reading has been read.
    pub fn stop(self) {
        drop(self);
    }
}

/// Killed and reaped when dropped: a part that fails half-way (an activity the loaded dev server
/// lost) leaves no worker running behind the error.
impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time every core of the machine has spent so far, on anything (user, nice, system, irq,
/// softirq and steal time of `/proc/stat`'s `cpu` line): less a worker's own
/// [`WorkerProcess::cpu_time`] over the same window, what the rest of the machine (the dev server,
/// the load generator) spent meanwhile.
pub fn machine_cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("cpu "))
        .context("/proc/stat starts with its `cpu` line")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [user, nice, system, _idle, _iowait, irq, softirq, rest @ ..] = ticks.as_slice() else {
        bail!("/proc/stat's `cpu` line has fewer than 7 fields");
    };
    let steal = rest.first().copied().unwrap_or(0);
    let busy = user + nice + system + irq + softirq + steal;
    Ok(Duration::from_secs_f64(
        busy as f64 / clock_ticks_per_second(),
    ))
}

/// `getconf CLK_TCK`, asked once (the unit of `/proc/<pid>/stat` times).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| f64::from_str(text.trim()).ok())
            .unwrap_or(100.0)
    })
}

/// The end of the roles whose worker runs on a current-thread tokio runtime.
pub const CURRENT_THREAD: &str = "-current-thread";

/// The tokio runtime a process in `role` runs on: current-thread for the roles ending in
/// [`CURRENT_THREAD`], tokio's default multi-thread runtime (a thread per core) otherwise.
pub fn runtime_for(role: Option<&str>) -> std::io::Result<tokio::runtime::Runtime> {
    match role {
        Some(role) if role.ends_with(CURRENT_THREAD) => {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        _ => tokio::runtime::Runtime::new(),
    }
}

/// Runs as `role` (`BENCH_ROLE`): the worker `ours` or `official`, serving `noop` until killed, or
/// `load`, which runs `BENCH_ACTIVITIES` activities against a worker started by hand.
pub async fn serve(role: &str) -> anyhow::Result<()> {
    let address = std::env::var("BENCH_ADDRESS")?;
    let task_queue = std::env::var("BENCH_TASK_QUEUE")?;
    // The runtime flavor is `main`'s to choose (see `CURRENT_THREAD`); the worker is the same.
    match role.strip_suffix(CURRENT_THREAD).unwrap_or(role) {
        "ours" => ours::serve(&address, &task_queue).await,
        "official" => official::serve(&address, &task_queue, GrpcCompression::Gzip).await,
        "official-nogzip" => official::serve(&address, &task_queue, GrpcCompression::None).await,
        "floor" => floor::serve(&address, &task_queue).await,
        "ours-cpu" => ours::serve_cpu(&address, &task_queue).await,
        // Load alone, for profiling a worker started by hand (see the README).
        "load" => {
            let client = crate::load::connect(&address).await?;
            let count = crate::env_number("BENCH_ACTIVITIES", 2000);
            let concurrency = crate::env_number("BENCH_CONCURRENCY", 100);
            let elapsed =
                crate::load::run(&client, &task_queue, count, concurrency, "load").await?;
            println!(
                "{count} activities in {elapsed:.1?}: {:.1}/s",
                count as f64 / elapsed.as_secs_f64()
            );
            Ok(())
        }
        other => bail!("unknown BENCH_ROLE {other}"),
    }
}

/// `BENCH_SLOTS`: how many activities the worker may run at once, when not its default (100).
fn slots() -> Option<usize> {
    std::env::var("BENCH_SLOTS")
        .ok()
        .and_then(|s| s.parse().ok())
}

fn say_ready() {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "READY");
    let _ = stdout.flush();
}

/// This runtime's worker, as the README shows it.
mod ours {
    use activity_runtime::{ActivityContext, ActivityError, Bytes, Worker, activities, activity};

    use crate::inflight::{Progress, count_heartbeat};

    #[activity]
    async fn noop(text: String) -> String {
        text
    }

    /// In flight for `seconds`, heartbeating its progress every second (see `inflight.rs`).
    #[activity]
    async fn hold(ctx: ActivityContext, seconds: u64) -> Result<u64, ActivityError> {
        for step in 1..=seconds {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            ctx.heartbeat(&Progress { step, of: seconds })?;
            count_heartbeat();
        }
        Ok(seconds)
    }

    /// A large JSON string, reversed (see `large.rs`).
    #[activity]
    async fn reverse_text(text: String) -> String {
        crate::large::reverse_text(text)
    }

    /// Large raw bytes (`binary/plain` both ways), reversed.
    #[activity]
    async fn reverse_bytes(data: Bytes) -> Bytes {
        let mut data = data.into_vec();
        data.reverse();
        Bytes(data)
    }

    /// CPU-bound work: `BENCH_SPIN_ROUNDS` rounds of xorshift on the worker's blocking pool.
    #[activity]
    fn spin(text: String) -> String {
        crate::cpu::burn(crate::cpu::rounds());
        text
    }

    /// `spin` on a worker whose blocking pool has `BENCH_BLOCKING_THREADS` threads and twice as
    /// many activity slots: a task waits for each thread, so no thread idles while a finished
    /// activity's completion and the next task's poll make their round trip (see `cpu.rs`).
    pub async fn serve_cpu(address: &str, task_queue: &str) -> anyhow::Result<()> {
        let threads = crate::env_number("BENCH_BLOCKING_THREADS", 1);
        let worker = Worker::builder()
            .target(address)
            .task_queue(task_queue)
            .register(activities![spin])
            .blocking_threads(threads)
            .max_concurrent_activities(2 * threads)
            .build()
            .await?;
        super::say_ready();
        worker.run().await?;
        Ok(())
    }

    pub async fn serve(address: &str, task_queue: &str) -> anyhow::Result<()> {
        assert_eq!(<noop as activity_runtime::Activity>::NAME, super::ACTIVITY);
        let mut builder = Worker::builder()
            .target(address)
            .task_queue(task_queue)
            .register(activities![noop, hold, reverse_text, reverse_bytes]);
        if let Some(slots) = super::slots() {
            builder = builder.max_concurrent_activities(slots);
        }
        let worker = builder.build().await?;
        crate::inflight::report_heartbeats();
        super::say_ready();
        worker.run().await?;
        Ok(())
    }
}

/// The official Rust SDK's worker, as its crate documentation shows it.
// `#[activities]` emits an associated constant per activity that warns when never read.
#[allow(dead_code)]
mod official {
    use temporalio_macros::activities;
    use temporalio_sdk::activities::{ActivityContext, ActivityError};
    use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder, WorkerTuner};
    use temporalio_sdk::{Runtime, Worker, WorkerOptions};

    use crate::inflight::{Progress, count_heartbeat};

    pub struct BenchActivities;

    #[activities]
    impl BenchActivities {
        #[activity(name = "noop")]
        pub async fn noop(_ctx: ActivityContext, text: String) -> Result<String, ActivityError> {
            Ok(text)
        }

        /// In flight for `seconds`, heartbeating its progress every second (see `inflight.rs`).
        #[activity(name = "hold")]
        pub async fn hold(ctx: ActivityContext, seconds: u64) -> Result<u64, ActivityError> {
            for step in 1..=seconds {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                ctx.record_heartbeat(Progress { step, of: seconds }).await?;
                count_heartbeat();
            }
            Ok(seconds)
        }

        /// A large JSON string, reversed (see `large.rs`).
        #[activity(name = "reverse_text")]
        pub async fn reverse_text(
            _ctx: ActivityContext,
            text: String,
        ) -> Result<String, ActivityError> {
            Ok(crate::large::reverse_text(text))
        }

        /// Large raw bytes (`binary/plain` both ways: the SDK's converter maps `Vec<u8>` to it),
        /// reversed.
        #[activity(name = "reverse_bytes")]
        pub async fn reverse_bytes(
            _ctx: ActivityContext,
            mut data: Vec<u8>,
        ) -> Result<Vec<u8>, ActivityError> {
            data.reverse();
            Ok(data)
        }
    }

    /// The SDK's default tuner (fixed slots, 100 of each kind) with `slots` activity slots.
    fn tuner(slots: usize) -> WorkerTuner {
        TunerHolder::builder()
            .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(100))
            .activity_task_slot_supplier(FixedSizeSlotSupplier::new(slots))
            .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(100))
            .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(100))
            .build()
            .into()
    }

    pub async fn serve(
        address: &str,
        task_queue: &str,
        compression: temporalio_client::GrpcCompression,
    ) -> anyhow::Result<()> {
        let runtime = Runtime::from_current_tokio(Default::default())?;
        let client = crate::load::connect_with(address, compression).await?;
        let mut options = WorkerOptions::new(task_queue)
            .register_activities(BenchActivities)
            .build();
        if let Some(slots) = super::slots() {
            options.tuner = tuner(slots);
        }
        let mut worker = Worker::new(&runtime, client, options)?;
        crate::inflight::report_heartbeats();
        super::say_ready();
        worker.run().await?;
        Ok(())
    }
}

/// The floor: what answering activity tasks costs on this protocol and nothing else. Five
/// long polls at a time (core's default for activity pollers), each task answered from its own
/// task with its input payloads as the result, through tonic's generated `WorkflowService` client
/// on one HTTP/2 channel without compression. Nothing is decoded beyond the gRPC messages
/// themselves, no slots are counted, no metrics or heartbeats kept.
mod floor {
    use anyhow::Context as _;
    use temporalio_common::protos::temporal::api::common::v1::Payloads;
    use temporalio_common::protos::temporal::api::enums::v1::TaskQueueKind;
    use temporalio_common::protos::temporal::api::taskqueue::v1::TaskQueue;
    use temporalio_common::protos::temporal::api::workflowservice::v1::{
        PollActivityTaskQueueRequest, RespondActivityTaskCompletedRequest,
        workflow_service_client::WorkflowServiceClient,
    };
    use tonic::transport::{Channel, Endpoint};

    /// As many long polls as core keeps open for activities by default.
    const POLLERS: usize = 5;
    const NAMESPACE: &str = "default";
    const LONG_POLL: std::time::Duration = std::time::Duration::from_secs(70);

    pub async fn serve(address: &str, task_queue: &str) -> anyhow::Result<()> {
        let channel = Endpoint::from_shared(format!("http://{address}"))?
            .connect()
            .await
            .context("connecting to the server")?;
        let client = WorkflowServiceClient::new(channel);
        let identity = format!("floor@{}", std::process::id());
        let pollers: Vec<_> = (0..POLLERS)
            .map(|_| {
                tokio::spawn(poll(
                    client.clone(),
                    task_queue.to_owned(),
                    identity.clone(),
                ))
            })
            .collect();
        super::say_ready();
        for poller in pollers {
            poller.await??;
        }
        Ok(())
    }

    async fn poll(
        mut client: WorkflowServiceClient<Channel>,
        task_queue: String,
        identity: String,
    ) -> anyhow::Result<()> {
        loop {
            let mut request = tonic::Request::new(PollActivityTaskQueueRequest {
                namespace: NAMESPACE.to_owned(),
                task_queue: Some(TaskQueue {
                    name: task_queue.clone(),
                    kind: TaskQueueKind::Normal as i32,
                    normal_name: String::new(),
                }),
                identity: identity.clone(),
                ..Default::default()
            });
            // The server requires a deadline on a long poll; it answers empty after about a
            // minute, as it does core's (which sets 70 s).
            request.set_timeout(LONG_POLL);
            let task = match client.poll_activity_task_queue(request).await {
                Ok(response) => response.into_inner(),
                Err(status) if status.code() == tonic::Code::DeadlineExceeded => continue,
                // A dropped connection under load (core retries these too): poll again.
                Err(status)
                    if matches!(
                        status.code(),
                        tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled
                    ) =>
                {
                    eprintln!("floor: polling failed, polling again: {status}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
                Err(status) => return Err(status.into()),
            };
            // An empty response: the long poll timed out with nothing to do.
            if task.task_token.is_empty() {
                continue;
            }
            let mut client = client.clone();
            let identity = identity.clone();
            tokio::spawn(async move {
                let request = RespondActivityTaskCompletedRequest {
                    task_token: task.task_token,
                    result: task.input.or_else(|| Some(Payloads::default())),
                    identity,
                    namespace: NAMESPACE.to_owned(),
                    ..Default::default()
                };
                if let Err(status) = client.respond_activity_task_completed(request).await {
                    eprintln!("floor: completing a task failed: {status}");
                }
            });
        }
    }
}
