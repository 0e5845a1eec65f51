//! The starts of a worker with `max_activities_per_second`, spaced `1 / rate` apart.
//!
//! The worker core applies the rate when it sends a poll for a task, so every poll already
//! waiting when tasks arrive gets one at once, and tasks it buffered while the worker was busy
//! come out together: measured at the activities, a rate of 5 started 11 or 12 in the first
//! second (the worker also keeps one poll outstanding, see `tuning::RATE_LIMITED_POLLER`). The
//! pacer holds each attempt until its turn, as core holds its polls, so no more than the rate
//! start in any second. (`tower::limit::RateLimit` was evaluated: its state is per clone of the
//! service, and each attempt runs on a clone, and it counts fixed windows, which let twice the
//! rate through across a window's end.)

use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

/// When the next attempt may start.
#[derive(Debug)]
pub(super) struct StartPacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl StartPacer {
    /// Starts `rate` a second at most (`rate` is finite and positive: checked at `build()`).
    pub(super) fn new(rate: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(rate.recip()),
            next: Mutex::new(Instant::now()),
        }
    }

    /// The time the next attempt may start: now, or `1 / rate` after the previous one's.
    pub(super) fn reserve(&self) -> Instant {
        let mut next = self.next.lock();
        let at = (*next).max(Instant::now());
        *next = at + self.interval;
        at
    }
}
