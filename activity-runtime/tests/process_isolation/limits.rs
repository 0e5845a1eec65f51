//! The limits of a process-isolated activity's child process (memory, CPU time, open files) and
//! the environment it inherits, against the dev server. Each fault fails only its attempt: the
//! worker keeps serving, and the next attempt runs in a fresh child.

use activity_runtime::client::{Client, ClientError};
use activity_runtime::limits::{MIB, ProcessLimits};
use activity_runtime::{ActivityError, activities, activity};
use serde_json::{Value, json};

use crate::common;

/// The worker's memory limit, for activities that set none.
const WORKER_MEMORY_LIMIT: usize = 512 * MIB;

/// Allocates `bytes` and touches every page, under the worker's limits; says which process it
/// ran in.
#[activity(isolation = "process")]
pub fn allocate_touched(bytes: usize) -> u32 {
    let block = vec![1u8; bytes];
    std::hint::black_box(&block);
    std::process::id()
}

/// The same under a memory limit of its own, tighter than the worker's.
#[activity(isolation = "process", memory_limit = "64 MiB")]
pub fn allocate_limited(bytes: usize) -> u32 {
    let block = vec![1u8; bytes];
    std::hint::black_box(&block);
    std::process::id()
}

/// Spins until it is stopped; a failure for its limit is not retried.
#[activity(isolation = "process", cpu_time = "1 s", non_retryable_limits)]
pub fn spin() -> u64 {
    let mut n = 0u64;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

/// Opens `/dev/null` `count` times and keeps the files open: past its limit, the activity reports
/// the I/O error as it would any other.
#[activity(isolation = "process", open_files = 32)]
pub fn open_many(count: usize) -> Result<u32, ActivityError> {
    let mut files = Vec::new();
    for _ in 0..count {
        match std::fs::File::open("/dev/null") {
            Ok(file) => files.push(file),
            Err(err) => {
                return Err(ActivityError::new(format!(
                    "opened {} files, then: {err}",
                    files.len()
                ))
                .with_type("TooManyFiles")
                .non_retryable());
            }
        }
    }
    Ok(std::process::id())
}

/// Says which process it runs in: the test reads its `/proc/<pid>/environ`.
#[activity(isolation = "process")]
pub fn child_pid() -> u32 {
    std::process::id()
}

/// The same, with one more variable inherited.
#[activity(isolation = "process", inherit_env = ["LIMITS_TEST_ALLOWED"])]
pub fn child_pid_allowed() -> u32 {
    std::process::id()
}

/// The failure of a call that must fail, as the client reports it (the activity's own failure).
async fn failure_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    result: Result<T, ClientError>,
) -> activity_runtime::client::ActivityFailure {
    match result {
        Err(ClientError::Failed(failure)) => match failure.cause {
            Some(cause) => *cause,
            None => failure,
        },
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The pid a failure message names: `(pid 123)`.
fn pid_in(message: &str) -> u32 {
    message
        .split("(pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {message}"))
}

/// Every scenario of the limits, on one worker with limits of its own.
pub async fn scenarios(client: &Client, logs: &common::CapturedLogs) {
    let worker = common::start_worker_with(
        "process-limits",
        activities![allocate_touched, allocate_limited, spin, open_many],
        |b| {
            b.process_pool_size(2)
                .process_limits(
                    ProcessLimits::NONE
                        .memory_limit(WORKER_MEMORY_LIMIT as u64)
                        .open_files(128),
                )
                .metrics(activity_runtime::Metrics::prometheus(
                    "127.0.0.1:0".parse().unwrap(),
                ))
        },
    )
    .await;
    let queue = &worker.task_queue;

    // An allocation over the activity's own limit (64 MiB, tighter than the worker's 512 MiB)
    // fails its attempt, naming the limit; the next attempt runs in a fresh child.
    let failure = failure_of(
        client
            .execute_activity::<u32>("allocate_limited", (100 * MIB,), common::one_attempt(queue))
            .await,
    )
    .await;
    assert_eq!(failure.error_type, "ActivityResourceLimit", "{failure}");
    assert!(
        failure.message.starts_with(
            "activity `allocate_limited` exceeded memory_limit of 64 MiB (set by the activity's \
             `#[activity(...)]`): an allocation of 100 MiB failed in its child process"
        ),
        "{failure}"
    );
    assert!(!failure.non_retryable, "{failure}");
    let dead = pid_in(&failure.message);
    let fresh: u32 = client
        .execute_activity("allocate_limited", (MIB,), common::one_attempt(queue))
        .await
        .unwrap();
    assert_ne!(fresh, dead);
    println!("memory_limit: {failure}; then served by fresh child {fresh}");

    // The worker's limit applies where the activity sets none.
    let failure = failure_of(
        client
            .execute_activity::<u32>(
                "allocate_touched",
                (1usize << 30,),
                common::one_attempt(queue),
            )
            .await,
    )
    .await;
    assert!(
        failure.message.starts_with(
            "activity `allocate_touched` exceeded memory_limit of 512 MiB (set by the worker's \
             `process_limits`)"
        ),
        "{failure}"
    );
    // Within it, 400 MiB are fine: the peak-memory histogram shows them (below), with the
    // child's own resident pages (about 20 MiB for this debug test binary).
    let _: u32 = client
        .execute_activity(
            "allocate_touched",
            (400 * MIB,),
            common::one_attempt(queue).id("touched-400"),
        )
        .await
        .unwrap();
    // The attempt's span says what its child used.
    let text = logs.text();
    let closed = text
        .lines()
        .find(|line| line.contains("activity_id=touched-400") && line.contains("close"))
        .unwrap_or_else(|| panic!("no closed span of the attempt in:\n{text}"));
    let field = |name: &str| -> u64 {
        closed
            .split(&format!("{name}="))
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {closed}"))
    };
    let peak = field("child_peak_memory_bytes") as f64;
    assert!(
        (peak - (400 * MIB) as f64).abs() < (40 * MIB) as f64,
        "{closed}"
    );
    let _ = field("child_cpu_time_ms");
    println!("the attempt's span: {closed}");
    println!("the worker's memory_limit: {failure}");

    // A busy loop over its CPU time is stopped within a second of it, the failure naming the
    // limit; this activity made it non-retryable.
    let started = std::time::Instant::now();
    let failure = failure_of(
        client
            .execute_activity::<u64>("spin", (), common::one_attempt(queue))
            .await,
    )
    .await;
    let wall = started.elapsed();
    assert_eq!(failure.error_type, "ActivityResourceLimit", "{failure}");
    assert!(
        failure
            .message
            .starts_with("activity `spin` used its cpu_time of 1 s"),
        "{failure}"
    );
    assert!(failure.message.contains("(SIGXCPU)"), "{failure}");
    assert!(failure.non_retryable, "{failure}");
    let used: f64 = failure
        .message
        .split("after ")
        .nth(1)
        .and_then(|rest| rest.split(" s of CPU").next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no CPU time in {failure}"));
    assert!((0.95..2.0).contains(&used), "{used} s of CPU: {failure}");
    println!(
        "cpu_time: {failure} ({:.1} s of wall time)",
        wall.as_secs_f64()
    );

    // Past its open files, the activity gets an ordinary I/O error it reports; its child lives on.
    let failure = failure_of(
        client
            .execute_activity::<u32>("open_many", (100usize,), common::one_attempt(queue))
            .await,
    )
    .await;
    assert_eq!(failure.error_type, "TooManyFiles", "{failure}");
    assert!(
        failure
            .message
            .contains("Too many open files (os error 24)"),
        "{failure}"
    );
    let opened: usize = failure
        .message
        .strip_prefix("opened ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {failure}"));
    assert!((10..32).contains(&opened), "{failure}");
    let pid: u32 = client
        .execute_activity("open_many", (8usize,), common::one_attempt(queue))
        .await
        .unwrap();
    println!("open_files: {failure}; then {pid} opened 8");

    // The metrics: limits hit by kind, and what each attempt used. The 400 MiB allocation is
    // the only attempt of `allocate_touched` that returned, so its peak memory is the sum.
    let address = worker.metrics_address.unwrap();
    let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
        .await
        .unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        let found: Vec<&Value> = samples
            .iter()
            .filter(|s| {
                s["name"] == name && labels.iter().all(|(key, value)| s["labels"][key] == *value)
            })
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?}: {found:?}");
        found.first().and_then(|s| s["value"].as_f64())
    };
    let limits = "activity_runtime_process_resource_limit_total";
    for (activity_type, limit, count) in [
        ("allocate_limited", "memory_limit", 1.0),
        ("allocate_touched", "memory_limit", 1.0),
        ("spin", "cpu_time", 1.0),
    ] {
        assert_eq!(
            value(
                limits,
                &[("activity_type", activity_type), ("limit", limit)]
            ),
            Some(count),
            "{activity_type} {limit}"
        );
    }
    let peak = |suffix: &str| {
        value(
            &format!("activity_runtime_process_peak_memory_{suffix}"),
            &[("activity_type", "allocate_touched")],
        )
    };
    assert_eq!(peak("count"), Some(1.0));
    let peak_bytes = peak("sum").unwrap();
    let allocated = (400 * MIB) as f64;
    assert!(
        (peak_bytes - allocated).abs() < allocated * 0.1,
        "peak {peak_bytes} bytes for an allocation of {allocated}"
    );
    let spin_cpu_ms = value(
        "activity_runtime_process_cpu_time_sum",
        &[("activity_type", "spin")],
    )
    .unwrap();
    // The worker reads a dead child's CPU time from /proc, user and system each in ticks of
    // 10 ms: a little under what the child's timer counted.
    assert!((950.0..2000.0).contains(&spin_cpu_ms), "{spin_cpu_ms} ms");
    println!(
        "metrics: limits counted by kind; peak memory {:.1} MiB for 400 MiB allocated; spin used \
         {spin_cpu_ms} ms of CPU",
        peak_bytes / MIB as f64
    );

    // A Python workflow sees both failures typed, with the limit and the figures in the details.
    let report = common::run_python_workflow("resource_limit", queue).await;
    let memory = &report["allocate_limited"];
    assert_eq!(memory["type"], "ActivityResourceLimit", "{report:#}");
    assert_eq!(memory["non_retryable"], false, "{report:#}");
    assert_eq!(
        memory["details"],
        json!([{
            "limit": "memory_limit",
            "value": "64 MiB",
            "set_by": "activity",
            "limit_bytes": 64 * MIB,
            "requested_bytes": 100 * MIB,
        }]),
        "{report:#}"
    );
    let cpu = &report["spin"];
    assert_eq!(cpu["type"], "ActivityResourceLimit", "{report:#}");
    assert_eq!(cpu["non_retryable"], true, "{report:#}");
    let details = &cpu["details"][0];
    assert_eq!(details["limit"], "cpu_time", "{report:#}");
    assert_eq!(details["value"], "1 s", "{report:#}");
    assert_eq!(details["limit_ms"], 1000, "{report:#}");
    let used_ms = details["used_ms"].as_u64().unwrap();
    assert!((950..2000).contains(&used_ms), "{report:#}");
    println!("the failures as Python sees them: {report}");

    worker.stop().await;
}

/// The separate worker's environment holds secrets; its children see none of them, and an
/// allowlisted variable crosses. `separate` is the worker's process and its task queue.
pub async fn environment(client: &Client, separate: &(std::process::Child, String)) {
    let environ = |pid: u32| -> Vec<String> {
        let bytes = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        bytes
            .split(|&b| b == 0)
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    };
    let has = |env: &[String], name: &str| env.iter().any(|v| v.starts_with(&format!("{name}=")));
    let worker_env = environ(separate.0.id());
    for secret in [
        "TEMPORAL_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "LIMITS_TEST_ALLOWED",
    ] {
        assert!(has(&worker_env, secret), "the worker lacks {secret}");
    }
    let queue = &separate.1;
    let pid: u32 = client
        .execute_activity("child_pid", (), common::one_attempt(queue))
        .await
        .unwrap();
    let env = environ(pid);
    assert!(has(&env, "PATH"), "{env:?}");
    for hidden in [
        "TEMPORAL_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "LIMITS_TEST_ALLOWED",
    ] {
        assert!(!has(&env, hidden), "{hidden} crossed: {env:?}");
    }
    let allowed_pid: u32 = client
        .execute_activity("child_pid_allowed", (), common::one_attempt(queue))
        .await
        .unwrap();
    assert_ne!(allowed_pid, pid);
    let allowed = environ(allowed_pid);
    assert!(
        allowed.contains(&"LIMITS_TEST_ALLOWED=yes".to_owned()),
        "{allowed:?}"
    );
    for hidden in ["TEMPORAL_API_KEY", "AWS_SECRET_ACCESS_KEY"] {
        assert!(!has(&allowed, hidden), "{hidden} crossed: {allowed:?}");
    }
    let names = |env: &[String]| -> Vec<String> {
        env.iter()
            .filter_map(|v| v.split('=').next().map(str::to_owned))
            .collect()
    };
    println!(
        "environment: the worker has {} variables, its child {:?}, with inherit_env {:?}",
        worker_env.len(),
        names(&env),
        names(&allowed)
    );
}
