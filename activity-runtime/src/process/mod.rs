//! Process-isolated activities: `#[activity(isolation = "process")]` runs the function in a child
//! process from a pool the worker owns, so that a crash (`abort()`, a segfault, `panic = "abort"`,
//! the OOM killer) fails only that attempt. Unix only: elsewhere the attribute is a compile error.
//!
//! The child is this same executable, started again from `/proc/<worker pid>/exe` (so a binary
//! replaced on disk during a deploy does not matter) with `ACTIVITY_RUNTIME_CHILD` set; the one
//! line [`init`] at the start of `main` makes it serve activities instead of running `main`.
//! Parent and child talk over a Unix socket (`protocol`); the child's stdout is the worker's, its
//! stderr passes through the worker, which keeps the last lines to say why a child died.
//! `entry` finds the activity's function in the child (the crate's only `unsafe`), `child` is the
//! child's side, `pool` the worker's, `limits` how a child holds itself to its
//! [`ProcessLimits`](crate::limits::ProcessLimits) and measures each attempt.

#[cfg(unix)]
mod child;
#[cfg(unix)]
#[allow(unsafe_code)]
mod entry;
#[cfg(unix)]
mod limits;
#[cfg(all(unix, feature = "worker"))]
mod pool;
#[cfg(unix)]
mod protocol;

#[cfg(all(unix, feature = "worker"))]
pub(crate) use pool::{ChildObserver, ChildUsage, ProcessHandle, ProcessOptions, ProcessPool};

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
///
/// On platforms other than Unix it always returns at once.
pub fn init() {
    #[cfg(unix)]
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

/// Which file a process runs: its device and inode, the same for the worker and every child it
/// started from `/proc/<pid>/exe`, different for any other build.
#[cfg(unix)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Executable {
    device: u64,
    inode: u64,
}

#[cfg(unix)]
impl Executable {
    /// The executable this process runs, even when its path has been replaced or removed since.
    fn current() -> std::io::Result<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let metadata = if cfg!(target_os = "linux") {
            std::fs::metadata("/proc/self/exe")?
        } else {
            std::fs::metadata(std::env::current_exe()?)?
        };
        Ok(Self {
            device: metadata.dev(),
            inode: metadata.ino(),
        })
    }
}

#[cfg(unix)]
impl std::fmt::Display for Executable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "device {} inode {}", self.device, self.inode)
    }
}
