use activity_runtime::{ActivityContext, ActivityError, Execution, activities, activity};

/// The default for a plain `fn`, written out: the worker's blocking pool.
#[activity(isolation = "thread")]
fn checksum(ctx: ActivityContext, data: Vec<u8>) -> Result<u32, ActivityError> {
    ctx.heartbeat(&data.len())?;
    Ok(data.iter().map(|&b| u32::from(b)).sum())
}

#[activity]
fn plain(text: String) -> usize {
    text.len()
}

#[activity]
async fn on_async_threads() {}

pub fn main() {
    let activities = activities![checksum, plain, on_async_threads];
    let executions: Vec<_> = activities
        .registrations()
        .iter()
        .map(|r| r.execution())
        .collect();
    assert_eq!(
        executions,
        [Execution::Blocking, Execution::Blocking, Execution::Async]
    );
}
