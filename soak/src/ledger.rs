//! The ledger: one line per event of an execution, appended by the workers to one file that the
//! driver reads at the end.
//!
//! A plain file opened with `O_APPEND` rather than SQLite: each line is one `write(2)` of a few
//! dozen bytes, which the kernel appends whole and at the end of the file even with three worker
//! processes writing at once, and which survives the writer's `SIGKILL` the moment the call
//! returns (it is in the page cache; only the machine's crash could lose it). No locks, no
//! library, nothing a killed worker can leave half-done; SQLite would add busy timeouts between
//! three writers and a dependency for no guarantee the file lacks.
//!
//! A line is `{unix ms}\t{start|end}\t{activity id}\t{attempt}\t{worker pid}\t{outcome}`; the
//! outcome of `end` is `ok`, or the error the attempt ended with (and the cancellation reason).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch: the clock of the ledger and of the driver's fault log
/// (one machine, one clock).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The ledger file, opened for appending.
#[derive(Debug)]
pub struct Ledger {
    file: File,
    pid: u32,
}

impl Ledger {
    /// Opens (creates) the ledger at `path` for appending, as this process.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file,
            pid: std::process::id(),
        })
    }

    /// Records that attempt `attempt` of activity `id` starts running here.
    ///
    /// # Errors
    /// When the line cannot be written.
    pub fn start(&self, id: &str, attempt: u32) -> io::Result<()> {
        self.append("start", id, attempt, "")
    }

    /// Records that the attempt ended: `ok`, or the error it ended with.
    ///
    /// # Errors
    /// When the line cannot be written.
    pub fn end(&self, id: &str, attempt: u32, outcome: &str) -> io::Result<()> {
        self.append("end", id, attempt, outcome)
    }

    fn append(&self, event: &str, id: &str, attempt: u32, outcome: &str) -> io::Result<()> {
        let outcome: String = outcome
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        let line = format!(
            "{}\t{event}\t{id}\t{attempt}\t{}\t{outcome}\n",
            now_ms(),
            self.pid
        );
        // One `write(2)`: appended whole, never interleaved with another process's line.
        (&self.file).write_all(line.as_bytes())
    }
}

/// One execution of an activity, as the ledger tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// The activity id.
    pub id: String,
    /// The attempt number the server gave it.
    pub attempt: u32,
    /// The worker process that ran it.
    pub pid: u32,
    /// When it started (Unix ms).
    pub start_ms: u64,
    /// When it ended and how (`ok` or the error), unless its worker died first or abandoned it.
    pub end: Option<(u64, String)>,
}

/// A line of the ledger that is not one the workers write.
#[derive(Debug, thiserror::Error)]
#[error("ledger line {line}: {reason}: {text:?}")]
pub struct LedgerError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
    /// The line.
    pub text: String,
}

/// Reads a ledger's text into executions, in the order they started.
///
/// # Errors
/// A malformed line, or an `end` without its `start`.
pub fn executions(text: &str) -> Result<Vec<Execution>, LedgerError> {
    let mut executions: Vec<Execution> = Vec::new();
    // (id, attempt, pid) of each execution still open, to its index.
    let mut open: BTreeMap<(String, u32, u32), usize> = BTreeMap::new();
    for (n, text) in text.lines().enumerate() {
        let error = |reason| LedgerError {
            line: n + 1,
            reason,
            text: text.to_owned(),
        };
        let fields: Vec<&str> = text.splitn(6, '\t').collect();
        let [at, event, id, attempt, pid, outcome] = fields[..] else {
            return Err(error("not six tab-separated fields"));
        };
        let at: u64 = at.parse().map_err(|_| error("bad time"))?;
        let attempt: u32 = attempt.parse().map_err(|_| error("bad attempt"))?;
        let pid: u32 = pid.parse().map_err(|_| error("bad pid"))?;
        let key = (id.to_owned(), attempt, pid);
        match event {
            "start" => {
                open.insert(key, executions.len());
                executions.push(Execution {
                    id: id.to_owned(),
                    attempt,
                    pid,
                    start_ms: at,
                    end: None,
                });
            }
            "end" => {
                let index = open
                    .remove(&key)
                    .ok_or_else(|| error("an end without its start"))?;
                executions[index].end = Some((at, outcome.to_owned()));
            }
            _ => return Err(error("neither start nor end")),
        }
    }
    Ok(executions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_written_are_read_back_as_executions() {
        let path = std::env::temp_dir().join(format!("soak-ledger-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ledger = Ledger::open(&path).unwrap();
        ledger.start("fast-1", 1).unwrap();
        ledger.start("large-2", 3).unwrap();
        ledger.end("fast-1", 1, "ok").unwrap();
        ledger
            .end("large-2", 3, "cancelled\nWorkerShutdown")
            .unwrap();
        ledger.start("fast-1", 2).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();

        let executions = executions(&text).unwrap();
        assert_eq!(executions.len(), 3);
        assert_eq!(executions[0].id, "fast-1");
        assert_eq!(executions[0].pid, std::process::id());
        assert_eq!(executions[0].end.as_ref().unwrap().1, "ok");
        assert_eq!(executions[1].attempt, 3);
        assert_eq!(
            executions[1].end.as_ref().unwrap().1,
            "cancelled WorkerShutdown"
        );
        assert_eq!(executions[2].end, None);
    }

    #[test]
    fn a_malformed_ledger_is_an_error_naming_the_line() {
        let err = executions("1\tstart\tfast-1\t1\t7\t\n2\tend\tfast-2\t1\t7\tok\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string().contains("an end without its start"),
            "{err}"
        );
        assert!(executions("garbage").is_err());
    }
}
