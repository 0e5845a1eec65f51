//! The child's side: one reader thread for the life of the process (starts, cancellations, the
//! end of the socket), one thread per attempt.

use std::io;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use parking_lot::Mutex;
use prost::Message;

use super::protocol::{
    CANCEL, DONE, Done, HEARTBEAT, READY, START, Start, from_json, json, payloads_bytes,
    payloads_from, read_frame, write_frame,
};
use crate::attempt::ActivityInput;
use crate::blocking::BlockingPool;
use crate::context::{
    ActivityContext, ActivityInfo, CancellationDetails, ContextParts, ProcessEntry,
};
use crate::error::panic_message;

pub(super) fn serve(socket: &std::path::Path) -> io::Result<()> {
    let stream = UnixStream::connect(socket)?;
    let writer = Arc::new(Mutex::new(stream.try_clone()?));
    let mut reader = stream;
    write_frame(&mut *writer.lock(), READY, &json(&std::process::id()))?;
    let pool = BlockingPool::new("activity-child-blocking", 1);
    let current: Arc<Mutex<Option<ActivityContext>>> = Arc::default();
    loop {
        // The worker closed the socket or went away: this process must not outlive it.
        let Ok((tag, body)) = read_frame(&mut reader) else {
            return Ok(());
        };
        match tag {
            START => {
                let start: Start = from_json(&body)?;
                let (ctx, entry, input) = prepare(start, &writer, &pool)?;
                *current.lock() = Some(ctx.clone());
                let writer = writer.clone();
                let current = current.clone();
                std::thread::Builder::new()
                    .name("activity".to_owned())
                    .spawn(move || {
                        let done = run(entry, ctx, input);
                        *current.lock() = None;
                        if write_frame(&mut *writer.lock(), DONE, &json(&done)).is_err() {
                            std::process::exit(1);
                        }
                    })?;
            }
            CANCEL => {
                if let (Some(ctx), Ok(details)) = (
                    current.lock().as_ref(),
                    from_json::<CancellationDetails>(&body),
                ) {
                    ctx.cancel(details);
                }
            }
            _ => {}
        }
    }
}

fn prepare(
    start: Start,
    writer: &Arc<Mutex<UnixStream>>,
    pool: &BlockingPool,
) -> io::Result<(ActivityContext, ProcessEntry, ActivityInput)> {
    let sink_writer = writer.clone();
    let info = ActivityInfo {
        activity_id: start.activity_id,
        activity_type: start.activity_type.clone(),
        attempt: start.attempt,
        namespace: start.namespace,
        task_queue: start.task_queue,
        workflow_type: start.workflow_type,
        workflow_id: start.workflow_id,
        workflow_run_id: start.workflow_run_id,
        activity_run_id: start.activity_run_id,
        task_token: start.task_token,
        ..ActivityInfo::default()
    };
    let ctx = ActivityContext::new(ContextParts {
        info,
        heartbeat_details: payloads_from(&start.heartbeat_details)?,
        headers: Default::default(),
        heartbeat_sink: Arc::new(move |details| {
            // A lost worker shows up as the end of the socket on the reading side.
            let _ = write_frame(
                &mut *sink_writer.lock(),
                HEARTBEAT,
                &payloads_bytes(details),
            );
            Ok(())
        }),
        worker_shutdown: tokio_util::sync::CancellationToken::new(),
        executors: Arc::new(pool.handle()),
        extensions: http::Extensions::new(),
    });
    let input = ActivityInput::new(start.activity_type, payloads_from(&start.input)?);
    // SAFETY: the worker computed `entry` with `offset_of` in a process running this same
    // executable (it started this child from `current_exe`), so `init + entry` is the
    // address of that same `Entry` function here.
    let address = (super::init as *const () as usize as i64 + start.entry) as usize;
    let entry = unsafe { std::mem::transmute::<usize, ProcessEntry>(address) };
    Ok((ctx, entry, input))
}

fn run(entry: ProcessEntry, ctx: ActivityContext, input: ActivityInput) -> Done {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(ctx, input))) {
        Ok(Ok(output)) => Done::Ok(output.payload.encode_to_vec()),
        Ok(Err(err)) if err.is_cancelled() => Done::Cancelled,
        Ok(Err(err)) => Done::Failed {
            message: err.message().to_owned(),
            error_type: err.error_type().to_owned(),
            non_retryable: err.is_non_retryable(),
        },
        Err(panic) => Done::Panicked(panic_message(panic.as_ref())),
    }
}
