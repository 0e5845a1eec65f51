//! What the child process of a process-isolated activity may use and what it sees: memory, CPU
//! time, open files and the environment it inherits.

use std::fmt;
use std::time::Duration;

use super::MIB;

/// The limits of the child process that runs a process-isolated activity, and the environment
/// variables it inherits beyond [`DEFAULT_INHERITED_ENV`]. `None` (or empty) takes the worker's
/// default ([`WorkerBuilder::process_limits`](crate::WorkerBuilder::process_limits)), else no
/// limit.
///
/// `#[activity(isolation = "process", memory_limit = "512 MiB", cpu_time = "30 s",
/// open_files = 256, inherit_env = ["GDAL_DATA"])]` sets them for one activity; the same value
/// on the worker builder sets defaults for every process-isolated activity, and each option of the
/// attribute wins over the builder's:
///
/// ```
/// use std::time::Duration;
/// use activity_runtime::limits::{MIB, ProcessLimits};
///
/// const LIMITS: ProcessLimits = ProcessLimits::NONE
///     .memory_limit(512 * MIB as u64)
///     .cpu_time(Duration::from_secs(30))
///     .open_files(256)
///     .inherit_env(&["GDAL_DATA", "PROJ_*"]);
/// assert_eq!(LIMITS.open_files, Some(256));
/// ```
///
/// How each limit is enforced, and what an attempt over it sees, is in the guide's chapter
/// "Process-isolated activities".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessLimits {
    /// The most memory the child may hold, in bytes: its data limit (`RLIMIT_DATA`: heap and
    /// private writable mappings). An allocation past it fails, and the attempt fails with
    /// [`RESOURCE_LIMIT`] naming `memory_limit`.
    pub memory_limit: Option<u64>,
    /// The most CPU time (user and system, all threads) one attempt may use. At the limit the
    /// child gets SIGXCPU, which ends it; one CPU-second later, SIGKILL. The attempt fails with
    /// [`RESOURCE_LIMIT`] naming `cpu_time`.
    pub cpu_time: Option<Duration>,
    /// The most files (descriptors) the child may have open (`RLIMIT_NOFILE`). Past it, opening
    /// one more is an ordinary I/O error (`EMFILE`, "Too many open files") for the activity.
    pub open_files: Option<u64>,
    /// Environment variables the child inherits from the worker besides
    /// [`DEFAULT_INHERITED_ENV`]: names, or prefixes ending in `*` (`"PROJ_*"`). The worker's
    /// list and the activity's are both inherited.
    pub inherit_env: &'static [&'static str],
    /// Whether a failure for a limit may be retried: `Some(false)` makes it non-retryable
    /// (`#[activity(non_retryable_limits)]`). Default: retryable.
    pub retryable: Option<bool>,
}

impl ProcessLimits {
    /// No limit, and only [`DEFAULT_INHERITED_ENV`] inherited.
    pub const NONE: Self = Self {
        memory_limit: None,
        cpu_time: None,
        open_files: None,
        inherit_env: &[],
        retryable: None,
    };

    /// Sets the memory limit, in bytes.
    pub const fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Sets the CPU time of one attempt.
    pub const fn cpu_time(mut self, time: Duration) -> Self {
        self.cpu_time = Some(time);
        self
    }

    /// Sets the most open files.
    pub const fn open_files(mut self, files: u64) -> Self {
        self.open_files = Some(files);
        self
    }

    /// Sets the environment variables the child inherits besides [`DEFAULT_INHERITED_ENV`].
    pub const fn inherit_env(mut self, names: &'static [&'static str]) -> Self {
        self.inherit_env = names;
        self
    }

    /// Makes a failure for a limit non-retryable.
    pub const fn non_retryable(mut self) -> Self {
        self.retryable = Some(false);
        self
    }

    /// Whether nothing is set.
    pub fn is_none(&self) -> bool {
        *self == Self::NONE
    }

    /// Why these limits cannot be applied, if they cannot: a memory limit below
    /// [`MIN_MEMORY_LIMIT`], a CPU time of zero, fewer open files than [`MIN_OPEN_FILES`], or an
    /// environment name that is not one (`#[activity]` checks the same at compile time).
    pub fn check(&self) -> Result<(), String> {
        if let Some(bytes) = self.memory_limit
            && bytes < MIN_MEMORY_LIMIT
        {
            return Err(format!(
                "memory_limit of {} is below {}, less than a child process needs to start",
                human_bytes(bytes),
                human_bytes(MIN_MEMORY_LIMIT)
            ));
        }
        if self.cpu_time == Some(Duration::ZERO) {
            return Err("cpu_time is zero: no attempt could run".to_owned());
        }
        if let Some(files) = self.open_files
            && files < MIN_OPEN_FILES
        {
            return Err(format!(
                "open_files of {files} is below {MIN_OPEN_FILES}, fewer than a child process \
                 needs for itself (its standard streams and the socket to the worker)"
            ));
        }
        for name in self.inherit_env {
            check_env_name(name).map_err(|why| format!("inherit_env: {why}"))?;
        }
        Ok(())
    }

    /// `self`, each unset limit taken from `defaults` (the worker's), the environment lists
    /// joined.
    pub(crate) fn or(&self, defaults: &ProcessLimits) -> ResolvedLimits {
        let pick = |own: Option<u64>, default: Option<u64>| match (own, default) {
            (Some(value), _) => Some((value, LimitOrigin::Activity)),
            (None, Some(value)) => Some((value, LimitOrigin::Worker)),
            (None, None) => None,
        };
        ResolvedLimits {
            memory_limit: pick(self.memory_limit, defaults.memory_limit),
            cpu_time: match (self.cpu_time, defaults.cpu_time) {
                (Some(time), _) => Some((time, LimitOrigin::Activity)),
                (None, Some(time)) => Some((time, LimitOrigin::Worker)),
                (None, None) => None,
            },
            open_files: pick(self.open_files, defaults.open_files),
            inherit_env: defaults
                .inherit_env
                .iter()
                .chain(self.inherit_env)
                .copied()
                .collect(),
            retryable: self.retryable.or(defaults.retryable).unwrap_or(true),
        }
    }
}

/// The failure type of an attempt whose child process went over one of its [`ProcessLimits`]:
/// `ActivityResourceLimit`, retryable unless the activity says otherwise. Its details are one
/// JSON object: `limit` (`"memory_limit"` or `"cpu_time"`), `value` (as written, `"512 MiB"`),
/// `set_by` (`"activity"` or `"worker"`), and the figures: `limit_bytes` and `requested_bytes`
/// (the allocation that failed), or `limit_ms` and `used_ms` (the CPU time the attempt used).
pub const RESOURCE_LIMIT: &str = "ActivityResourceLimit";

/// What a child process inherits from the worker's environment without being asked: what
/// locates things (`PATH`, `HOME`, `TMPDIR`, `LD_LIBRARY_PATH` to load the same executable,
/// `XDG_RUNTIME_DIR` and `DBUS_SESSION_BUS_ADDRESS` for a `process_wrapper` such as
/// `systemd-run --user`), the locale and time zone, and Rust's own switches. Nothing else crosses: not the worker's
/// `TEMPORAL_*` connection settings (its API key, TLS key paths), not `AWS_*` or other cloud
/// credentials, not the variables of its storage settings. Add names with
/// [`ProcessLimits::inherit_env`].
pub const DEFAULT_INHERITED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "DYLD_FALLBACK_LIBRARY_PATH",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUST_LOG",
    "RUST_MIN_STACK",
];

/// The smallest memory limit: 16 MiB, about what a child needs to start and serve.
pub const MIN_MEMORY_LIMIT: u64 = 16 * MIB as u64;

/// The fewest open files: 16, the child's own standard streams, socket and `/proc` reads
/// included.
pub const MIN_OPEN_FILES: u64 = 16;

/// Whether `pattern` (a name, or a prefix ending in `*`) names the variable `name`.
pub(crate) fn env_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Why `name` is not an environment variable name or prefix, if it is not.
pub(crate) fn check_env_name(name: &str) -> Result<(), String> {
    let bare = name.strip_suffix('*').unwrap_or(name);
    if name.is_empty() || name == "*" {
        Err("an empty name inherits nothing (and `*` would inherit everything)".to_owned())
    } else if bare.contains(['=', '\0', '*']) {
        Err(format!(
            "`{name}` is not a variable name: no `=` or NUL, and `*` only at the end for a prefix"
        ))
    } else {
        Ok(())
    }
}

/// One activity's limits with the worker's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResolvedLimits {
    pub(crate) memory_limit: Option<(u64, LimitOrigin)>,
    pub(crate) cpu_time: Option<(Duration, LimitOrigin)>,
    pub(crate) open_files: Option<(u64, LimitOrigin)>,
    /// The worker's names, then the activity's.
    pub(crate) inherit_env: Vec<&'static str>,
    pub(crate) retryable: bool,
}

/// Where a limit was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LimitOrigin {
    /// The activity's `#[activity(...)]` attribute.
    Activity,
    /// The worker's builder (`process_limits`).
    Worker,
}

impl LimitOrigin {
    /// `activity` or `worker`, as the failure's details say.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Activity => "activity",
            Self::Worker => "worker",
        }
    }
}

impl fmt::Display for LimitOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Activity => "set by the activity's `#[activity(...)]`",
            Self::Worker => "set by the worker's `process_limits`",
        })
    }
}

/// `512 MiB`, `1.50 GiB`, `100 KiB`: memory as people size it.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    if bytes >= GIB {
        if bytes.is_multiple_of(GIB) {
            return format!("{} GiB", bytes / GIB);
        }
        return format!("{:.2} GiB", bytes as f64 / GIB as f64);
    }
    super::human(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// `30 s`, `1.5 s`, `250 ms`, `2 min`: a duration as `cpu_time` is written.
pub(crate) fn human_duration(time: Duration) -> String {
    let ms = time.as_millis();
    if ms >= 60_000 && ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else if ms >= 1000 {
        format!("{} s", time.as_secs_f64())
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_wins_and_the_lists_join() {
        let worker = ProcessLimits::NONE
            .memory_limit(256 * MIB as u64)
            .open_files(128)
            .inherit_env(&["HTTPS_PROXY"])
            .non_retryable();
        let activity = ProcessLimits::NONE
            .memory_limit(64 * MIB as u64)
            .cpu_time(Duration::from_secs(1))
            .inherit_env(&["GDAL_DATA"]);
        let resolved = activity.or(&worker);
        assert_eq!(
            resolved.memory_limit,
            Some((64 * MIB as u64, LimitOrigin::Activity))
        );
        assert_eq!(resolved.open_files, Some((128, LimitOrigin::Worker)));
        assert_eq!(
            resolved.cpu_time,
            Some((Duration::from_secs(1), LimitOrigin::Activity))
        );
        assert_eq!(resolved.inherit_env, ["HTTPS_PROXY", "GDAL_DATA"]);
        assert!(!resolved.retryable);
        assert!(ProcessLimits::NONE.or(&ProcessLimits::NONE).retryable);
    }

    #[test]
    fn checks_say_what_is_wrong() {
        assert!(ProcessLimits::NONE.check().is_ok());
        let err = ProcessLimits::NONE.memory_limit(MIB as u64).check();
        assert_eq!(
            err.unwrap_err(),
            "memory_limit of 1 MiB is below 16 MiB, less than a child process needs to start"
        );
        assert!(
            ProcessLimits::NONE
                .cpu_time(Duration::ZERO)
                .check()
                .is_err()
        );
        assert!(ProcessLimits::NONE.open_files(3).check().is_err());
        for bad in [&[""][..], &["*"], &["A=B"], &["A*B"]] {
            assert!(
                ProcessLimits::NONE.inherit_env(bad).check().is_err(),
                "{bad:?}"
            );
        }
        assert!(
            ProcessLimits::NONE
                .inherit_env(&["PROJ_*", "GDAL_DATA"])
                .check()
                .is_ok()
        );
    }

    #[test]
    fn patterns_match_names_or_prefixes() {
        assert!(env_matches("LC_*", "LC_ALL"));
        assert!(env_matches("PATH", "PATH"));
        assert!(!env_matches("PATH", "PATHS"));
        assert!(!env_matches("AWS", "AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn figures_read_as_written() {
        assert_eq!(human_bytes(512 * MIB as u64), "512 MiB");
        assert_eq!(human_bytes(3 << 30), "3 GiB");
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_secs(120)), "2 min");
    }
}
