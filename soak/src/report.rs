//! The analysis of a run: what was scheduled against what completed, and a cause for every
//! re-execution, taken from the faults the driver injected.
//!
//! A re-execution is each execution of an activity after its first. It is explained by what
//! happened between the start of the execution before it and its own start:
//! - that execution's worker got `SIGKILL` or `SIGTERM` from the driver;
//! - the dev server was down at some moment of that window, and came back too late for the
//!   execution before: for an activity that heartbeats, after any outage (its heartbeat timeout
//!   may have fired on the restarted server); for the others, only when the server was back less
//!   than [`RESEND_SLACK`] before that execution's start-to-close deadline. A result finished
//!   during a shorter outage must have been re-sent and recorded: that the activity ran again
//!   anyway is unexplained;
//! - the store stalled or refused at some moment of it, for an activity whose payloads pass
//!   through the store;
//! - the execution before timed out: the worker was told so (cancelled with reason `TimedOut`, or
//!   `NotFound`: the server no longer knew the attempt, which in the soak, where nothing resets or
//!   completes activities by hand, means it had timed it out), or it ran for longer than its
//!   start-to-close timeout.
//!
//! Anything else (a result lost while the server was up, the same attempt run twice, a worker
//! that re-ran work nobody killed) is unexplained, and fails the soak, as do any activity
//! scheduled and never completed and any worker that exited without a signal.

use std::collections::BTreeMap;
use std::fmt;

use crate::kinds::Kind;
use crate::ledger::Execution;

/// How long after the server is back a worker may take to deliver a result it kept (its re-sends
/// back off up to 5 s), with room for a loaded machine.
pub const RESEND_SLACK: std::time::Duration = std::time::Duration::from_secs(10);

/// A fault the driver injected, and when (Unix ms, from the first signal to the recovery).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What it was.
    pub kind: FaultKind,
    /// When it began.
    pub from_ms: u64,
    /// When it was over (the server answering again, the store passing through again, the worker
    /// gone).
    pub to_ms: u64,
    /// The worker it hit, for kills.
    pub pid: Option<u32>,
}

/// The faults the driver injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A worker is killed with `SIGKILL`, and started again.
    Sigkill,
    /// A worker is stopped with `SIGTERM` (its graceful shutdown), and started again.
    Sigterm,
    /// The dev server is stopped, and started again on the same port and database.
    ServerRestart,
    /// The store accepts connections but passes no byte, for seconds.
    StoreStall,
    /// The store closes every connection, for seconds.
    StoreRefuse,
}

impl FaultKind {
    /// Every kind, in the order the driver first injects them (shuffled) and the table lists them.
    pub const ALL: [FaultKind; 5] = [
        FaultKind::Sigkill,
        FaultKind::Sigterm,
        FaultKind::ServerRestart,
        FaultKind::StoreStall,
        FaultKind::StoreRefuse,
    ];
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultKind::Sigkill => "`SIGKILL` of a worker (restarted)",
            FaultKind::Sigterm => "`SIGTERM` of a worker (restarted)",
            FaultKind::ServerRestart => "dev server restart",
            FaultKind::StoreStall => "store stalls",
            FaultKind::StoreRefuse => "store refuses connections",
        })
    }
}

/// Why an activity ran again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// Its worker was killed while it ran, or before its result was delivered.
    WorkerKilled,
    /// Its worker was stopped (graceful shutdown) while it ran.
    WorkerStopped,
    /// The server was down meanwhile.
    ServerRestart,
    /// The store stalled or refused meanwhile.
    StoreFault,
    /// The attempt before timed out.
    Timeout,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::WorkerKilled => "its worker was killed (`SIGKILL`)",
            Cause::WorkerStopped => "its worker was stopped (`SIGTERM`)",
            Cause::ServerRestart => "the server restarted meanwhile",
            Cause::StoreFault => "the store stalled or refused meanwhile",
            Cause::Timeout => "the attempt before timed out",
        })
    }
}

/// How a scheduled activity ended for its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It completed with the expected result.
    Completed,
    /// It ended otherwise (failed, timed out, a wrong result), or never within the drain bound.
    NotCompleted(String),
}

/// An activity the driver scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// Its id, `{kind}-{n}`.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// How it ended.
    pub outcome: Outcome,
}

/// What the workers' logs say, and what the driver saw of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerNotes {
    /// Results re-sent by task token after the worker core gave them up (log lines).
    pub results_resent: usize,
    /// Results reported lost at their attempt's deadline (log lines).
    pub results_lost: usize,
    /// Times a worker exited without being signalled.
    pub unexpected_exits: usize,
}

/// The analysis of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Activities scheduled, by kind.
    pub scheduled: BTreeMap<Kind, usize>,
    /// Executions in the ledger.
    pub executions: usize,
    /// Activities that completed with the expected result.
    pub completed: usize,
    /// Activities scheduled and not completed, with why.
    pub lost: Vec<(String, String)>,
    /// Re-executions by cause.
    pub reexecutions: BTreeMap<Cause, usize>,
    /// Re-executions without a cause, described.
    pub unexplained: Vec<String>,
    /// Faults injected, by kind.
    pub faults: BTreeMap<FaultKind, usize>,
    /// The shortest and longest server outage (ms), if any.
    pub outages_ms: Option<(u64, u64)>,
    /// Other inconsistencies: executions of activities never scheduled, completions without an
    /// execution.
    pub inconsistencies: Vec<String>,
    /// From the workers.
    pub notes: WorkerNotes,
}

/// Analyzes a run: `scheduled` by the driver, `executions` from the ledger, `faults` injected.
pub fn analyze(
    scheduled: &[Scheduled],
    executions: &[Execution],
    faults: &[Fault],
    notes: WorkerNotes,
) -> Report {
    let mut report = Report {
        notes,
        executions: executions.len(),
        ..Report::default()
    };
    for fault in faults {
        *report.faults.entry(fault.kind).or_default() += 1;
        if fault.kind == FaultKind::ServerRestart {
            let down = fault.to_ms.saturating_sub(fault.from_ms);
            report.outages_ms = Some(match report.outages_ms {
                Some((min, max)) => (min.min(down), max.max(down)),
                None => (down, down),
            });
        }
    }
    let mut by_id: BTreeMap<&str, Vec<&Execution>> = BTreeMap::new();
    for execution in executions {
        by_id.entry(&execution.id).or_default().push(execution);
    }
    for activity in scheduled {
        *report.scheduled.entry(activity.kind).or_default() += 1;
        let runs = by_id.remove(activity.id.as_str()).unwrap_or_default();
        match &activity.outcome {
            Outcome::Completed if runs.is_empty() => report.inconsistencies.push(format!(
                "{} completed but the ledger has no execution of it",
                activity.id
            )),
            Outcome::Completed => report.completed += 1,
            Outcome::NotCompleted(why) => report.lost.push((activity.id.clone(), why.clone())),
        }
        for pair in runs.windows(2) {
            match explain(activity.kind, pair[0], pair[1], faults) {
                Ok(cause) => *report.reexecutions.entry(cause).or_default() += 1,
                Err(why) => report.unexplained.push(format!(
                    "{} attempt {} (worker {}) after attempt {} (worker {}, {}): {why}",
                    activity.id,
                    pair[1].attempt,
                    pair[1].pid,
                    pair[0].attempt,
                    pair[0].pid,
                    match &pair[0].end {
                        Some((at, outcome)) => format!(
                            "ended `{outcome}` after {} ms",
                            at.saturating_sub(pair[0].start_ms)
                        ),
                        None => "never ended".to_owned(),
                    }
                )),
            }
        }
    }
    for (id, runs) in by_id {
        report.inconsistencies.push(format!(
            "{id} ran {} time(s) but was never scheduled",
            runs.len()
        ));
    }
    report
}

/// The cause of `this` execution, which followed `before`, or why there is none.
fn explain(
    kind: Kind,
    before: &Execution,
    this: &Execution,
    faults: &[Fault],
) -> Result<Cause, &'static str> {
    if this.attempt == before.attempt {
        return Err("the same attempt ran twice");
    }
    let (from, to) = (before.start_ms, this.start_ms);
    let signalled = |kind| {
        faults.iter().any(|f| {
            f.kind == kind && f.pid == Some(before.pid) && (from..=to).contains(&f.from_ms)
        })
    };
    let during = |kind: FaultKind| {
        faults
            .iter()
            .any(|f| f.kind == kind && f.from_ms <= to && f.to_ms >= from)
    };
    if signalled(FaultKind::Sigkill) {
        return Ok(Cause::WorkerKilled);
    }
    if signalled(FaultKind::Sigterm) {
        return Ok(Cause::WorkerStopped);
    }
    let deadline = before.start_ms + kind.start_to_close().as_millis() as u64;
    let slack = RESEND_SLACK.as_millis() as u64;
    let too_late = |f: &Fault| kind.heartbeat_timeout().is_some() || f.to_ms + slack >= deadline;
    if faults.iter().any(|f| {
        f.kind == FaultKind::ServerRestart && f.from_ms <= to && f.to_ms >= from && too_late(f)
    }) {
        return Ok(Cause::ServerRestart);
    }
    if kind.uses_storage() && (during(FaultKind::StoreStall) || during(FaultKind::StoreRefuse)) {
        return Ok(Cause::StoreFault);
    }
    let timed_out = match &before.end {
        Some((at, outcome)) => {
            outcome.contains("(TimedOut)")
                || outcome.contains("(NotFound)")
                || at.saturating_sub(before.start_ms) >= kind.start_to_close().as_millis() as u64
        }
        None => false,
    };
    if timed_out {
        return Ok(Cause::Timeout);
    }
    Err("no kill of its worker, no outage, no store fault and no timeout behind it")
}

impl Report {
    /// Activities scheduled, all kinds.
    pub fn scheduled_total(&self) -> usize {
        self.scheduled.values().sum()
    }

    /// Re-executions, all causes (unexplained ones included).
    pub fn reexecutions_total(&self) -> usize {
        self.reexecutions.values().sum::<usize>() + self.unexplained.len()
    }

    /// Why the run fails: lost activities, unexplained re-executions, inconsistencies, workers
    /// that exited by themselves. Empty when it passes.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if self.notes.unexpected_exits > 0 {
            failures.push(format!(
                "{} worker(s) exited without a signal (see the workers' logs)",
                self.notes.unexpected_exits
            ));
        }
        for (id, why) in &self.lost {
            failures.push(format!("lost: {id}: {why}"));
        }
        for line in &self.unexplained {
            failures.push(format!("unexplained re-execution: {line}"));
        }
        for line in &self.inconsistencies {
            failures.push(format!("inconsistent: {line}"));
        }
        failures
    }
}

/// The table the soak prints (Markdown, as the README shows it).
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = self
            .scheduled
            .iter()
            .map(|(kind, n)| format!("{} {n}", kind.name()))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(f, "| | |\n|---|---:|")?;
        writeln!(
            f,
            "| activities scheduled ({kinds}) | {} |",
            self.scheduled_total()
        )?;
        writeln!(f, "| executions (ledger) | {} |", self.executions)?;
        writeln!(f, "| completions | {} |", self.completed)?;
        writeln!(
            f,
            "| **lost** (scheduled, never completed) | **{}** |",
            self.lost.len()
        )?;
        writeln!(f, "| re-executions | {} |", self.reexecutions_total())?;
        for (cause, n) in &self.reexecutions {
            writeln!(f, "| &nbsp;&nbsp;{cause} | {n} |")?;
        }
        writeln!(
            f,
            "| &nbsp;&nbsp;**unexplained** | **{}** |",
            self.unexplained.len()
        )?;
        writeln!(
            f,
            "| results re-sent by task token after an outage (worker logs) | {} |",
            self.notes.results_resent
        )?;
        writeln!(
            f,
            "| results reported lost at their deadline (worker logs) | {} |",
            self.notes.results_lost
        )?;
        writeln!(
            f,
            "| faults injected | {} |",
            self.faults.values().sum::<usize>()
        )?;
        for kind in FaultKind::ALL {
            let n = self.faults.get(&kind).copied().unwrap_or_default();
            match (kind, self.outages_ms) {
                (FaultKind::ServerRestart, Some((min, max))) => writeln!(
                    f,
                    "| &nbsp;&nbsp;{kind} (down {:.1} to {:.1} s) | {n} |",
                    min as f64 / 1000.0,
                    max as f64 / 1000.0
                )?,
                _ => writeln!(f, "| &nbsp;&nbsp;{kind} | {n} |")?,
            }
        }
        writeln!(
            f,
            "| workers that exited unsignalled | {} |",
            self.notes.unexpected_exits
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, attempt: u32, pid: u32, start_ms: u64, end: Option<(u64, &str)>) -> Execution {
        Execution {
            id: id.to_owned(),
            attempt,
            pid,
            start_ms,
            end: end.map(|(at, outcome)| (at, outcome.to_owned())),
        }
    }

    fn scheduled(id: &str, outcome: Outcome) -> Scheduled {
        Scheduled {
            id: id.to_owned(),
            kind: Kind::of_id(id).unwrap(),
            outcome,
        }
    }

    fn fault(kind: FaultKind, from_ms: u64, to_ms: u64, pid: Option<u32>) -> Fault {
        Fault {
            kind,
            from_ms,
            to_ms,
            pid,
        }
    }

    #[test]
    fn each_reexecution_is_matched_to_the_fault_behind_it() {
        let faults = [
            fault(FaultKind::Sigkill, 1_500, 1_500, Some(7)),
            fault(FaultKind::Sigterm, 10_500, 12_000, Some(8)),
            fault(FaultKind::ServerRestart, 20_000, 30_000, None),
            fault(FaultKind::StoreRefuse, 40_000, 45_000, None),
        ];
        let executions = [
            // Killed while running on worker 7, then ran on worker 9.
            run("fast-1", 1, 7, 1_000, None),
            run("fast-1", 2, 9, 17_000, Some((17_010, "ok"))),
            // Cancelled by worker 8's shutdown.
            run(
                "heartbeating-2",
                1,
                8,
                10_000,
                Some((12_000, "cancelled (WorkerShutdown)")),
            ),
            run("heartbeating-2", 2, 9, 13_000, Some((16_000, "ok"))),
            // Finished during the outage, past its deadline.
            run("blocking-3", 1, 9, 19_000, Some((19_200, "ok"))),
            run("blocking-3", 2, 9, 35_000, Some((35_200, "ok"))),
            // Its result could not be stored.
            run("large-4", 1, 9, 41_000, Some((41_100, "ok"))),
            run("large-4", 2, 9, 47_000, Some((47_100, "ok"))),
            // Its heartbeats stopped reaching the server in time (a loaded machine).
            run(
                "heartbeating-5",
                1,
                9,
                50_000,
                Some((56_000, "cancelled (TimedOut)")),
            ),
            run("heartbeating-5", 2, 9, 57_000, Some((59_000, "ok"))),
        ];
        let activities: Vec<Scheduled> = [
            "fast-1",
            "heartbeating-2",
            "blocking-3",
            "large-4",
            "heartbeating-5",
        ]
        .into_iter()
        .map(|id| scheduled(id, Outcome::Completed))
        .collect();
        let report = analyze(&activities, &executions, &faults, WorkerNotes::default());
        assert!(report.failures().is_empty(), "{:?}", report.failures());
        assert_eq!(
            report.reexecutions,
            BTreeMap::from([
                (Cause::WorkerKilled, 1),
                (Cause::WorkerStopped, 1),
                (Cause::ServerRestart, 1),
                (Cause::StoreFault, 1),
                (Cause::Timeout, 1),
            ])
        );
        assert_eq!(report.completed, 5);
        assert_eq!(report.outages_ms, Some((10_000, 10_000)));
        let table = report.to_string();
        assert!(
            table.contains("| **lost** (scheduled, never completed) | **0** |"),
            "{table}"
        );
        assert!(
            table.contains("| &nbsp;&nbsp;**unexplained** | **0** |"),
            "{table}"
        );
    }

    #[test]
    fn a_reexecution_with_nothing_behind_it_fails_the_run() {
        let faults = [
            // A kill of another worker, an outage before, a store fault for another kind.
            fault(FaultKind::Sigkill, 5_500, 5_500, Some(8)),
            fault(FaultKind::ServerRestart, 1_000, 2_000, None),
            fault(FaultKind::StoreStall, 5_000, 9_000, None),
        ];
        let executions = [
            // Ended well, in time, and ran again.
            run("fast-1", 1, 7, 5_000, Some((5_010, "ok"))),
            run("fast-1", 2, 7, 6_100, Some((6_110, "ok"))),
            // The same attempt twice.
            run("blocking-2", 1, 7, 5_000, None),
            run("blocking-2", 1, 9, 5_100, Some((5_300, "ok"))),
        ];
        let activities = [
            scheduled("fast-1", Outcome::Completed),
            scheduled("blocking-2", Outcome::Completed),
            scheduled(
                "isolated-3",
                Outcome::NotCompleted("not within the drain bound".into()),
            ),
        ];
        let report = analyze(&activities, &executions, &faults, WorkerNotes::default());
        let failures = report.failures();
        assert_eq!(failures.len(), 3, "{failures:#?}");
        assert!(failures[0].starts_with("lost: isolated-3"), "{failures:#?}");
        assert!(
            failures[1].contains("fast-1 attempt 2 (worker 7) after attempt 1"),
            "{failures:#?}"
        );
        assert!(
            failures[1].contains("no kill of its worker"),
            "{failures:#?}"
        );
        assert!(
            failures[2].contains("the same attempt ran twice"),
            "{failures:#?}"
        );
        assert!(
            report
                .to_string()
                .contains("| &nbsp;&nbsp;**unexplained** | **2** |")
        );
    }

    #[test]
    fn an_attempt_the_server_forgot_timed_out_and_a_worker_exiting_by_itself_fails_the_run() {
        let executions = [
            run(
                "heartbeating-1",
                1,
                7,
                0,
                Some((3_000, "cancelled (NotFound)")),
            ),
            run("heartbeating-1", 2, 7, 4_000, Some((9_000, "ok"))),
        ];
        let notes = WorkerNotes {
            unexpected_exits: 1,
            ..WorkerNotes::default()
        };
        let report = analyze(
            &[scheduled("heartbeating-1", Outcome::Completed)],
            &executions,
            &[],
            notes,
        );
        assert_eq!(report.reexecutions, BTreeMap::from([(Cause::Timeout, 1)]));
        assert_eq!(
            report.failures(),
            ["1 worker(s) exited without a signal (see the workers' logs)"]
        );
    }

    #[test]
    fn a_result_the_server_could_still_take_after_an_outage_explains_no_second_run() {
        // Down from 10 s to 40 s: the slow activity's deadline (60 s after its start at 9 s) is
        // well after; the fast one's (15 s after its start at 9.5 s) passed during the outage.
        let faults = [fault(FaultKind::ServerRestart, 10_000, 40_000, None)];
        let executions = [
            run("slow-1", 1, 7, 9_000, Some((14_000, "ok"))),
            run("slow-1", 2, 7, 70_000, Some((75_000, "ok"))),
            run("fast-2", 1, 7, 9_500, Some((9_520, "ok"))),
            run("fast-2", 2, 7, 41_000, Some((41_020, "ok"))),
        ];
        let report = analyze(
            &[
                scheduled("slow-1", Outcome::Completed),
                scheduled("fast-2", Outcome::Completed),
            ],
            &executions,
            &faults,
            WorkerNotes::default(),
        );
        assert_eq!(
            report.reexecutions,
            BTreeMap::from([(Cause::ServerRestart, 1)])
        );
        assert_eq!(report.unexplained.len(), 1, "{:?}", report.unexplained);
        assert!(report.unexplained[0].starts_with("slow-1 attempt 2"));
    }

    #[test]
    fn executions_of_unknown_activities_and_completions_without_one_are_inconsistent() {
        let report = analyze(
            &[scheduled("fast-1", Outcome::Completed)],
            &[run("fast-2", 1, 7, 0, Some((1, "ok")))],
            &[],
            WorkerNotes::default(),
        );
        assert_eq!(
            report.failures(),
            [
                "inconsistent: fast-1 completed but the ledger has no execution of it",
                "inconsistent: fast-2 ran 1 time(s) but was never scheduled",
            ]
        );
    }
}
