use activity_runtime::{ActivityContext, ActivityError, Bytes, Execution, activities, activity};

/// Runs in a child process; the context reaches it there.
#[activity(isolation = "process")]
fn compress(ctx: ActivityContext, data: Vec<u8>) -> Result<Bytes, ActivityError> {
    ctx.heartbeat(&data.len())?;
    Ok(Bytes(data))
}

#[activity(isolation = "process", name = "checksum")]
fn sum(data: Vec<u8>) -> u32 {
    data.iter().map(|&b| u32::from(b)).sum()
}

pub fn main() {
    activity_runtime::process::init();
    let activities = activities![compress, sum];
    let executions: Vec<_> = activities
        .registrations()
        .iter()
        .map(|r| r.execution())
        .collect();
    assert_eq!(executions, [Execution::Process, Execution::Process]);
}
