//! A blocking activity that heartbeats its progress and, when an attempt fails, resumes on the
//! next attempt from the last heartbeat instead of starting over.
//!
//! `import_rows` stands for any long synchronous job (a file to parse, rows to copy through a
//! blocking database driver): a plain `fn`, so it runs on the worker's blocking threads, never on
//! the async ones. After each row it heartbeats `ImportProgress`. Heartbeats are cheap: the worker
//! core keeps the latest and sends one at most every 80 % of the heartbeat timeout, and when the
//! attempt fails it sends the latest with the failure, so the next attempt reads exactly where
//! this one stopped (`ctx.heartbeat_details()`).
//!
//! Call it with a heartbeat timeout, so that a worker that dies mid-import is noticed within it
//! and the retry starts on another worker (from the last heartbeat too):
//!
//! ```python
//! await workflow.execute_activity(
//!     "import_rows", args=[200, 120], task_queue="hello-activities",
//!     start_to_close_timeout=timedelta(minutes=5), heartbeat_timeout=timedelta(seconds=10))
//! ```

use std::time::Duration;

use activity_runtime::{ActivityContext, ActivityError, activity};
use serde::{Deserialize, Serialize};

/// What `import_rows` heartbeats: the next row to import.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ImportProgress {
    /// The first row not imported yet.
    pub next_row: u32,
}

/// What `import_rows` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Rows imported in all (by every attempt together).
    pub rows: u32,
    /// The row this attempt started at: 0 on a first attempt, the last heartbeat's `next_row` on
    /// a retry.
    pub resumed_at: u32,
    /// The attempt that finished (1 for the first).
    pub attempt: u32,
}

/// How long importing one row takes (a stand-in for the real work).
const ROW_TIME: Duration = Duration::from_millis(5);

/// Imports `rows` rows, one by one, heartbeating after each. A retry resumes at the last
/// heartbeat's row.
///
/// `fail_first_attempt_at` makes the first attempt fail at that row with the retryable
/// `ConnectionLost`, as a dropped database connection would, to show the resume; pass `None` in
/// real use.
#[activity]
pub fn import_rows(
    ctx: ActivityContext,
    rows: u32,
    fail_first_attempt_at: Option<u32>,
) -> Result<ImportReport, ActivityError> {
    let resumed_at = ctx
        .heartbeat_details::<ImportProgress>()?
        .map_or(0, |progress| progress.next_row);
    let attempt = ctx.info().attempt;
    tracing::info!(resumed_at, rows, "importing");
    for row in resumed_at..rows {
        // A thread is never killed: a cancelled blocking activity must notice and return.
        if ctx.is_cancelled() {
            return Err(ActivityError::cancelled());
        }
        if attempt == 1 && fail_first_attempt_at == Some(row) {
            return Err(
                ActivityError::new(format!("the connection dropped at row {row}"))
                    .with_type("ConnectionLost"),
            );
        }
        std::thread::sleep(ROW_TIME);
        ctx.heartbeat(&ImportProgress { next_row: row + 1 })?;
    }
    Ok(ImportReport {
        rows,
        resumed_at,
        attempt,
    })
}
