use activity_runtime::limits::{MIB, ProcessLimits};
use activity_runtime::{activities, activity};

/// Every limit of the child process, in each accepted form.
#[activity(
    isolation = "process",
    memory_limit = "512 MiB",
    cpu_time = "1.5 s",
    open_files = 256,
    inherit_env = ["GDAL_DATA", "PROJ_*"],
    non_retryable_limits
)]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

/// A whole number of GiB, written in bytes; minutes.
#[activity(isolation = "process", memory_limit = "2147483648", cpu_time = "2 min")]
fn transcode(seconds: u32) -> u32 {
    seconds
}

pub fn main() {
    activity_runtime::process::init();
    let activities = activities![render, transcode];
    assert_eq!(activities.registrations().len(), 2);
    // The same limits by hand, for the worker's defaults.
    const LIMITS: ProcessLimits = ProcessLimits::NONE
        .memory_limit(512 * MIB as u64)
        .open_files(256)
        .inherit_env(&["GDAL_DATA"]);
    assert!(LIMITS.check().is_ok());
    assert!(ProcessLimits::NONE.memory_limit(1).check().is_err());
}
