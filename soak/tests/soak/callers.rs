//! The callers: each activity started with the runtime's client and waited for until it
//! completes, across server restarts.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use activity_runtime::Bytes;
use activity_runtime::client::{ActivityArgs, ActivityOptions, Client, ClientError};
use serde::de::DeserializeOwned;
use soak::kinds::{self, Kind};
use soak::report::Outcome;
use tokio::sync::RwLock;
use tokio::time::Instant;

/// What callers share.
pub struct Callers {
    pub client: Client,
    pub task_queue: String,
    /// Held (shared) by every start: the driver takes it whole to restart the server, so that
    /// no start is cut in the middle (a start that may or may not have happened cannot be
    /// retried under the same id without risking a second run).
    pub server_gate: Arc<RwLock<()>>,
    /// No result after this is lost.
    pub drain_deadline: Arc<std::sync::OnceLock<Instant>>,
}

impl Callers {
    /// Starts activity `n` of `kind` and waits for its result.
    pub async fn call(&self, kind: Kind, n: u64) -> Outcome {
        let id = format!("{}-{n}", kind.name());
        match kind {
            Kind::Fast => self.run(kind, &id, (n,), n).await,
            Kind::Slow => {
                let ms = 3_000 + (n % 11) * 500;
                self.run(kind, &id, (ms,), ms).await
            }
            Kind::Heartbeating => {
                // 4 to 12 s: long enough that kills and restarts find some running.
                let steps = 8 + (n % 17) as u32;
                self.run(kind, &id, (steps,), steps).await
            }
            Kind::Blocking => {
                let ms = 100 + n % 200;
                self.run(kind, &id, (ms,), ms).await
            }
            Kind::Isolated => {
                let text = format!("soak {n}");
                let hash = kinds::fnv1a(&text);
                self.run(kind, &id, (text,), hash).await
            }
            Kind::Large => {
                let data = kinds::large_argument(n);
                let expected = Bytes(kinds::large_result(&data));
                self.run(kind, &id, (Bytes(data),), expected).await
            }
        }
    }

    async fn run<A, R>(&self, kind: Kind, id: &str, args: A, expected: R) -> Outcome
    where
        A: ActivityArgs + Clone,
        R: DeserializeOwned + PartialEq + Debug,
    {
        let mut options = ActivityOptions::new(&self.task_queue)
            .id(id)
            .start_to_close_timeout(kind.start_to_close())
            .initial_retry_interval(Duration::from_secs(1));
        if let Some(timeout) = kind.heartbeat_timeout() {
            options = options.heartbeat_timeout(timeout);
        }
        let mut tries = 0;
        let handle = loop {
            let started = {
                let _server_up = self.server_gate.read().await;
                self.client
                    .start_activity(kind.name(), args.clone(), options.clone())
                    .await
            };
            match started {
                Ok(handle) => break handle,
                Err(err) if tries < 10 => {
                    tries += 1;
                    eprintln!("soak: starting {id} failed ({err}); trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(err) => return Outcome::NotCompleted(format!("never started: {err}")),
            }
        };
        loop {
            let waited = match self.drain_deadline.get() {
                Some(deadline) => tokio::time::timeout_at(*deadline, handle.result::<R>()).await,
                // Checked again every minute until the driver sets the drain deadline.
                None => tokio::time::timeout(Duration::from_secs(60), handle.result::<R>()).await,
            };
            match waited {
                Ok(Ok(result)) if result == expected => return Outcome::Completed,
                Ok(Ok(result)) => {
                    return Outcome::NotCompleted(format!(
                        "wrong result {result:?}, expected {expected:?}"
                    ));
                }
                // The server is down (or restarting): ask again.
                Ok(Err(ClientError::Other(_) | ClientError::Connect(_))) => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok(Err(err)) => return Outcome::NotCompleted(err.to_string()),
                Err(_)
                    if self
                        .drain_deadline
                        .get()
                        .is_some_and(|d| Instant::now() >= *d) =>
                {
                    return Outcome::NotCompleted("no result within the drain bound".into());
                }
                Err(_) => {}
            }
        }
    }
}
