//! The child's side: one reader thread for the life of the process (starts, cancellations, the
//! end of the socket), one thread per attempt.

use std::io;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use parking_lot::Mutex;
use prost::Message;
use temporalio_common::protos::temporal::api::common::v1::Header;

use super::Executable;
use super::entry::entry_at;
use super::limits::{CpuGuard, Measure, apply, cpu_total};
use super::protocol::{
    CANCEL, DONE, Done, Finished, HEARTBEAT, METRIC, READY, Ready, SETUP, START, Start, from_json,
    json, payloads_bytes, payloads_from, read_frame, write_frame,
};
use crate::attempt::ActivityInput;
use crate::blocking::BlockingPool;
use crate::context::{
    ActivityContext, CancellationDetails, ContextParts, ProcessEntry, WorkerParts,
};
use crate::error::{Outcome, panic_message};
use crate::meter::MetricMeter;

pub(super) fn serve(socket: &std::path::Path) -> io::Result<()> {
    let stream = UnixStream::connect(socket)?;
    let writer = Arc::new(Mutex::new(stream.try_clone()?));
    let mut reader = stream;
    let ready = Ready {
        pid: std::process::id(),
        executable: Executable::current().ok(),
        cpu_total: cpu_total(),
    };
    write_frame(&mut *writer.lock(), READY, &json(&ready))?;
    let pool = BlockingPool::new("activity-child-blocking", 1);
    let current: Arc<Mutex<Option<ActivityContext>>> = Arc::default();
    loop {
        // The worker closed the socket or went away: this process must not outlive it.
        let Ok((tag, body)) = read_frame(&mut reader) else {
            return Ok(());
        };
        match tag {
            SETUP => apply(&from_json(&body)?)?,
            START => {
                let start: Start = from_json(&body)?;
                let cpu_time = start.cpu_time;
                let (ctx, entry, input) = prepare(start, &writer, &pool)?;
                *current.lock() = Some(ctx.clone());
                let writer = writer.clone();
                let current = current.clone();
                std::thread::Builder::new()
                    .name("activity".to_owned())
                    .spawn(move || {
                        let measure = Measure::start();
                        let done = match cpu_time.map(CpuGuard::arm).transpose() {
                            Ok(guard) => {
                                let done = run(entry, ctx, input);
                                drop(guard);
                                done
                            }
                            Err(err) => Done::Panicked(format!(
                                "the child process could not arm the attempt's cpu_time: {err}"
                            )),
                        };
                        let finished = Finished {
                            done,
                            usage: measure.finish(),
                        };
                        *current.lock() = None;
                        if write_frame(&mut *writer.lock(), DONE, &json(&finished)).is_err() {
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
    let metric_writer = writer.clone();
    let headers = Header::decode(start.headers.as_slice())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
        .fields;
    let activity_type = start.info.activity_type.clone();
    let ctx = ActivityContext::new(ContextParts {
        info: start.info,
        heartbeat_details: payloads_from(&start.heartbeat_details)?,
        headers,
        heartbeat_sink: Arc::new(move |details| {
            // A lost worker shows up as the end of the socket on the reading side.
            let _ = write_frame(
                &mut *sink_writer.lock(),
                HEARTBEAT,
                &payloads_bytes(details),
            );
            Ok(())
        }),
        worker: Arc::new(WorkerParts {
            worker_shutdown: tokio_util::sync::CancellationToken::new(),
            executors: Arc::new(pool.handle()),
            // The default: a converter of the user's own does not cross to the child process.
            converter: Default::default(),
            // What the activity records crosses to the worker, which exports it.
            extensions: {
                let mut extensions = http::Extensions::new();
                extensions.insert(MetricMeter::relay(Arc::new(move |recording| {
                    let _ = write_frame(&mut *metric_writer.lock(), METRIC, &json(&recording));
                })));
                extensions
            },
        }),
    });
    let input = ActivityInput::new(activity_type, payloads_from(&start.input)?);
    // The worker checked from our `Ready` that we run its very executable file (see `entry_at`).
    let entry = entry_at(start.entry);
    Ok((ctx, entry, input))
}

fn run(entry: ProcessEntry, ctx: ActivityContext, input: ActivityInput) -> Done {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(ctx, input))) {
        Ok(Ok(output)) => Done::Ok(output.payload.encode_to_vec()),
        Ok(Err(err)) => match err.into_outcome() {
            Outcome::Failed(failure) => Done::Failed(failure.encode_to_vec()),
            Outcome::Cancelled(details) => Done::Cancelled(payloads_bytes(details)),
            Outcome::CompleteAsync => Done::CompleteAsync,
        },
        Err(panic) => Done::Panicked(panic_message(panic.as_ref())),
    }
}
