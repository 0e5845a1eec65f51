//! How a child holds itself to its [`ProcessLimits`](crate::limits::ProcessLimits) and measures
//! what an attempt used; and how the worker reads the CPU time of a child that died. The system
//! calls go through `nix`.
//!
//! - Memory and open files hold for the child's whole life: `RLIMIT_DATA` and `RLIMIT_NOFILE`,
//!   soft and hard alike, so that the activity cannot raise them again ([`apply`]).
//! - CPU time is per attempt, and a child serves many: `RLIMIT_CPU` counts whole seconds of the
//!   process's life and its hard limit can never be raised again, so instead two POSIX timers on
//!   the process's CPU clock are armed for the attempt ([`CpuGuard`]): SIGXCPU at the limit (its
//!   default action ends the child, without a core file: the core limit is 0 meanwhile), SIGKILL
//!   one CPU-second later for a child that catches or ignores it. Where those timers do not exist
//!   (macOS), the soft `RLIMIT_CPU` is set instead, to the next whole second past the limit.
//! - Peak memory per attempt: Linux's resident high-water mark (`VmHWM`), reset before each
//!   attempt (`/proc/self/clear_refs`); elsewhere the process's peak so far.

use std::io;
use std::time::Duration;

use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};

use super::protocol::{Setup, Usage};

/// Applies the child's lifelong limits. A limit above the worker's own hard limit is lowered to
/// it (only privileged processes may raise one).
pub(super) fn apply(setup: &Setup) -> io::Result<()> {
    let limit = |resource: Resource, value: u64| -> io::Result<()> {
        let (_, hard) = getrlimit(resource)?;
        let value = value.min(hard);
        setrlimit(resource, value, value)?;
        Ok(())
    };
    if let Some(bytes) = setup.memory_limit {
        limit(Resource::RLIMIT_DATA, bytes)?;
    }
    if let Some(files) = setup.open_files {
        limit(Resource::RLIMIT_NOFILE, files)?;
    }
    Ok(())
}

/// The CPU time this process has used, every thread, user and system.
pub(super) fn cpu_total() -> Duration {
    getrusage(UsageWho::RUSAGE_SELF).map_or(Duration::ZERO, |usage| {
        let micros = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(t.tv_sec().max(0) as u64)
                + Duration::from_micros(t.tv_usec().max(0) as u64)
        };
        micros(usage.user_time()) + micros(usage.system_time())
    })
}

/// Measures one attempt: started before it, finished after.
pub(super) struct Measure {
    cpu_at_start: Duration,
}

impl Measure {
    pub(super) fn start() -> Self {
        reset_peak_memory();
        Self {
            cpu_at_start: cpu_total(),
        }
    }

    pub(super) fn finish(self) -> Usage {
        let cpu_total = cpu_total();
        Usage {
            cpu_time: cpu_total.saturating_sub(self.cpu_at_start),
            cpu_total,
            peak_memory: peak_memory(),
        }
    }
}

#[cfg(target_os = "linux")]
fn reset_peak_memory() {
    // "5" resets the peak resident set size to the current one (Linux 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[cfg(not(target_os = "linux"))]
fn reset_peak_memory() {}

#[cfg(target_os = "linux")]
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(not(target_os = "linux"))]
fn peak_memory() -> Option<u64> {
    // In bytes on macOS, kilobytes on the BSDs.
    let max_rss = getrusage(UsageWho::RUSAGE_SELF).ok()?.max_rss();
    let scale = if cfg!(target_os = "macos") { 1 } else { 1024 };
    u64::try_from(max_rss).ok().map(|rss| rss * scale)
}

/// How much CPU time a child that catches SIGXCPU has before SIGKILL.
pub(super) const CPU_GRACE: Duration = Duration::from_secs(1);

/// The CPU-time limit of one attempt, armed while it lives.
pub(super) struct CpuGuard {
    #[cfg(target_os = "linux")]
    _timers: [nix::sys::timer::Timer; 2],
    /// The soft and hard limit to restore: the core limit on Linux, the CPU limit elsewhere.
    restore: (Resource, u64, u64),
}

impl CpuGuard {
    #[cfg(target_os = "linux")]
    pub(super) fn arm(limit: Duration) -> io::Result<Self> {
        use nix::sys::signal::{SigEvent, SigevNotify, Signal};
        use nix::sys::time::TimeSpec;
        use nix::sys::timer::{Expiration, Timer, TimerSetTimeFlags};
        use nix::time::ClockId;

        let (soft, hard) = getrlimit(Resource::RLIMIT_CORE)?;
        let timer = |signal: Signal, after: Duration| -> io::Result<Timer> {
            let event = SigEvent::new(SigevNotify::SigevSignal {
                signal,
                si_value: 0,
            });
            let mut timer = Timer::new(ClockId::CLOCK_PROCESS_CPUTIME_ID, event)?;
            timer.set(
                Expiration::OneShot(TimeSpec::from_duration(after)),
                TimerSetTimeFlags::empty(),
            )?;
            Ok(timer)
        };
        // A child ended by its limit writes no core file.
        setrlimit(Resource::RLIMIT_CORE, 0, hard)?;
        let guard = Self {
            _timers: [
                timer(Signal::SIGXCPU, limit)?,
                timer(Signal::SIGKILL, limit + CPU_GRACE)?,
            ],
            restore: (Resource::RLIMIT_CORE, soft, hard),
        };
        Ok(guard)
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn arm(limit: Duration) -> io::Result<Self> {
        let (soft, hard) = getrlimit(Resource::RLIMIT_CPU)?;
        let at = (cpu_total() + limit).as_secs_f64().ceil() as u64;
        setrlimit(Resource::RLIMIT_CPU, at.min(hard), hard)?;
        Ok(Self {
            restore: (Resource::RLIMIT_CPU, soft, hard),
        })
    }
}

impl Drop for CpuGuard {
    fn drop(&mut self) {
        let (resource, soft, hard) = self.restore;
        let _ = setrlimit(resource, soft, hard);
    }
}

/// The CPU time a child used in all, once it has died: waited for without reaping it (the
/// caller's `Child::wait` does that), then read from `/proc/<pid>/stat`. Linux only.
#[cfg(all(target_os = "linux", feature = "worker"))]
pub(super) fn cpu_total_of_dead(pid: u32) -> Option<Duration> {
    use nix::sys::wait::{Id, WaitPidFlag, waitid};
    waitid(
        Id::Pid(nix::unistd::Pid::from_raw(pid as i32)),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
    )
    .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command's parenthesised name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Clock ticks of `USER_HZ`, 100 a second on every Linux ABI.
    Some(Duration::from_millis(ticks * 10))
}

#[cfg(all(not(target_os = "linux"), feature = "worker"))]
pub(super) fn cpu_total_of_dead(_pid: u32) -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the limits add to each attempt in the child: the measures around it and the CPU
    /// timers armed and disarmed. Its median must stay far under the 0.2 ms a child process may
    /// spend on them.
    #[test]
    fn the_work_of_each_attempt_is_cheap() {
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = std::time::Instant::now();
                let measure = Measure::start();
                let guard = CpuGuard::arm(Duration::from_secs(3600)).unwrap();
                drop(guard);
                let usage = measure.finish();
                assert!(usage.cpu_total >= usage.cpu_time);
                started.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "per attempt: median {:?}, p90 {:?}",
            median,
            times[times.len() * 9 / 10]
        );
        assert!(median < Duration::from_micros(200), "{median:?}");
        if cfg!(target_os = "linux") {
            assert!(Measure::start().finish().peak_memory.is_some());
        }
    }
}
