//! What the soak's worker and its driver share: the activities' kinds and how they are called
//! ([`kinds`]), the ledger every execution is written to ([`ledger`]), and the analysis of a run
//! ([`report`]): scheduled against completed, each re-execution matched to the fault behind it.
//!
//! The driver (`tests/soak/`) starts an S3-compatible server (moto) behind a proxy that can stall
//! or refuse, a dev server on SQLite and three `soak-worker` processes, schedules a steady mixed
//! load with the runtime's client, and injects faults at random from a printed seed. See the
//! guide's "Running in production" chapter.
#![warn(missing_docs)]

pub mod kinds;
pub mod ledger;
pub mod report;
