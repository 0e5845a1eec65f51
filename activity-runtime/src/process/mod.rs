//! Process-isolated activities: `#[activity(isolation = "process")]` runs the function in a child
//! process from a pool the worker owns, so that a crash (`abort()`, a segfault, `panic = "abort"`,
//! the OOM killer) fails only that attempt.
//!
//! The child is this same binary, started again with `ACTIVITY_RUNTIME_CHILD` set; the one line
//! [`init`] at the start of `main` makes it serve activities instead of running `main`. Parent and
//! child talk over a Unix socket (`protocol`): the child's stdout and stderr stay the worker's,
//! so `println!` in an activity is harmless. `child` is the child's side, `pool` the
//! worker's.

mod child;
#[cfg(feature = "worker")]
mod pool;
mod protocol;

#[cfg(feature = "worker")]
pub(crate) use pool::{ProcessHandle, ProcessPool};

use crate::context::ProcessEntry;

/// Set in a child's environment to the socket path it connects to.
pub const CHILD_ENV: &str = "ACTIVITY_RUNTIME_CHILD";

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
fn offset_of(entry: ProcessEntry) -> i64 {
    entry as usize as i64 - init as *const () as usize as i64
}
