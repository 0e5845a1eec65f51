//! The three worker processes: started, signalled, and started again whenever one is gone.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::sync::Mutex;

/// The worker processes, each in a slot that is never left empty for long.
pub struct Workers {
    binary: PathBuf,
    env: Vec<(String, String)>,
    logs: Vec<PathBuf>,
    slots: Mutex<Vec<Slot>>,
}

struct Slot {
    child: Child,
    /// Whether the driver signalled it (an exit it caused).
    signalled: bool,
}

impl Workers {
    /// Starts `count` workers of `binary` with `env`; each one's output goes to
    /// `dir/worker-{n}.log`, its restarts' too.
    pub fn start(
        binary: &Path,
        env: Vec<(String, String)>,
        dir: &Path,
        count: usize,
    ) -> anyhow::Result<Self> {
        let logs: Vec<PathBuf> = (0..count)
            .map(|n| dir.join(format!("worker-{n}.log")))
            .collect();
        for log in &logs {
            let _ = std::fs::remove_file(log);
        }
        let mut workers = Self {
            binary: binary.to_owned(),
            env,
            logs,
            slots: Mutex::new(Vec::new()),
        };
        let slots = (0..count)
            .map(|n| {
                workers.spawn(n).map(|child| Slot {
                    child,
                    signalled: false,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        workers.slots = Mutex::new(slots);
        Ok(workers)
    }

    fn spawn(&self, n: usize) -> anyhow::Result<Child> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.logs[n])?;
        Ok(Command::new(&self.binary)
            .die_with_the_driver()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("TEMPORAL_PROFILE")
            .env_remove("TEMPORAL_CONFIG_FILE")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?)
    }

    /// How many slots there are.
    pub fn count(&self) -> usize {
        self.logs.len()
    }

    /// Sends worker `n` `signal`; its pid.
    pub fn signal(&self, n: usize, signal: Signal) -> anyhow::Result<u32> {
        let mut slots = self.slots.lock().unwrap();
        let slot = &mut slots[n];
        slot.signalled = true;
        let pid = slot.child.id();
        kill(Pid::from_raw(pid as i32), signal)?;
        Ok(pid)
    }

    /// Waits until process `pid` (of slot `n`) is gone, at most `within`; then kills it.
    pub async fn wait_gone(&self, n: usize, pid: u32, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            {
                let mut slots = self.slots.lock().unwrap();
                let slot = &mut slots[n];
                if slot.child.id() != pid || matches!(slot.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                if Instant::now() > deadline {
                    eprintln!("soak: worker {pid} still running {within:?} after SIGTERM: killed");
                    let _ = slot.child.kill();
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts again every worker that is gone; the number of those that exited unsignalled.
    pub fn restart_exited(&self) -> usize {
        let mut unexpected = 0;
        let mut slots = self.slots.lock().unwrap();
        for (n, slot) in slots.iter_mut().enumerate() {
            let Ok(Some(status)) = slot.child.try_wait() else {
                continue;
            };
            if !slot.signalled {
                unexpected += 1;
                eprintln!(
                    "soak: worker {} exited by itself ({status}); see {}",
                    slot.child.id(),
                    self.logs[n].display()
                );
            }
            match self.spawn(n) {
                Ok(child) => {
                    *slot = Slot {
                        child,
                        signalled: false,
                    }
                }
                Err(err) => eprintln!("soak: cannot restart worker {n}: {err}"),
            }
        }
        unexpected
    }

    /// Stops every worker (`SIGTERM`, then `SIGKILL` after `within`).
    pub async fn stop(&self, within: Duration) {
        for n in 0..self.count() {
            if let Ok(pid) = self.signal(n, Signal::SIGTERM) {
                self.wait_gone(n, pid, within).await;
            }
        }
        for slot in self.slots.lock().unwrap().iter_mut() {
            let _ = slot.child.wait();
        }
    }

    /// Lines of the workers' logs that contain `needle`.
    pub fn count_log_lines(&self, needle: &str) -> usize {
        self.logs
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .map(|text| text.lines().filter(|line| line.contains(needle)).count())
            .sum()
    }
}

/// The processes the driver starts end with it, even when it is killed (`Drop` does not run
/// then): they get `SIGKILL` when it exits (`PR_SET_PDEATHSIG`). They are started from threads
/// that live as long as the driver (its main thread and the async runtime's), as the signal
/// comes when the starting thread ends.
pub trait DieWithTheDriver {
    fn die_with_the_driver(&mut self) -> &mut Self;
}

impl DieWithTheDriver for Command {
    fn die_with_the_driver(&mut self) -> &mut Self {
        // SAFETY: `prctl` is async-signal-safe and touches no memory of the parent.
        unsafe {
            self.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
            })
        }
    }
}
