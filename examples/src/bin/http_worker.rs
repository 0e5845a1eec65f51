//! Activities that call an HTTP API through one shared `reqwest::Client`.
//!
//! A `reqwest::Client` holds a pool of connections: build one per process and share it, never one
//! per call. Here it lives in `Api`, whose methods are the activities; the worker keeps the `Api`
//! for as long as it runs.
//!
//! How the API's answers become Temporal failures:
//! - 404: the non-retryable `NotFound`, since asking again gets the same answer;
//! - 429 or 503 with `Retry-After`: retryable, after the delay the API asked for;
//! - any other error status, a timeout, a refused connection: retryable, with the retry policy's
//!   backoff.
//!
//! An activity may run more than once (a retry after its result was lost), so the `POST` carries
//! an idempotency key made of the activity's identity: the API creates one order however often
//! the call is repeated.
//!
//! ```text
//! API_BASE_URL=http://127.0.0.1:8000 TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin http_worker
//! temporal activity execute --activity-id user-1 --type get_user --task-queue http-activities \
//!     --start-to-close-timeout 30s --input 1
//! ```
//!
//! `examples/tests/python/http_api.py` is such an API (the test of this example runs it).

use std::time::Duration;

use activity_runtime::{ActivityContext, ActivityError, Worker, activity};
use reqwest::{Response, StatusCode};
use serde::{Deserialize, Serialize};

/// A user, as the API returns it.
#[derive(Debug, Serialize, Deserialize)]
struct User {
    id: u64,
    name: String,
    email: String,
}

/// An order to create.
#[derive(Debug, Serialize, Deserialize)]
struct NewOrder {
    sku: String,
    quantity: u32,
}

/// The order the API created.
#[derive(Debug, Serialize, Deserialize)]
struct Order {
    order_id: String,
}

/// The API client every activity shares.
struct Api {
    http: reqwest::Client,
    base_url: String,
}

#[activity]
impl Api {
    /// `GET /users/{id}`.
    #[activity]
    async fn get_user(&self, id: u64) -> Result<User, ActivityError> {
        let url = format!("{}/users/{id}", self.base_url);
        let response = self.http.get(url).send().await?;
        Ok(check(response).await?.json().await?)
    }

    /// `POST /orders`, at most one order per activity however often it runs.
    #[activity]
    async fn create_order(
        &self,
        ctx: ActivityContext,
        order: NewOrder,
    ) -> Result<Order, ActivityError> {
        let info = ctx.info();
        // The same for every attempt of this activity, different for any other activity.
        let run = info
            .workflow_run_id
            .as_ref()
            .or(info.activity_run_id.as_ref());
        let key = format!("{}/{}", run.map_or("", String::as_str), info.activity_id);
        let response = self
            .http
            .post(format!("{}/orders", self.base_url))
            .header("Idempotency-Key", key)
            .json(&order)
            .send()
            .await?;
        Ok(check(response).await?.json().await?)
    }
}

/// The response when its status is a success; otherwise the failure it stands for. A
/// `Retry-After` in seconds becomes the next retry's delay (its HTTP-date form is ignored: the
/// retry policy's backoff applies).
async fn check(response: Response) -> Result<Response, ActivityError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .map(Duration::from_secs);
    let url = response.url().clone();
    let body = response.text().await.unwrap_or_default();
    let error = ActivityError::new(format!("{url} answered {status}: {body}"));
    Err(match status {
        StatusCode::NOT_FOUND => error.with_type("NotFound").non_retryable(),
        _ => match retry_after {
            Some(delay) => error.with_type("HttpStatus").next_retry_delay(delay),
            None => error.with_type("HttpStatus"),
        },
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    // reqwest is built with rustls but no crypto provider (so that no second one is compiled):
    // use *ring*, as the worker's own connection does.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let base_url = std::env::var("API_BASE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8000".to_owned())
        .trim_end_matches('/')
        .to_owned();
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        // Below the activities' start-to-close timeout, so that a hung call fails the attempt
        // with a message instead of timing it out.
        .timeout(Duration::from_secs(20))
        .user_agent("activity-runtime-example")
        .build()?;

    let task_queue = examples::task_queue_or("http-activities");
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .register(std::sync::Arc::new(Api { http, base_url }))
        .build()
        .await?;
    println!("worker serving task queue `{task_queue}`; Ctrl-C to stop");
    worker.run().await?;
    Ok(())
}
