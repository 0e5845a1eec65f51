//! Process-isolated activities against a real dev server. A test binary of its own with
//! `harness = false`: the worker re-executes this binary for its children, and `main` starts with
//! `activity_runtime::process::init()` as a user's `main` would.

mod common;

use std::time::{Duration, Instant};

use activity_runtime::client::ClientError;
use activity_runtime::{ActivityContext, ActivityError, Bytes, activities, activity};

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

fn main() {
    activity_runtime::process::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        let worker = common::start_worker_with(
            "process",
            activities![crash_or_pid, echo, loop_forever],
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
        println!(
            "process_isolation: 4 scenarios passed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
}
