//! Worker control against the dev server: rate limits (per worker and per task queue),
//! resource-based and custom slots, autoscaling pollers, heartbeat throttling, deployment versioning (seen by
//! the `temporal` CLI and the Python SDK's `describe()`), and the settings `build()` refuses.
//!
//! The timing bounds are behaviour, not speed: each limit is checked against the same workload
//! without it.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityHandle, ActivityOptions, Client};
use activity_runtime::tuning::{
    ActivitySlotKind, PollerBehavior, ResourceBasedSlots, SlotMarkUsedContext, SlotReleaseContext,
    SlotReservationContext, SlotSupplier, SlotSupplierPermit, async_trait,
};
use activity_runtime::{
    ActivityContext, ActivityError, VersioningBehavior, Worker, WorkerBuilder, WorkerError,
    activities, activity,
};
use serde_json::Value;
use tokio::sync::Semaphore;

/// When each activity started, by task queue.
static STARTS: Mutex<Option<HashMap<String, Vec<Instant>>>> = Mutex::new(None);

/// Activities running now and the most at once, by task queue.
static RUNNING: Mutex<Option<HashMap<String, (usize, usize)>>> = Mutex::new(None);

fn starts(task_queue: &str) -> Vec<Instant> {
    let mut starts = STARTS
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|m| m.get(task_queue).cloned())
        .unwrap_or_default();
    starts.sort();
    starts
}

fn peak(task_queue: &str) -> usize {
    RUNNING
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|m| m.get(task_queue).map(|(_, peak)| *peak))
        .unwrap_or(0)
}

/// Counts the activity as running until it is dropped.
struct Running(String);

impl Running {
    fn new(ctx: &ActivityContext) -> Self {
        let task_queue = ctx.info().task_queue.clone();
        let mut running = RUNNING.lock().unwrap();
        let (now, peak) = running
            .get_or_insert_with(HashMap::new)
            .entry(task_queue.clone())
            .or_default();
        *now += 1;
        *peak = (*peak).max(*now);
        Self(task_queue)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some((now, _)) = RUNNING
            .lock()
            .unwrap()
            .as_mut()
            .and_then(|m| m.get_mut(&self.0))
        {
            *now -= 1;
        }
    }
}

/// Records when it started.
#[activity]
async fn stamp(ctx: ActivityContext) {
    STARTS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .entry(ctx.info().task_queue.clone())
        .or_default()
        .push(Instant::now());
}

/// Takes `mib` MiB of memory (every page written) and holds it for `hold_ms`, counted as running.
#[activity]
fn hold_memory(ctx: ActivityContext, mib: usize, hold_ms: u64) -> usize {
    let _running = Running::new(&ctx);
    let held = vec![1u8; mib << 20];
    std::thread::sleep(Duration::from_millis(hold_ms));
    std::hint::black_box(&held).len()
}

/// Sleeps `ms`, counted as running.
#[activity]
async fn nap(ctx: ActivityContext, ms: u64) {
    let _running = Running::new(&ctx);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Heartbeats every 100 ms until cancelled, and records when it saw the cancellation.
#[activity]
async fn heartbeat_until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    loop {
        ctx.heartbeat(&"working")?;
        tokio::select! {
            () = ctx.cancelled() => {
                CANCEL_SEEN
                    .lock()
                    .unwrap()
                    .push((ctx.info().activity_id.clone(), Instant::now()));
                return Err(ActivityError::cancelled());
            }
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

/// When each heartbeating activity saw its cancellation, by activity id.
static CANCEL_SEEN: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

fn cancel_seen(activity_id: &str) -> Option<Instant> {
    CANCEL_SEEN
        .lock()
        .unwrap()
        .iter()
        .find(|(id, _)| id == activity_id)
        .map(|(_, at)| *at)
}

/// Starts `count` activities of `activity_type` with `args` on `task_queue` at once.
async fn start_all(
    client: &Client,
    task_queue: &str,
    activity_type: &str,
    args: impl activity_runtime::ActivityArgs + Clone,
    count: usize,
) -> Vec<ActivityHandle> {
    futures_util::future::join_all((0..count).map(|_| {
        client.start_activity(
            activity_type,
            args.clone(),
            // Generous: on a saturated machine resource-based slots start them one at a time.
            common::one_attempt(task_queue).schedule_to_close_timeout(Duration::from_secs(180)),
        )
    }))
    .await
    .into_iter()
    .map(|handle| handle.expect("the activity starts"))
    .collect()
}

/// Waits for every activity to complete.
async fn wait_all(handles: Vec<ActivityHandle>) {
    for handle in handles {
        handle.result_raw().await.expect("the activity completes");
    }
}

/// Starts `count` activities at once and waits for them all; returns how long that took.
async fn run_all(
    client: &Client,
    task_queue: &str,
    activity_type: &str,
    args: impl activity_runtime::ActivityArgs + Clone,
    count: usize,
) -> Duration {
    let started = Instant::now();
    wait_all(start_all(client, task_queue, activity_type, args, count).await).await;
    started.elapsed()
}

/// A worker serving `activities` on `task_queue` of the shared server, running until stopped.
async fn serve(
    task_queue: &str,
    activities: activity_runtime::Activities,
    configure: impl FnOnce(WorkerBuilder) -> WorkerBuilder,
) -> (
    activity_runtime::ShutdownHandle,
    tokio::task::JoinHandle<Result<(), WorkerError>>,
) {
    let builder = Worker::builder()
        .target(common::server().await.address())
        .task_queue(task_queue)
        .register(activities);
    let worker = configure(builder).build().await.expect("worker builds");
    (worker.shutdown_handle(), tokio::spawn(worker.run()))
}

async fn stop(
    (shutdown, serving): (
        activity_runtime::ShutdownHandle,
        tokio::task::JoinHandle<Result<(), WorkerError>>,
    ),
) {
    shutdown.shutdown();
    serving
        .await
        .expect("the worker does not panic")
        .expect("the worker stops cleanly");
}

/// Settings for a worker's builder.
type Configure = fn(WorkerBuilder) -> WorkerBuilder;

/// Queues 40 `stamp` activities on a fresh task queue, then starts a worker (or two) configured
/// by `configure` on it; returns the task queue and how long from the workers' start until all 40
/// completed.
async fn forty_queued_then_served(
    prefix: &str,
    workers: Vec<(activity_runtime::Activities, Configure)>,
) -> (String, Duration) {
    let client = common::client().await;
    let task_queue = common::unique_task_queue(prefix);
    let handles = start_all(&client, &task_queue, "stamp", (), 40).await;
    let mut running = Vec::new();
    let mut started = None;
    for (activities, configure) in workers {
        running.push(serve(&task_queue, activities, configure).await);
        started.get_or_insert_with(Instant::now);
    }
    wait_all(handles).await;
    let took = started.expect("a worker").elapsed();
    for worker in running {
        stop(worker).await;
    }
    (task_queue, took)
}

/// From the first start to the last, on `task_queue`.
fn start_span(task_queue: &str, expected: usize) -> Duration {
    let starts = starts(task_queue);
    assert_eq!(starts.len(), expected, "activities started on {task_queue}");
    starts[starts.len() - 1] - starts[0]
}

/// A per-worker limit of 10 activities/s spaces 40 queued activities over more than 3.5 s; the
/// same 40 without it start far sooner. Both workers poll 20 at a time, so that the unlimited one
/// is limited by little else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_rate_limit_of_10_per_second_spreads_40_activities_over_3_5_s() {
    let (free, free_took) = forty_queued_then_served(
        "rate-free",
        vec![(activities![stamp], |b| {
            b.max_concurrent_activity_task_polls(20)
        })],
    )
    .await;
    let free_span = start_span(&free, 40);
    let (limited, limited_took) = forty_queued_then_served(
        "rate-limited",
        vec![(activities![stamp], |b| {
            b.max_concurrent_activity_task_polls(20)
                .max_activities_per_second(10.0)
        })],
    )
    .await;
    let limited_span = start_span(&limited, 40);
    eprintln!(
        "40 queued activities: without a limit {free_took:?} (started over {free_span:?}); \
         at 10/s per worker {limited_took:?} (started over {limited_span:?})"
    );
    // One poll every 100 ms: the 40th poll starts 3.9 s after the first. The activities' own
    // starts also differ by how long each poll took to answer, a few hundred ms on a busy server.
    assert!(
        limited_took >= Duration::from_millis(3500),
        "at 10/s, 40 activities took {limited_took:?}"
    );
    assert!(
        limited_span >= Duration::from_secs(3),
        "at 10/s, 40 activities started over {limited_span:?}"
    );
    // Without the limit, only the server's and the worker's own speed bound it (about 1 s for
    // 40 on a busy two-core machine).
    assert!(
        free_span + Duration::from_secs(1) < limited_span,
        "without a limit 40 activities started over {free_span:?}, with it over {limited_span:?}"
    );
}

/// `max_activities_per_second(5)` alone, on a worker that polls before its 30 quick activities
/// arrive: at most 5 + 2 start in any one-second window (core's 5 waiting polls used to take 5
/// tasks at once, on top of the rate: 11 or 12 in the first second; the worker now spaces the
/// starts, so 5, and 2 for timer jitter on a busy machine), and the rate holds over the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_of_5_per_second_starts_at_most_7_in_any_second() {
    let task_queue = common::unique_task_queue("rate-burst");
    let worker = serve(&task_queue, activities![stamp], |b| {
        b.max_activities_per_second(5.0)
    })
    .await;
    // The worker's polls wait on the empty queue, as those of a worker that starts before its
    // work does.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let client = common::client().await;
    wait_all(start_all(&client, &task_queue, "stamp", (), 30).await).await;
    stop(worker).await;
    let starts = starts(&task_queue);
    assert_eq!(starts.len(), 30);
    let busiest = starts
        .iter()
        .map(|&from| {
            starts
                .iter()
                .filter(|&&at| at >= from && at < from + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    let span = starts[29] - starts[0];
    eprintln!("30 activities at 5/s: at most {busiest} in one second, all over {span:?}");
    assert!(
        busiest <= 7,
        "{busiest} activities started within one second"
    );
    // 30 starts, at most 7 in the first second and 5 a second after it: over 4.4 s at least.
    assert!(
        span >= Duration::from_millis(4400),
        "all 30 started over {span:?}"
    );
}

mod second {
    use activity_runtime::{ActivityContext, activity};

    /// The second worker's `stamp`: records its starts under the task queue plus `/second`.
    #[activity(name = "stamp")]
    pub async fn stamp_on_second(ctx: ActivityContext) {
        super::STARTS
            .lock()
            .unwrap()
            .get_or_insert_with(Default::default)
            .entry(format!("{}/second", ctx.info().task_queue))
            .or_default()
            .push(std::time::Instant::now());
    }
}

/// A task-queue limit of 10 activities/s, set by both workers of a queue, holds for the two
/// together: the server dispatches 40 queued activities over more than 2.5 s whichever worker
/// runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_queue_rate_limit_holds_across_two_workers() {
    let (task_queue, took) = forty_queued_then_served(
        "rate-queue",
        vec![
            (activities![stamp], |b| {
                b.max_task_queue_activities_per_second(10.0)
            }),
            (activities![second::stamp_on_second], |b| {
                b.max_task_queue_activities_per_second(10.0)
            }),
        ],
    )
    .await;
    let first = starts(&task_queue);
    let second = starts(&format!("{task_queue}/second"));
    let mut all: Vec<Instant> = first.iter().chain(&second).copied().collect();
    all.sort();
    let span = all[all.len() - 1] - all[0];
    eprintln!(
        "40 queued activities at 10/s for the task queue, on two workers ({} and {}): {took:?}, \
         started over {span:?}",
        first.len(),
        second.len()
    );
    assert_eq!(all.len(), 40);
    assert!(
        !first.is_empty() && !second.is_empty(),
        "both workers ran activities: {} and {}",
        first.len(),
        second.len()
    );
    // Ten a second: the server may let a first second's worth through at once, then 3 s for the
    // other 30; the activities' own starts also differ by how long each poll took to answer.
    // Without the limit the 40 start within about 1 s (see the per-worker test).
    assert!(
        span >= Duration::from_millis(2500),
        "the two workers started 40 activities over {span:?}"
    );
}

/// Memory in use and in total, in bytes, as core's resource-based tuner measures them (through
/// `sysinfo`): a cgroup's anonymous memory (`anon`, v2; `total_rss`, v1) against its limit (at
/// most the machine's memory) when the process is in one, else the machine's memory minus what is
/// available.
fn memory_as_core_sees_it() -> (f64, f64) {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let key = |text: &str, name: &str, separator: char| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(separator))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let meminfo = read("/proc/meminfo").expect("/proc/meminfo");
    let machine = key(&meminfo, "MemTotal", ':').expect("MemTotal") * 1024.0;
    let number = |path: &str| read(path).and_then(|t| t.trim().parse::<f64>().ok());
    if read("/sys/fs/cgroup/memory.current").is_some()
        && let Some(anon) = read("/sys/fs/cgroup/memory.stat").and_then(|t| key(&t, "anon", ' '))
    {
        let limit = number("/sys/fs/cgroup/memory.max").unwrap_or(f64::MAX);
        return (anon, limit.min(machine));
    }
    if read("/sys/fs/cgroup/memory/memory.usage_in_bytes").is_some()
        && let Some(limit) = number("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        && let Some(rss) =
            read("/sys/fs/cgroup/memory/memory.stat").and_then(|t| key(&t, "total_rss", ' '))
    {
        return (rss, limit.min(machine));
    }
    let available = key(&meminfo, "MemAvailable", ':').expect("MemAvailable") * 1024.0;
    (machine - available, machine)
}

/// A resource-based tuner whose memory target leaves room for about one and a half running
/// activities' memory (beyond the 5 % margin core's controller keeps) runs fewer of them at once
/// than its maximum while they hold their memory; fixed slots run them all at once, and the ramp
/// throttle alone would too (four slots 700 ms apart take 2.1 s, each activity holds for 3.5 s).
///
/// Memory is measured as core measures it (the cgroup's when there is one) and is shared with
/// whatever else runs: more use elsewhere only lowers the count, and the maximum is reached only
/// if others free about 4 GiB during the test (each activity holds 1.5 GiB, well above what one
/// compiler process of the lints running beside the tests takes and then frees). The CPU target is 100 %, which core's controller
/// keeps a 1 % margin below: on a saturated CPU the CPU half of the controller holds slots back
/// too, whatever the memory target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_based_slots_run_fewer_activities_than_their_maximum_while_memory_is_held() {
    const ACTIVITIES: usize = 4;
    const MIB: usize = 1536;
    // Much longer than the ramp throttle: the throttle alone would let all four run at once.
    const HOLD_MS: u64 = 6000;
    let client = common::client().await;

    // Fixed slots: all at once (with little memory each, the point is only that they overlap).
    let fixed = common::start_worker_with("slots-fixed", activities![hold_memory], |b| {
        b.max_concurrent_activities(ACTIVITIES)
    })
    .await;
    run_all(
        &client,
        &fixed.task_queue,
        "hold_memory",
        (16usize, HOLD_MS),
        ACTIVITIES,
    )
    .await;
    let fixed_peak = peak(&fixed.task_queue);
    fixed.stop().await;

    let (used, total) = memory_as_core_sees_it();
    let chunk = (MIB << 20) as f64 / total;
    let baseline = used / total;
    // Core hands out a slot beyond the minimum while use is 5 % or more below the target.
    let target = (baseline + 0.05 + 1.5 * chunk).min(1.0);
    let tuned = common::start_worker_with("slots-resource", activities![hold_memory], |b| {
        b.resource_based_slots(
            ResourceBasedSlots::new(target, 1.0)
                .minimum_slots(1)
                .maximum_slots(ACTIVITIES)
                // Long enough for a started activity's memory to be written and to show before
                // the next slot (core samples memory every 100 ms), short against HOLD_MS. Writing
                // 1.5 GiB takes most of a second when the test command's other groups compile
                // beside it: at 700 ms a full run once saw the fourth slot handed out before the
                // third activity's memory showed.
                .ramp_throttle(Duration::from_millis(1500)),
        )
        // One poll at a time, so no slot is reserved ahead of the memory it would take.
        .max_concurrent_activity_task_polls(1)
    })
    .await;
    let took = run_all(
        &client,
        &tuned.task_queue,
        "hold_memory",
        (MIB, HOLD_MS),
        ACTIVITIES,
    )
    .await;
    let tuned_peak = peak(&tuned.task_queue);
    tuned.stop().await;
    eprintln!(
        "{ACTIVITIES} activities holding {MIB} MiB each ({:.1} % of memory) for {HOLD_MS} ms: \
         fixed slots ran {fixed_peak} at once; resource-based slots (memory target {:.1} %, \
         baseline {:.1} %) ran at most {tuned_peak} at once and took {took:?}",
        chunk * 100.0,
        target * 100.0,
        baseline * 100.0,
    );
    assert_eq!(fixed_peak, ACTIVITIES, "fixed slots run them all at once");
    assert!(
        (1..ACTIVITIES).contains(&tuned_peak),
        "resource-based slots ran {tuned_peak} of {ACTIVITIES} at once"
    );
}

/// At most `limit` slots, counting the slots used.
struct AtMost {
    permits: Arc<Semaphore>,
    used: Arc<AtomicUsize>,
}

#[async_trait]
impl SlotSupplier for AtMost {
    type SlotKind = ActivitySlotKind;

    async fn reserve_slot(&self, _: &dyn SlotReservationContext) -> SlotSupplierPermit {
        self.permits.acquire().await.expect("never closed").forget();
        SlotSupplierPermit::default()
    }

    fn try_reserve_slot(&self, _: &dyn SlotReservationContext) -> Option<SlotSupplierPermit> {
        let permit = self.permits.try_acquire().ok()?;
        permit.forget();
        Some(SlotSupplierPermit::default())
    }

    fn mark_slot_used(&self, _: &dyn SlotMarkUsedContext<SlotKind = ActivitySlotKind>) {
        self.used.fetch_add(1, Ordering::SeqCst);
    }

    fn release_slot(&self, _: &dyn SlotReleaseContext<SlotKind = ActivitySlotKind>) {
        self.permits.add_permits(1);
    }
}

/// A custom slot supplier decides: one that hands out two slots runs six activities two at a
/// time, and is told of each slot used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_slot_supplier_decides_how_many_run_at_once() {
    let client = common::client().await;
    let used = Arc::new(AtomicUsize::new(0));
    let supplier = AtMost {
        permits: Arc::new(Semaphore::new(2)),
        used: used.clone(),
    };
    let worker = common::start_worker_with("slots-custom", activities![nap], |b| {
        b.activity_slot_supplier(supplier)
    })
    .await;
    let took = run_all(&client, &worker.task_queue, "nap", (300u64,), 6).await;
    let peak = peak(&worker.task_queue);
    worker.stop().await;
    eprintln!("6 activities of 300 ms on a two-slot custom supplier: {took:?}, {peak} at once");
    assert_eq!(peak, 2, "activities at once");
    assert_eq!(used.load(Ordering::SeqCst), 6, "slots marked used");
    assert!(
        took >= Duration::from_millis(900),
        "three rounds of 300 ms took {took:?}"
    );
}

/// Autoscaling pollers (one to start with, up to ten) serve a burst of 50 activities: all of them
/// complete, many at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscaling_pollers_serve_a_burst() {
    let client = common::client().await;
    let identity = common::unique_task_queue("pollers-auto-worker");
    let worker = common::start_worker_with("pollers-auto", activities![nap], |b| {
        b.activity_task_poller_behavior(PollerBehavior::Autoscaling {
            minimum: 1,
            maximum: 10,
            initial: 1,
        })
        .identity(&identity)
        .worker_heartbeat_interval(Duration::from_secs(1))
    })
    .await;
    let took = run_all(&client, &worker.task_queue, "nap", (500u64,), 50).await;
    let peak = peak(&worker.task_queue);
    // What the worker tells the server of its pollers.
    let listed = listed_worker(&identity).await;
    worker.stop().await;
    assert_eq!(
        listed["activityPollerInfo"]["isAutoscaling"],
        Value::Bool(true),
        "{listed:#}"
    );
    eprintln!("50 activities of 500 ms on autoscaling pollers: {took:?}, at most {peak} at once");
    assert!(peak >= 10, "only {peak} activities ran at once");
    // One after another they would take 25 s.
    assert!(took < Duration::from_secs(15), "the burst took {took:?}");
}

/// With a heartbeat timeout of 10 s, core sends a heartbeat at most every 8 s by default, so a
/// cancel waits for that; with `max_heartbeat_throttle_interval` of 500 ms it arrives within about
/// a second. Without a heartbeat timeout the throttle is `default_heartbeat_throttle_interval`:
/// 30 s by default (the cancel has not arrived 6 s later), 500 ms when set so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_heartbeat_throttle_delivers_a_cancel_sooner() {
    let client = common::client().await;
    let default =
        common::start_worker("throttle-default", activities![heartbeat_until_cancelled]).await;
    let short_max = common::start_worker_with(
        "throttle-short-max",
        activities![heartbeat_until_cancelled],
        |b| b.max_heartbeat_throttle_interval(Duration::from_millis(500)),
    )
    .await;
    let short_default = common::start_worker_with(
        "throttle-short-default",
        activities![heartbeat_until_cancelled],
        |b| b.default_heartbeat_throttle_interval(Duration::from_millis(500)),
    )
    .await;
    // (task queue, heartbeat timeout): the activity id is the task queue's plus `-activity`.
    let runs = [
        (&default.task_queue, Some(Duration::from_secs(10))),
        (&short_max.task_queue, Some(Duration::from_secs(10))),
        (&default.task_queue, None),
        (&short_default.task_queue, None),
    ];
    let mut handles = Vec::new();
    let mut ids = Vec::new();
    for (n, (task_queue, heartbeat_timeout)) in runs.into_iter().enumerate() {
        let id = format!("{task_queue}-activity-{n}");
        let mut options = ActivityOptions::new(task_queue.as_str())
            .id(&id)
            .maximum_attempts(1)
            .start_to_close_timeout(Duration::from_secs(60));
        if let Some(timeout) = heartbeat_timeout {
            options = options.heartbeat_timeout(timeout);
        }
        handles.push(
            client
                .start_activity("heartbeat_until_cancelled", (), options)
                .await
                .unwrap(),
        );
        ids.push(id);
    }
    // All running, and their first heartbeat (sent at once) answered.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cancelled_at = Instant::now();
    for handle in &handles {
        handle.cancel("throttle test").await.unwrap();
    }
    let [timeout_default, timeout_short, _, untimed_short] = &handles[..] else {
        unreachable!()
    };
    let _ = tokio::join!(
        timeout_default.result_raw(),
        timeout_short.result_raw(),
        untimed_short.result_raw()
    );
    let delay = |id: &str| {
        cancel_seen(id)
            .unwrap_or_else(|| panic!("activity {id} never saw its cancellation"))
            .saturating_duration_since(cancelled_at)
    };
    let (default_delay, short_delay, untimed_short_delay) =
        (delay(&ids[0]), delay(&ids[1]), delay(&ids[3]));
    // The untimed activity on the default worker waits for its 30 s throttle: not yet.
    let untimed_default_seen = cancel_seen(&ids[2]);
    let waited = cancelled_at.elapsed();
    default.stop().await;
    short_max.stop().await;
    short_default.stop().await;
    eprintln!(
        "a cancel reached a heartbeating activity with a 10 s heartbeat timeout after \
         {default_delay:?} with the default throttle (8 s), {short_delay:?} with a 500 ms \
         maximum; without a heartbeat timeout after {untimed_short_delay:?} with a 500 ms default \
         throttle, and not within {waited:?} with the default (30 s)"
    );
    assert!(
        short_delay < Duration::from_millis(2500),
        "with a 500 ms throttle the cancel took {short_delay:?}"
    );
    assert!(
        default_delay > Duration::from_secs(4) && default_delay > short_delay * 2,
        "with the default throttle the cancel took {default_delay:?} (500 ms: {short_delay:?})"
    );
    assert!(
        untimed_short_delay < Duration::from_millis(2500),
        "with a 500 ms default throttle the cancel took {untimed_short_delay:?}"
    );
    assert!(
        untimed_default_seen.is_none() && waited > Duration::from_secs(4),
        "with the 30 s default throttle the cancel arrived {:?} after it was sent",
        untimed_default_seen.map(|at| at.saturating_duration_since(cancelled_at))
    );
}

/// Versioned: returns its greeting.
#[activity]
async fn versioned_greet(name: String) -> String {
    tokio::time::sleep(Duration::from_secs(2)).await;
    format!("Hello from the versioned worker, {name}!")
}

/// Runs the `temporal` CLI against the shared server and returns its stdout.
fn cli(server: &temporal_dev_server::DevServer, args: &[&str]) -> Result<String, String> {
    let output = Command::new(server.cli_path())
        .args(args)
        .args([
            "--address",
            server.address(),
            "--namespace",
            server.namespace(),
        ])
        .args(["--disable-config-file", "--disable-config-env"])
        .output()
        .map_err(|err| format!("cannot run the temporal CLI: {err}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`temporal {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The worker heartbeat `temporal worker list` shows for the worker with `identity`, waiting up to
/// 10 s for the first.
async fn listed_worker(identity: &str) -> Value {
    let server = common::server().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed =
            tokio::task::spawn_blocking(move || cli(server, &["worker", "list", "-o", "json"]))
                .await
                .unwrap();
        let found = listed.as_ref().ok().and_then(|json| {
            let workers: Vec<Value> = serde_json::from_str(json).ok()?;
            workers
                .into_iter()
                .map(|w| w["workerHeartbeat"].clone())
                .find(|w| w["workerIdentity"] == identity)
        });
        match found {
            Some(worker) => return worker,
            None if Instant::now() > deadline => {
                panic!("`temporal worker list` never showed `{identity}`: {listed:?}")
            }
            None => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
}

/// A worker with a deployment name, build id and `use_worker_versioning` shows up in `temporal
/// worker deployment describe`; once an operator makes its version current, it runs an activity
/// the Python SDK starts, whose `describe()` shows that deployment version and the worker's
/// identity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_versioned_worker_is_in_its_deployment_and_on_the_activities_it_runs() {
    let server = common::server().await;
    let deployment = common::unique_task_queue("deployment");
    let build_id = "build-7";
    let identity = format!("{deployment}-worker");
    let worker = common::start_worker_with("versioned", activities![versioned_greet], |b| {
        b.deployment_name(&deployment)
            .build_id(build_id)
            .use_worker_versioning(true)
            .default_versioning_behavior(VersioningBehavior::AutoUpgrade)
            .identity(&identity)
            .worker_heartbeat_interval(Duration::from_secs(1))
    })
    .await;

    // The version exists once the worker has polled.
    let deadline = Instant::now() + Duration::from_secs(30);
    let description = loop {
        let described = tokio::task::spawn_blocking({
            let deployment = deployment.clone();
            move || {
                cli(
                    server,
                    &[
                        "worker",
                        "deployment",
                        "describe",
                        "--name",
                        &deployment,
                        "-o",
                        "json",
                    ],
                )
            }
        })
        .await
        .unwrap();
        match described {
            Ok(json) if json.contains(build_id) => break json,
            other if Instant::now() > deadline => {
                panic!("the deployment never listed build `{build_id}`: {other:?}")
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    let description: Value = serde_json::from_str(&description)
        .unwrap_or_else(|err| panic!("describe printed no JSON ({err}): {description}"));
    assert!(
        description
            .to_string()
            .contains(&format!("\"{deployment}\"")),
        "{description:#}"
    );

    // Its worker heartbeats, every second as set (core's default is a minute), carry the
    // deployment version and identity: `temporal worker list` shows them.
    let first = listed_worker(&identity).await;
    assert_eq!(
        first["deploymentVersion"],
        serde_json::json!({"deploymentName": deployment, "buildId": build_id}),
        "{first:#}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let second = listed_worker(&identity).await;
    assert_ne!(
        first["heartbeatTime"], second["heartbeatTime"],
        "no worker heartbeat within 2.5 s: {second:#}"
    );

    // What an operator does to route the queue's tasks to the new version.
    let set = tokio::task::spawn_blocking({
        let deployment = deployment.clone();
        move || {
            cli(
                server,
                &[
                    "worker",
                    "deployment",
                    "set-current-version",
                    "--deployment-name",
                    &deployment,
                    "--build-id",
                    build_id,
                    "--yes",
                ],
            )
        }
    })
    .await
    .unwrap();
    set.expect("set-current-version succeeds");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/deployment.py");
    let workflow_id = format!("{deployment}-workflow");
    let output = tokio::task::spawn_blocking({
        let (address, task_queue) = (server.address().to_owned(), worker.task_queue.clone());
        move || {
            Command::new(common::python())
                .arg(&script)
                .args(["--address", &address, "--task-queue", &task_queue])
                .args(["--workflow-id", &workflow_id])
                .args(["--activity-type", "versioned_greet", "--arg", "Python"])
                .output()
                .expect("the Python script runs")
        }
    })
    .await
    .unwrap();
    worker.stop().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "deployment.py failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|err| panic!("deployment.py printed no JSON ({err}): {stdout}"));
    assert_eq!(
        report,
        serde_json::json!({
            "result": "Hello from the versioned worker, Python!",
            "deployment_name": deployment,
            "build_id": build_id,
            "worker_identity": identity,
        }),
        "{report:#}"
    );
}

/// Without `build_id`, a worker reports a CRC-32 of its executable, as the official Rust SDK's
/// does: `temporal worker list` shows it with the deployment name (the worker is not versioned).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_build_id_is_a_checksum_of_the_executable() {
    let deployment = common::unique_task_queue("default-build");
    let identity = format!("{deployment}-worker");
    let worker = common::start_worker_with("default-build", activities![stamp], |b| {
        b.deployment_name(&deployment)
            .identity(&identity)
            .worker_heartbeat_interval(Duration::from_secs(1))
    })
    .await;
    let listed = listed_worker(&identity).await;
    worker.stop().await;
    let build_id = temporalio_common::worker::build_id_from_current_exe();
    assert!(
        build_id.len() == 8 && build_id.chars().all(|c| c.is_ascii_hexdigit()),
        "{build_id}"
    );
    assert_eq!(
        listed["deploymentVersion"],
        serde_json::json!({"deploymentName": deployment, "buildId": build_id}),
        "{listed:#}"
    );
}

/// Settings `build()` refuses, before connecting, each naming the builder method.
#[tokio::test]
async fn bad_settings_are_refused_at_build_naming_the_setting() {
    let cases: Vec<(&str, Configure)> = vec![
        ("task_queue", |b| b.task_queue(" ")),
        ("max_concurrent_activities", |b| {
            b.max_concurrent_activities(0)
        }),
        ("resource_based_slots", |b| {
            b.resource_based_slots(ResourceBasedSlots::new(1.5, 0.9))
        }),
        ("resource_based_slots", |b| {
            b.resource_based_slots(
                ResourceBasedSlots::new(0.8, 0.9)
                    .minimum_slots(5)
                    .maximum_slots(2),
            )
        }),
        ("resource_based_slots", |b| {
            b.max_concurrent_activities(10)
                .resource_based_slots(ResourceBasedSlots::new(0.8, 0.9))
        }),
        ("activity_task_poller_behavior", |b| {
            b.activity_task_poller_behavior(PollerBehavior::Autoscaling {
                minimum: 2,
                maximum: 10,
                initial: 20,
            })
        }),
        ("max_concurrent_activity_task_polls", |b| {
            b.max_concurrent_activity_task_polls(0)
        }),
        ("activity_task_poller_behavior", |b| {
            b.activity_task_poller_behavior(PollerBehavior::SimpleMaximum(0))
        }),
        ("max_activities_per_second", |b| {
            b.max_activities_per_second(0.0)
        }),
        ("max_task_queue_activities_per_second", |b| {
            b.max_task_queue_activities_per_second(f64::NAN)
        }),
        ("max_heartbeat_throttle_interval", |b| {
            b.max_heartbeat_throttle_interval(Duration::ZERO)
        }),
        ("default_heartbeat_throttle_interval", |b| {
            b.default_heartbeat_throttle_interval(Duration::ZERO)
        }),
        ("blocking_threads", |b| b.blocking_threads(0)),
        ("process_pool_size", |b| b.process_pool_size(0)),
        ("use_worker_versioning", |b| b.use_worker_versioning(true)),
        ("build_id", |b| b.build_id("")),
        ("default_versioning_behavior", |b| {
            b.deployment_name("d")
                .default_versioning_behavior(VersioningBehavior::Pinned)
        }),
        ("worker_heartbeat_interval", |b| {
            b.worker_heartbeat_interval(Duration::from_secs(120))
        }),
    ];
    for (setting, configure) in cases {
        // Nothing listens here: a setting that passed would fail to connect instead.
        let builder = Worker::builder()
            .target("127.0.0.1:1")
            .task_queue("q")
            .register(activities![stamp]);
        let err = configure(builder).build().await.expect_err(setting);
        match &err {
            WorkerError::InvalidSetting { setting: named, .. } => {
                assert_eq!(*named, setting, "{err}")
            }
            other => panic!("{setting}: expected InvalidSetting, got {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with(&format!("invalid worker setting `{setting}`: ")),
            "{err}"
        );
        // In this crate's words, not core's (`SimpleMaximum poller behavior must be at least
        // 1`, `heartbeat_interval (…) must be between 1s and 60s`).
        for core_wording in ["poller behavior", "must be", "heartbeat_interval ("] {
            assert!(!err.to_string().contains(core_wording), "{err}");
        }
    }
}

/// A blocking activity for the pool warnings.
#[activity]
fn blocking_noop() {}

/// The blocking pool follows the slots: resource-based slots whose maximum exceeds
/// `blocking_threads` are warned about, naming `maximum_slots`; a custom supplier, whose maximum
/// the worker cannot know, is warned about unless `blocking_threads` is set; fixed slots no larger
/// than the pool are not.
#[tokio::test(flavor = "current_thread")]
async fn the_blocking_pool_is_checked_against_the_slots() {
    let logs = common::CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // This thread only: the runtime is current-thread, so `build()` logs here.
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = common::server().await;
    let cases: Vec<(Configure, Option<&str>)> = vec![
        (
            |b| {
                b.resource_based_slots(ResourceBasedSlots::new(0.8, 0.9).maximum_slots(10))
                    .blocking_threads(2)
            },
            Some("may run 10 activities at once but only 2 blocking activities (blocking_noop)"),
        ),
        (
            |b| {
                b.activity_slot_supplier(AtMost {
                    permits: Arc::new(Semaphore::new(4)),
                    used: Arc::default(),
                })
            },
            Some("custom slot supplier, whose maximum it cannot know"),
        ),
        (
            |b| {
                b.activity_slot_supplier(AtMost {
                    permits: Arc::new(Semaphore::new(4)),
                    used: Arc::default(),
                })
                .blocking_threads(4)
            },
            None,
        ),
        (|b| b.max_concurrent_activities(4).blocking_threads(4), None),
    ];
    for (configure, expected) in cases {
        let before = logs.text().len();
        let builder = Worker::builder()
            .target(server.address())
            .task_queue(common::unique_task_queue("pool-warning"))
            .register(activities![blocking_noop]);
        let _worker = configure(builder).build().await.expect("worker builds");
        let logged = logs.text()[before..].to_owned();
        match expected {
            Some(text) => {
                assert!(logged.contains(text), "expected `{text}` in: {logged}");
                if text.starts_with("may run 10") {
                    assert!(
                        logged.contains("lower `resource_based_slots.maximum_slots`"),
                        "{logged}"
                    );
                }
            }
            None => assert!(!logged.contains("blocking"), "unexpected warning: {logged}"),
        }
    }
}
