//! The `http_worker` example against a local JSON API (`tests/python/http_api.py`, on the
//! standard library's HTTP server): a user comes back as the Rust struct; a 404 fails at once
//! with the non-retryable `NotFound`; a 503 with `Retry-After: 2` is retried after those two
//! seconds, not the retry policy's 100 ms; a `POST` whose response was lost is retried with the
//! same idempotency key and creates one order. Every request goes through the one shared client
//! (its user agent).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client, ClientError};
use serde_json::{Value, json};

use crate::common::{self, WorkerProcess};

/// The local API, killed when dropped.
struct Api {
    child: Child,
    base_url: String,
}

impl Api {
    fn start() -> Self {
        let script = common::workspace().join("examples/tests/python/http_api.py");
        let mut child = Command::new(common::python())
            .arg(&script)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the API starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the API prints its port");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the API printed {line:?}"));
        Self {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn stats(&self) -> Value {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::get(format!("{}/stats", self.base_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_example_maps_statuses_to_failures_and_retries_idempotently() {
    let api = Api::start();
    let server = common::server().await;
    let task_queue = common::unique_task_queue("http");
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_http_worker"),
        server,
        &task_queue,
        &[("API_BASE_URL", &api.base_url)],
    );
    let client = Client::connect(server.address(), server.namespace())
        .await
        .unwrap();
    let options = || {
        ActivityOptions::new(&task_queue)
            .start_to_close_timeout(Duration::from_secs(30))
            .initial_retry_interval(Duration::from_millis(100))
            .maximum_attempts(3)
    };

    let user: Value = client
        .execute_activity("get_user", (1,), options())
        .await
        .unwrap();
    assert_eq!(
        user,
        json!({"id": 1, "name": "Ada", "email": "ada@example.com"})
    );

    let err = client
        .execute_activity::<Value>("get_user", (7,), options())
        .await
        .unwrap_err();
    let ClientError::Failed(failure) = &err else {
        panic!("expected a failure, got {err}");
    };
    let cause = failure.cause.as_deref().unwrap_or(failure);
    assert_eq!(cause.error_type, "NotFound", "{err}");
    assert!(cause.non_retryable, "{err}");
    assert!(cause.message.contains("404"), "{err}");

    let started = Instant::now();
    let user: Value = client
        .execute_activity("get_user", (2,), options())
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(user["name"], "Grace");
    assert!(
        waited >= Duration::from_secs(2),
        "the retry came after {waited:?}, before the API's Retry-After of 2 s"
    );

    let order: Value = client
        .execute_activity(
            "create_order",
            (json!({"sku": "widget", "quantity": 3}),),
            options().id("order-1"),
        )
        .await
        .unwrap();
    assert_eq!(order, json!({"order_id": "order-1"}));

    let stats = api.stats().await;
    assert_eq!(stats["orders_created"], 1, "{stats:#}");
    // Two attempts (the first answered 502 after creating the order), one key.
    let keys = stats["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{stats:#}");
    assert_eq!(keys[0], keys[1], "{stats:#}");
    assert!(keys[0].as_str().unwrap().ends_with("/order-1"), "{stats:#}");
    // One 404 request (non-retryable), two for the 503 then 200.
    assert_eq!(stats["requests"]["/users/7"], 1, "{stats:#}");
    assert_eq!(stats["requests"]["/users/2"], 2, "{stats:#}");
    // Every request but the test's own came from the worker's one client.
    let agents: Vec<&str> = stats["user_agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(agents.contains(&"activity-runtime-example"), "{stats:#}");
}
