//! Activities that share a database connection pool: r2d2 with rusqlite on a SQLite file.
//!
//! The pool is built once in `main` and lives in `Accounts`, whose methods are the activities; the
//! worker keeps `Accounts` for as long as it runs. rusqlite is synchronous, so the activities are
//! plain `fn`s: they run on the worker's blocking threads, never on the async ones, and a slow
//! query cannot stall polling or heartbeats. (With an async driver such as sqlx, the methods would
//! be `async fn` and the pool its own; the shape is the same.)
//!
//! Size the pool for the activities that may run at once: here both are 8, so an activity never
//! waits for a connection. With fewer connections than slots, activities wait in `pool.get()` up
//! to its `connection_timeout` and then fail the attempt (retryable).
//!
//! An activity may run more than once (a retry after its result was lost), so `transfer` is
//! idempotent: it records the transfer's id in the same transaction that moves the money, and a
//! transfer already recorded is not applied again.
//!
//! ```text
//! DATABASE_PATH=/tmp/accounts.db TEMPORAL_ADDRESS=localhost:7233 cargo run -p examples --bin database_worker
//! temporal activity execute --activity-id open-alice --type open_account --task-queue database-activities \
//!     --start-to-close-timeout 30s --input '"alice"' --input 100
//! ```

use std::time::Duration;

use activity_runtime::{ActivityError, Worker, activity};
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use r2d2_sqlite::rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// Activities that may run at once, and connections in the pool.
const CONCURRENCY: u32 = 8;

/// A transfer between two accounts; `id` makes it idempotent.
#[derive(Debug, Serialize, Deserialize)]
struct Transfer {
    id: String,
    from: String,
    to: String,
    amount: i64,
}

/// Both balances after a transfer.
#[derive(Debug, Serialize, Deserialize)]
struct Balances {
    from: i64,
    to: i64,
    /// False when this transfer had been applied before (a repeated call).
    applied: bool,
}

/// The accounts service: its methods are activities, all using the same pool.
struct Accounts {
    pool: Pool<SqliteConnectionManager>,
}

#[activity]
impl Accounts {
    /// Opens `id` with `balance`; opening an open account changes nothing. Returns the balance.
    #[activity]
    fn open_account(&self, id: String, balance: i64) -> Result<i64, ActivityError> {
        let db = self.pool.get()?;
        db.execute(
            "INSERT INTO accounts (id, balance) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
            params![id, balance],
        )?;
        Ok(
            db.query_row("SELECT balance FROM accounts WHERE id = ?1", [&id], |row| {
                row.get(0)
            })?,
        )
    }

    /// The balance of `id`.
    #[activity]
    fn balance(&self, id: String) -> Result<i64, ActivityError> {
        let db = self.pool.get()?;
        db.query_row("SELECT balance FROM accounts WHERE id = ?1", [&id], |row| {
            row.get(0)
        })
        .optional()?
        .ok_or_else(|| no_account(&id))
    }

    /// Moves `amount` from one account to the other, once per transfer id. Fails for good
    /// (`InsufficientFunds`, `NoSuchAccount`) when retrying cannot help.
    #[activity]
    fn transfer(&self, transfer: Transfer) -> Result<Balances, ActivityError> {
        let mut db = self.pool.get()?;
        // IMMEDIATE: take the write lock first, so that concurrent transfers queue (up to the
        // busy timeout) instead of failing when they upgrade a read lock.
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let balance = |id: &str| {
            tx.query_row("SELECT balance FROM accounts WHERE id = ?1", [id], |row| {
                row.get::<_, i64>(0)
            })
            .optional()?
            .ok_or_else(|| no_account(id))
        };
        let (from, to) = (balance(&transfer.from)?, balance(&transfer.to)?);
        let new = tx.execute(
            "INSERT INTO transfers (id) VALUES (?1) ON CONFLICT (id) DO NOTHING",
            [&transfer.id],
        )? == 1;
        if !new {
            return Ok(Balances {
                from,
                to,
                applied: false,
            });
        }
        if from < transfer.amount {
            return Err(ActivityError::new(format!(
                "{} has {from}, cannot transfer {}",
                transfer.from, transfer.amount
            ))
            .with_type("InsufficientFunds")
            .non_retryable());
        }
        let update = "UPDATE accounts SET balance = balance + ?2 WHERE id = ?1";
        tx.execute(update, params![transfer.from, -transfer.amount])?;
        tx.execute(update, params![transfer.to, transfer.amount])?;
        tx.commit()?;
        Ok(Balances {
            from: from - transfer.amount,
            to: to + transfer.amount,
            applied: true,
        })
    }
}

fn no_account(id: &str) -> ActivityError {
    ActivityError::new(format!("no account {id}"))
        .with_type("NoSuchAccount")
        .non_retryable()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examples::init_tracing();
    let path = std::env::var("DATABASE_PATH").unwrap_or_else(|_| "accounts.db".to_owned());
    // Every connection waits up to 5 s for another's write lock, and the file is in WAL mode, so
    // readers do not block the writer.
    let manager = SqliteConnectionManager::file(&path).with_init(|db| {
        db.busy_timeout(Duration::from_secs(5))?;
        db.pragma_update(None, "journal_mode", "WAL")
    });
    let pool = Pool::builder()
        .max_size(CONCURRENCY)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    pool.get()?.execute_batch(
        "CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS transfers (id TEXT PRIMARY KEY);",
    )?;

    let task_queue = examples::task_queue_or("database-activities");
    let worker = Worker::builder()
        .task_queue(&task_queue)
        .max_concurrent_activities(CONCURRENCY as usize)
        .register(std::sync::Arc::new(Accounts { pool }))
        .build()
        .await?;
    println!("worker serving task queue `{task_queue}` with the database {path}; Ctrl-C to stop");
    worker.run().await?;
    Ok(())
}
