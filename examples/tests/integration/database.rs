//! The `database_worker` example on a SQLite file: accounts opened through activities, 24
//! transfers run at once through the pool of 8 connections (on the worker's blocking threads), a
//! transfer repeated with its id applied once, an overdraft failing at once as the non-retryable
//! `InsufficientFunds`; the file, read directly afterwards, holds what the activities said.

use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client, ClientError};
use r2d2_sqlite::rusqlite::Connection;
use serde_json::{Value, json};

use crate::common::{self, WorkerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_example_moves_money_once_per_transfer() {
    let dir = std::env::temp_dir().join(format!("database-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("accounts.db");
    let _ = std::fs::remove_file(&path);
    let server = common::server().await;
    let task_queue = common::unique_task_queue("database");
    let _worker = WorkerProcess::start(
        env!("CARGO_BIN_EXE_database_worker"),
        server,
        &task_queue,
        &[("DATABASE_PATH", path.to_str().unwrap())],
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

    for (id, balance) in [("alice", 1000), ("bob", 0)] {
        let opened: i64 = client
            .execute_activity("open_account", (id, balance), options())
            .await
            .unwrap();
        assert_eq!(opened, balance);
    }

    // 24 transfers of 10 at once: they share the 8 connections.
    let mut transfers = tokio::task::JoinSet::new();
    for i in 0..24 {
        let client = client.clone();
        let transfer = json!({"id": format!("t-{i}"), "from": "alice", "to": "bob", "amount": 10});
        let options = options();
        transfers.spawn(async move {
            client
                .execute_activity::<Value>("transfer", (transfer,), options)
                .await
        });
    }
    while let Some(result) = transfers.join_next().await {
        assert_eq!(result.unwrap().unwrap()["applied"], true);
    }

    // The same transfer again: not applied twice.
    let again: Value = client
        .execute_activity(
            "transfer",
            (json!({"id": "t-0", "from": "alice", "to": "bob", "amount": 10}),),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(again, json!({"from": 760, "to": 240, "applied": false}));

    let err = client
        .execute_activity::<Value>(
            "transfer",
            (json!({"id": "too-much", "from": "bob", "to": "alice", "amount": 1000}),),
            options(),
        )
        .await
        .unwrap_err();
    let ClientError::Failed(failure) = &err else {
        panic!("expected a failure, got {err}");
    };
    let cause = failure.cause.as_deref().unwrap_or(failure);
    assert_eq!(cause.error_type, "InsufficientFunds", "{err}");
    assert!(cause.non_retryable, "{err}");

    let bob: i64 = client
        .execute_activity("balance", ("bob",), options())
        .await
        .unwrap();
    assert_eq!(bob, 240);

    // The file itself, read without the worker.
    let db = Connection::open(&path).unwrap();
    let balances: Vec<(String, i64)> = db
        .prepare("SELECT id, balance FROM accounts ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        balances,
        [("alice".to_owned(), 760), ("bob".to_owned(), 240)]
    );
    let recorded: i64 = db
        .query_row("SELECT count(*) FROM transfers", [], |row| row.get(0))
        .unwrap();
    assert_eq!(recorded, 24, "the refused transfer must not be recorded");
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
