//! Process-isolated activities against a real dev server. A test binary of its own with
//! `harness = false`: the worker re-executes this binary for its children, and `main` starts with
//! `activity_runtime::process::init()` as a user's `main` would.

mod common;
#[path = "process_isolation/limits.rs"]
mod limits;

use std::time::{Duration, Instant};

use activity_runtime::client::ClientError;
use activity_runtime::interceptors::{self, Attempt, Next};
use activity_runtime::{ActivityContext, ActivityError, Bytes, activities, activity};
use serde_json::{Value, json};

/// Aborts the child when asked to; otherwise says which process it ran in.
#[activity(isolation = "process")]
fn crash_or_pid(crash: bool) -> u32 {
    if crash {
        std::process::abort();
    }
    std::process::id()
}

/// Arguments and results cross as payload bytes, raw bytes included.
#[activity(isolation = "process")]
fn echo(
    ctx: ActivityContext,
    data: Vec<u8>,
    text: String,
) -> Result<(Bytes, String, u32, String), ActivityError> {
    Ok((
        Bytes(data.iter().rev().copied().collect()),
        format!("{text}!"),
        std::process::id(),
        ctx.info().activity_id.clone(),
    ))
}

/// Writes its pid to `pid_file`, then heartbeats forever, ignoring cancellation: the worker tells
/// the child, then kills it after the grace period.
#[activity(isolation = "process")]
fn loop_forever(ctx: ActivityContext, pid_file: String) -> Result<(), ActivityError> {
    std::fs::write(&pid_file, std::process::id().to_string())
        .map_err(|e| ActivityError::new(e.to_string()))?;
    let mut beat = 0u64;
    loop {
        beat += 1;
        ctx.heartbeat(&beat)?;
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A failure with everything a failure can carry: type, details, a retry delay, the benign
/// category and a cause.
#[activity(isolation = "process")]
fn fail_in_child(reason: String) -> Result<(), ActivityError> {
    let cause = std::io::Error::other(format!("{reason} by the issuer"));
    let err = anyhow::Error::new(cause).context("charging the card");
    Err(ActivityError::from(err)
        .with_type("PaymentError")
        .with_details(&json!({"code": 51}))
        .next_retry_delay(Duration::from_millis(1500))
        .benign())
}

/// What a context holds, as JSON: the same function on a thread and in a child.
fn describe(ctx: &ActivityContext) -> Value {
    let mut headers: Vec<&String> = ctx.headers().keys().collect();
    headers.sort();
    json!({"info": ctx.info(), "headers": headers})
}

#[activity(isolation = "thread")]
fn context_on_thread(ctx: ActivityContext) -> Value {
    describe(&ctx)
}

#[activity(isolation = "process")]
fn context_in_child(ctx: ActivityContext) -> Value {
    describe(&ctx)
}

/// Allocates `bytes` at once (and touches them, so that it is real).
#[activity(isolation = "process")]
fn allocate(bytes: usize) -> usize {
    let block = vec![1u8; bytes];
    block.iter().step_by(4096).map(|&b| usize::from(b)).sum()
}

/// Creates `marker`, heartbeats, records metrics, and says which process it ran in.
#[activity(isolation = "process")]
fn mark_and_beat(ctx: ActivityContext, marker: String) -> Result<u32, ActivityError> {
    std::fs::write(&marker, b"ran").map_err(|e| ActivityError::new(e.to_string()))?;
    ctx.heartbeat("from the child")?;
    let meter = ctx.metric_meter();
    meter.counter("marks_made", "Marks made").add(3);
    meter
        .with_labels([("shade", "dark")])
        .histogram("mark_size", "Size of the marks", "bytes")
        .record(42);
    Ok(std::process::id())
}

/// Set when this binary runs as a separate worker process (see `separate_worker`).
const ROLE_ENV: &str = "PROCESS_ISOLATION_TEST_WORKER";

fn main() {
    activity_runtime::process::init();
    if let Ok(task_queue) = std::env::var(ROLE_ENV) {
        return serve_as_separate_worker(&task_queue);
    }
    // The worker's spans as they close, with the fields recorded in them (what each attempt's
    // child used).
    let logs = common::CapturedLogs::default();
    {
        use tracing_subscriber::util::SubscriberInitExt as _;
        let logs = logs.clone();
        tracing_subscriber::fmt()
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_ansi(false)
            .with_writer(move || logs.clone())
            .finish()
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        let worker = common::start_worker_with(
            "process",
            activities![
                crash_or_pid,
                echo,
                loop_forever,
                fail_in_child,
                context_on_thread,
                context_in_child
            ],
            |b| {
                b.process_pool_size(2)
                    .process_grace_period(Duration::from_millis(500))
            },
        )
        .await;
        let client = common::client().await;
        let queue = &worker.task_queue;

        // An abort fails the attempt, naming the signal and the child's pid.
        let result = client
            .execute_activity::<u32>("crash_or_pid", (true,), common::one_attempt(queue))
            .await;
        let message = format!("{result:?}");
        assert!(message.contains("SIGABRT"), "{message}");
        let crashed_pid: u32 = message
            .split("pid ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| panic!("no pid in {message}"));
        println!("abort: {message}");

        // The next activity is served by a fresh child; inputs and results round-trip.
        let (reversed, text, pid, id): (Vec<u8>, String, u32, String) = client
            .execute_activity(
                "echo",
                (Bytes(vec![0, 1, 2, 255]), "hi"),
                common::one_attempt(queue).id("echo-1"),
            )
            .await
            .unwrap();
        assert_eq!(reversed, [255, 2, 1, 0]);
        assert_eq!(text, "hi!");
        assert_eq!(id, "echo-1");
        assert_ne!(pid, crashed_pid);
        assert_ne!(pid, std::process::id());
        let again: u32 = client
            .execute_activity("crash_or_pid", (false,), common::one_attempt(queue))
            .await
            .unwrap();
        assert_ne!(again, crashed_pid);
        println!("echo served by child {pid}, then {again}");

        // A looping, heartbeating child is cancelled through the client: told, then killed.
        let pid_file = std::env::temp_dir().join(format!("loop-{}.pid", std::process::id()));
        let _ = std::fs::remove_file(&pid_file);
        let handle = client
            .start_activity(
                "loop_forever",
                (pid_file.to_str().unwrap(),),
                common::one_attempt(queue).heartbeat_timeout(Duration::from_secs(2)),
            )
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let loop_pid: u32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|s| s.parse().ok())
            {
                break pid;
            }
            assert!(
                Instant::now() < deadline,
                "the looping activity never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(std::path::Path::new(&format!("/proc/{loop_pid}")).exists());
        handle.cancel("test").await.unwrap();
        let result = handle.result::<()>().await;
        assert!(matches!(result, Err(ClientError::Cancelled)), "{result:?}");
        assert!(
            !std::path::Path::new(&format!("/proc/{loop_pid}")).exists(),
            "child {loop_pid} still exists after the cancellation"
        );
        let _ = std::fs::remove_file(&pid_file);
        println!("loop_forever child {loop_pid} cancelled and gone");

        // A failure crosses from the child with its details, retry delay, category and cause,
        // and a Python workflow sees all of them.
        let report = common::run_python_workflow("process_failure", queue).await;
        assert_eq!(
            report,
            json!({
                "type": "PaymentError",
                "message": "charging the card",
                "non_retryable": false,
                "details": [{"code": 51}],
                "next_retry_delay_ms": 1500,
                "category": "BENIGN",
                "cause_message": "card declined by the issuer",
            }),
            "{report:#}"
        );
        println!("failure from the child as Python sees it: {report}");

        // The child's context holds what the same function sees on a thread: the same info
        // (timeouts, retry policy, namespace...) but for what differs per activity.
        let options = |id: &str| {
            common::one_attempt(queue)
                .id(id)
                .heartbeat_timeout(Duration::from_secs(20))
                .schedule_to_close_timeout(Duration::from_secs(60))
                .initial_retry_interval(Duration::from_millis(700))
        };
        let mut on_thread: Value = client
            .execute_activity("context_on_thread", (), options("ctx-thread"))
            .await
            .unwrap();
        let mut in_child: Value = client
            .execute_activity("context_in_child", (), options("ctx-child"))
            .await
            .unwrap();
        for (value, id, activity_type) in [
            (&mut in_child, "ctx-child", "context_in_child"),
            (&mut on_thread, "ctx-thread", "context_on_thread"),
        ] {
            let info = value["info"].as_object_mut().unwrap();
            assert_eq!(info.remove("activity_id"), Some(json!(id)));
            assert_eq!(info.remove("activity_type"), Some(json!(activity_type)));
            for per_activity in [
                "activity_run_id",
                "task_token",
                "scheduled_time",
                "current_attempt_scheduled_time",
                "started_time",
            ] {
                let removed = info.remove(per_activity).unwrap_or(Value::Null);
                assert!(!removed.is_null(), "{per_activity} missing in {id}");
            }
        }
        assert_eq!(in_child, on_thread);
        let info = &in_child["info"];
        assert_eq!(
            info["heartbeat_timeout"],
            json!({"secs": 20, "nanos": 0}),
            "{info}"
        );
        assert_eq!(
            info["retry_policy"]["initial_interval"],
            json!({"secs": 0, "nanos": 700_000_000}),
            "{info}"
        );
        println!("the child's context equals the thread's: {in_child}");

        // An idle child is killed when the worker stops: none outlives it.
        let idle: u32 = client
            .execute_activity("crash_or_pid", (false,), common::one_attempt(queue))
            .await
            .unwrap();
        assert!(std::path::Path::new(&format!("/proc/{idle}")).exists());
        worker.stop().await;
        assert!(
            !std::path::Path::new(&format!("/proc/{idle}")).exists(),
            "child {idle} outlived the worker"
        );
        println!("idle child {idle} gone with the worker");

        // Under a memory limit set through the process wrapper, a child whose allocation fails
        // says so, not only "SIGABRT".
        let limited = common::start_worker_with("process-limited", activities![allocate], |b| {
            b.process_pool_size(1)
                .process_wrapper(["prlimit", "--as=1000000000", "--"])
        })
        .await;
        let small: usize = client
            .execute_activity(
                "allocate",
                (1usize << 20,),
                common::one_attempt(&limited.task_queue),
            )
            .await
            .unwrap();
        assert_eq!(small, 256);
        let result = client
            .execute_activity::<usize>(
                "allocate",
                (2usize << 30,),
                common::one_attempt(&limited.task_queue),
            )
            .await;
        let message = format!("{result:?}");
        assert!(
            message.contains("ran out of memory: memory allocation of 2147483648 bytes failed"),
            "{message}"
        );
        limited.stop().await;
        println!("allocation failure under prlimit: {message}");

        // The worker's executable replaced on disk while it runs (a deploy): its next child still
        // starts, from the file the worker runs.
        let copy = std::env::temp_dir().join(format!("process-isolation-{}", std::process::id()));
        std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
        let mut separate = separate_worker(&copy, &[], &[]).await;
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, b"#!/bin/sh\nexit 97\n").unwrap();
        let pid: u32 = client
            .execute_activity("crash_or_pid", (false,), common::one_attempt(&separate.1))
            .await
            .unwrap();
        assert_ne!(pid, separate.0.id());
        let _ = separate.0.kill();
        let _ = separate.0.wait();
        let _ = std::fs::remove_file(&copy);
        println!("executable replaced on disk: child {pid} served from the running file");

        // A wrapper that starts another build (here another file, the same bytes) has its child
        // refused before it is given any work.
        let other =
            std::env::temp_dir().join(format!("process-isolation-other-{}", std::process::id()));
        std::fs::copy(std::env::current_exe().unwrap(), &other).unwrap();
        let wrapper = format!("exec {}", other.display());
        let mut refusing = separate_worker(
            &std::env::current_exe().unwrap(),
            &["sh", "-c", &wrapper, "sh"],
            &[],
        )
        .await;
        let result = client
            .execute_activity::<u32>("crash_or_pid", (false,), common::one_attempt(&refusing.1))
            .await;
        let message = format!("{result:?}");
        assert!(message.contains("runs another executable"), "{message}");
        let _ = refusing.0.kill();
        let _ = refusing.0.wait();
        let _ = std::fs::remove_file(&other);
        println!("child of another build refused: {message}");

        // Interceptors run in the worker, around the child: an authorizing layer refuses before
        // any child runs the function; a heartbeat hook sees the child's heartbeats.
        let heartbeats = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let intercepted = {
            let heartbeats = heartbeats.clone();
            common::start_worker_with("process-intercepted", activities![mark_and_beat], |b| {
                b.process_pool_size(1)
                    .metrics(activity_runtime::Metrics::prometheus(
                        "127.0.0.1:0".parse().unwrap(),
                    ))
                    .layer(interceptors::from_fn(|attempt: Attempt, next: Next| async move {
                        if !attempt.headers().contains_key("authorization") {
                            return Err(ActivityError::new("no authorization header")
                                .with_type("Unauthorized")
                                .non_retryable());
                        }
                        next.run(attempt).await
                    }))
                    .on_heartbeat(move |info, details| {
                        let detail: String =
                            activity_runtime::payload::from_payload(&details[0]).unwrap();
                        heartbeats
                            .lock()
                            .unwrap()
                            .push(format!("{}: {detail}", info.activity_type));
                    })
            })
            .await
        };
        let marker = std::env::temp_dir().join(format!("intercepted-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let marker_arg = marker.display().to_string();
        let refused = client
            .execute_activity::<u32>(
                "mark_and_beat",
                (&marker_arg,),
                common::one_attempt(&intercepted.task_queue),
            )
            .await;
        let Err(ClientError::Failed(failure)) = refused else {
            panic!("unauthorized attempt: {refused:?}");
        };
        let cause = failure.cause.as_deref().unwrap_or(&failure);
        assert_eq!(cause.error_type, "Unauthorized", "{failure}");
        assert!(cause.non_retryable, "{failure}");
        assert!(!marker.exists(), "the child ran the refused activity");
        let pid: u32 = client
            .execute_activity(
                "mark_and_beat",
                (&marker_arg,),
                common::one_attempt(&intercepted.task_queue).header(
                    "authorization",
                    activity_runtime::payload::to_payload("token").unwrap(),
                ),
            )
            .await
            .unwrap();
        assert!(marker.exists());
        assert_ne!(pid, std::process::id());
        assert_eq!(
            *heartbeats.lock().unwrap(),
            ["mark_and_beat: from the child"]
        );
        let _ = std::fs::remove_file(&marker);
        // One child started, by the authorized attempt, counted.
        let address = intercepted.metrics_address.unwrap();
        let samples = tokio::task::spawn_blocking(move || common::scrape_metrics(address))
            .await
            .unwrap();
        let children: Vec<&Value> = samples
            .iter()
            .filter(|s| s["name"] == "activity_runtime_process_child_started_total")
            .collect();
        assert_eq!(children.len(), 1, "{children:?}");
        assert_eq!(children[0]["labels"]["activity_type"], "mark_and_beat");
        assert_eq!(children[0]["value"], 1.0);
        // What the child recorded crossed to the worker, with the worker's labels and its own.
        let sample = |name: &str| -> &Value {
            let found: Vec<&Value> = samples.iter().filter(|s| s["name"] == name).collect();
            assert_eq!(found.len(), 1, "one `{name}`: {found:?}");
            found[0]
        };
        let marks = sample("marks_made_total");
        assert_eq!(marks["value"], 3.0);
        assert_eq!(marks["labels"]["activity_type"], "mark_and_beat");
        assert_eq!(
            marks["labels"]["task_queue"],
            intercepted.task_queue.as_str()
        );
        let size = sample("mark_size_sum");
        assert_eq!(size["value"], 42.0);
        assert_eq!(size["labels"]["shade"], "dark");
        assert_eq!(size["labels"]["activity_type"], "mark_and_beat");
        intercepted.stop().await;
        println!("interceptors around a child: refused before it ran, its heartbeat seen, one child counted, its metrics exported");

        // Limits of the child process: memory, CPU time, open files; what it inherits of a
        // worker whose environment holds secrets.
        limits::scenarios(&client, &logs).await;
        let mut secretive = separate_worker(
            &std::env::current_exe().unwrap(),
            &[],
            &[
                ("TEMPORAL_API_KEY", "secret-api-key"),
                ("AWS_SECRET_ACCESS_KEY", "secret-aws-key"),
                ("LIMITS_TEST_ALLOWED", "yes"),
            ],
        )
        .await;
        limits::environment(&client, &secretive).await;
        let _ = secretive.0.kill();
        let _ = secretive.0.wait();

        println!(
            "process_isolation: 16 scenarios passed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
}

/// Starts `exe` (this test binary or a copy of it) as a worker of its own on a fresh task queue,
/// its children started through `wrapper`; returns it once it serves, with its task queue.
async fn separate_worker(
    exe: &std::path::Path,
    wrapper: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let task_queue = common::unique_task_queue("process-separate");
    let mut child = std::process::Command::new(exe)
        .env(ROLE_ENV, &task_queue)
        .env(
            "PROCESS_ISOLATION_TEST_ADDRESS",
            common::server().await.address(),
        )
        .env("PROCESS_ISOLATION_TEST_WRAPPER", wrapper.join("\u{1f}"))
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Reads until "serving", then drains the pipe to its end (the children share it).
    let (serving, ready) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut serving = Some(serving);
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line == "serving"
                && let Some(serving) = serving.take()
            {
                let _ = serving.send(());
            }
        }
    });
    assert!(ready.await.is_ok(), "the separate worker did not start");
    (child, task_queue)
}

/// The separate worker's `main`: serves `crash_or_pid` and the environment's activities until
/// killed.
fn serve_as_separate_worker(task_queue: &str) {
    let mut address = std::env::var("PROCESS_ISOLATION_TEST_ADDRESS").unwrap();
    if std::env::var_os("TEMPORAL_API_KEY").is_some() {
        // An API key turns TLS on, which the dev server does not speak, unless the URL says
        // `http://`.
        address = format!("http://{address}");
    }
    let wrapper: Vec<String> = std::env::var("PROCESS_ISOLATION_TEST_WRAPPER")
        .unwrap_or_default()
        .split('\u{1f}')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let worker = activity_runtime::Worker::builder()
            .target(&address)
            .task_queue(task_queue)
            .register(activities![
                crash_or_pid,
                limits::child_pid,
                limits::child_pid_allowed
            ])
            .process_wrapper(wrapper)
            .build()
            .await
            .unwrap();
        println!("serving");
        worker.run().await.unwrap();
    });
}
