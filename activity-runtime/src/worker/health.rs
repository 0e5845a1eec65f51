//! What a worker tells an orchestrator: whether the process is alive ([`WorkerHealth::report`]'s
//! `live`) and whether the worker is doing its job (`ready`), as a handle and, when configured
//! with [`crate::WorkerBuilder::health_probes`], as `GET /livez` and `GET /readyz` on a port of
//! its own.
//!
//! Ready means: the namespace was validated, [`crate::Worker::run`] is polling, shutdown has not
//! begun, and the server answered within [`crate::WorkerBuilder::server_unreachable_after`]. The
//! last is checked with a `GetSystemInfo` call every third of that time on the worker's own
//! connection: polls cannot tell (core retries a failed poll for minutes before it surfaces an
//! error, and an idle long poll lasts a minute), the connection does not expose its state, and
//! `GetSystemInfo` is the cheapest call every Temporal frontend (Temporal Cloud included) answers
//! without a namespace permission: core itself sends it when it connects.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde::Serialize;
use temporalio_client::Connection;
use tokio::task::AbortHandle;

use super::WorkerError;

/// The health of a [`Worker`](crate::Worker), for users who serve their own HTTP (or none):
/// [`Worker::health`](crate::Worker::health) hands it out, and it stays valid after
/// [`Worker::run`](crate::Worker::run) has taken the worker. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), activity_runtime::WorkerError> {
/// # use activity_runtime::{Worker, activities, activity};
/// # #[activity] async fn say_hello(name: String) -> String { name }
/// let worker = Worker::builder()
///     .task_queue("greetings")
///     .register(activities![say_hello])
///     .build()
///     .await?;
/// let health = worker.health();
/// tokio::spawn(worker.run());
/// let report = health.report();
/// println!("{}", serde_json::to_string(&report).unwrap()); // {"live":true,"ready":true,...}
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WorkerHealth {
    state: Arc<Mutex<State>>,
}

/// What [`WorkerHealth::report`] says, and the JSON body of `/livez` and `/readyz`:
/// `{"live":true,"ready":false,"status":"shutting_down","reason":"shutting down"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HealthReport {
    /// Whether the process serves: false only once [`Worker::run`](crate::Worker::run) has
    /// stopped on a fatal error (a restart may mend it). An unreachable server does not make a
    /// worker dead: restarting it would not bring the server back.
    pub live: bool,
    /// Whether the worker polls its task queue and its server answers.
    pub ready: bool,
    /// Where the worker is, in one word.
    pub status: HealthStatus,
    /// Why it is (not) ready, in a sentence.
    pub reason: String,
}

/// Where a worker is in its life ([`HealthReport::status`]); serialized in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HealthStatus {
    /// [`WorkerBuilder::build`](crate::WorkerBuilder::build) is connecting and validating the
    /// namespace (waiting for the server with [`connect_retry`](crate::WorkerBuilder::connect_retry)).
    Connecting,
    /// Built, but [`Worker::run`](crate::Worker::run) has not started polling.
    NotPolling,
    /// Polling, and the server answers: the only ready status.
    Polling,
    /// Polling, but the server has not answered for longer than
    /// [`server_unreachable_after`](crate::WorkerBuilder::server_unreachable_after).
    ServerUnreachable,
    /// Shutdown has begun (a signal or [`ShutdownHandle::shutdown`](crate::ShutdownHandle)).
    ShuttingDown,
    /// [`Worker::run`](crate::Worker::run) returned.
    Stopped,
}

struct State {
    phase: Phase,
    target: String,
    task_queue: String,
    unreachable_after: Duration,
    /// When the server last answered.
    last_contact: Instant,
    /// Why the last check failed, if it did.
    last_error: Option<String>,
}

enum Phase {
    Connecting,
    Built,
    Polling,
    ShuttingDown,
    /// With the fatal error, if one stopped the worker.
    Stopped(Option<String>),
}

impl WorkerHealth {
    pub(super) fn new(target: &str, task_queue: &str, unreachable_after: Duration) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                phase: Phase::Connecting,
                target: target.to_owned(),
                task_queue: task_queue.to_owned(),
                unreachable_after,
                last_contact: Instant::now(),
                last_error: None,
            })),
        }
    }

    /// The worker's health now.
    pub fn report(&self) -> HealthReport {
        let state = self.state.lock();
        let (live, status, reason) = match &state.phase {
            Phase::Connecting => (
                true,
                HealthStatus::Connecting,
                format!(
                    "connecting to the Temporal server at {} and validating the namespace",
                    state.target
                ),
            ),
            Phase::Built => (
                true,
                HealthStatus::NotPolling,
                "connected, but not polling: `Worker::run` has not started".to_owned(),
            ),
            Phase::Polling => {
                let silent = state.last_contact.elapsed();
                if silent > state.unreachable_after {
                    (
                        true,
                        HealthStatus::ServerUnreachable,
                        format!(
                            "the Temporal server at {} has not answered for {} s (the limit is \
                             {} s): {}",
                            state.target,
                            silent.as_secs(),
                            state.unreachable_after.as_secs_f64(),
                            state.last_error.as_deref().unwrap_or("no answer yet"),
                        ),
                    )
                } else {
                    (
                        true,
                        HealthStatus::Polling,
                        format!("polling task queue `{}`", state.task_queue),
                    )
                }
            }
            Phase::ShuttingDown => (true, HealthStatus::ShuttingDown, "shutting down".to_owned()),
            Phase::Stopped(None) => (true, HealthStatus::Stopped, "stopped".to_owned()),
            Phase::Stopped(Some(error)) => (
                false,
                HealthStatus::Stopped,
                format!("stopped on a fatal error: {error}"),
            ),
        };
        HealthReport {
            live,
            ready: status == HealthStatus::Polling,
            status,
            reason,
        }
    }

    /// Whether the worker is ready: [`report`](Self::report)'s `ready`.
    pub fn is_ready(&self) -> bool {
        self.report().ready
    }

    /// Whether the worker is live: [`report`](Self::report)'s `live`.
    pub fn is_live(&self) -> bool {
        self.report().live
    }

    /// The namespace was validated: the server answered.
    pub(super) fn built(&self) {
        let mut state = self.state.lock();
        state.phase = Phase::Built;
        state.last_contact = Instant::now();
    }

    pub(super) fn polling(&self) {
        let mut state = self.state.lock();
        if matches!(state.phase, Phase::Built) {
            state.phase = Phase::Polling;
        }
    }

    pub(super) fn shutting_down(&self) {
        self.state.lock().phase = Phase::ShuttingDown;
    }

    pub(super) fn stopped(&self, error: Option<&WorkerError>) {
        self.state.lock().phase = Phase::Stopped(error.map(ToString::to_string));
    }

    fn answered(&self) {
        let mut state = self.state.lock();
        state.last_contact = Instant::now();
        state.last_error = None;
    }

    fn unanswered(&self, error: String) {
        self.state.lock().last_error = Some(error);
    }

    fn check_every(&self) -> Duration {
        check_interval(self.state.lock().unreachable_after)
    }
}

impl std::fmt::Debug for WorkerHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WorkerHealth").field(&self.report()).finish()
    }
}

/// How often the server is checked: a third of the time it may stay silent, so that two checks
/// can fail before a reachable server would be reported unreachable (at least every 100 ms, at
/// most every 10 s).
fn check_interval(unreachable_after: Duration) -> Duration {
    (unreachable_after / 3).clamp(Duration::from_millis(100), Duration::from_secs(10))
}

/// Checks that the server answers, for as long as the future runs (the worker aborts it when it
/// stops): `GetSystemInfo` on the worker's connection, each call bounded by the interval.
pub(super) async fn watch_server(health: WorkerHealth, connection: Connection) {
    use temporalio_client::grpc::WorkflowService;
    use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
    use tonic::IntoRequest;

    let every = health.check_every();
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let mut request = GetSystemInfoRequest::default().into_request();
        request.set_timeout(every);
        let mut connection = connection.clone();
        match tokio::time::timeout(every, connection.get_system_info(request)).await {
            Ok(Ok(_)) => health.answered(),
            Ok(Err(status)) => {
                tracing::debug!(error = %status, "the server's health check failed");
                health.unanswered(format!("{:?}: {}", status.code(), status.message()));
            }
            Err(_) => health.unanswered(format!("no answer within {} ms", every.as_millis())),
        }
    }
}

/// `GET /livez` and `GET /readyz` on their own port, until dropped.
pub(super) struct HealthEndpoint {
    address: SocketAddr,
    server: AbortHandle,
}

impl HealthEndpoint {
    /// Binds `address` (at once, so that a taken port fails the build) and serves. Needs the
    /// tokio runtime.
    pub(super) fn start(address: SocketAddr, health: WorkerHealth) -> Result<Self, WorkerError> {
        let failed = |source: std::io::Error| WorkerError::HealthProbes { address, source };
        let listener = TcpListener::bind(address).map_err(failed)?;
        listener.set_nonblocking(true).map_err(failed)?;
        let bound = listener.local_addr().map_err(failed)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(failed)?;
        let server = tokio::spawn(serve(listener, health)).abort_handle();
        Ok(Self {
            address: bound,
            server,
        })
    }

    pub(super) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for HealthEndpoint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(listener: tokio::net::TcpListener, health: WorkerHealth) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                tracing::warn!(error = %err, "the health endpoint could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let health = health.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let response = respond(&request, &health);
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %err, "a health probe connection failed");
            }
        });
    }
}

/// Which probe a path asks for.
#[derive(Clone, Copy)]
enum Probe {
    Live,
    Ready,
}

fn respond(request: &Request<Incoming>, health: &WorkerHealth) -> Response<Full<Bytes>> {
    let probe = match request.uri().path() {
        "/livez" => Probe::Live,
        "/readyz" => Probe::Ready,
        _ => {
            return json(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"error": "not found: the worker serves GET /livez and GET /readyz"}),
            );
        }
    };
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return json(
            StatusCode::METHOD_NOT_ALLOWED,
            &serde_json::json!({"error": "only GET and HEAD"}),
        );
    }
    let report = health.report();
    let up = match probe {
        Probe::Live => report.live,
        Probe::Ready => report.ready,
    };
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, &report)
}

fn json(status: StatusCode, body: &impl Serialize) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_three_times_per_allowed_silence_within_bounds() {
        assert_eq!(
            check_interval(Duration::from_secs(3)),
            Duration::from_secs(1)
        );
        assert_eq!(
            check_interval(Duration::from_secs(300)),
            Duration::from_secs(10)
        );
        assert_eq!(
            check_interval(Duration::from_millis(30)),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn ready_only_while_polling_with_a_server_that_answers() {
        let health = WorkerHealth::new("localhost:7233", "q", Duration::from_millis(50));
        let report = health.report();
        assert_eq!(
            (report.live, report.ready, report.status),
            (true, false, HealthStatus::Connecting)
        );
        health.built();
        assert_eq!(health.report().status, HealthStatus::NotPolling);
        health.polling();
        assert!(health.is_ready(), "{:?}", health.report());
        health.unanswered("Unavailable: connection refused".into());
        std::thread::sleep(Duration::from_millis(80));
        let report = health.report();
        assert_eq!(report.status, HealthStatus::ServerUnreachable);
        assert!(report.live && !report.ready);
        assert!(
            report.reason.contains("connection refused"),
            "{}",
            report.reason
        );
        health.answered();
        assert!(health.is_ready());
        health.shutting_down();
        // Polling again (a late `polling()`) does not undo a shutdown.
        health.polling();
        assert_eq!(health.report().status, HealthStatus::ShuttingDown);
        health.stopped(Some(&WorkerError::NoActivities));
        let report = health.report();
        assert!(!report.live && !report.ready, "{report:?}");
        assert_eq!(
            serde_json::to_value(&report).unwrap()["status"],
            serde_json::json!("stopped")
        );
    }
}
