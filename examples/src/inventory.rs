//! Activities that share state: methods of one `Inventory` holding a pool-like resource, which the
//! worker keeps for as long as it runs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use activity_runtime::{ActivityContext, ActivityError, activity};

/// A stand-in for a database connection pool: one per process, shared by every activity.
#[derive(Debug, Default)]
pub struct Pool {
    stock: Mutex<HashMap<String, u32>>,
    checkouts: AtomicUsize,
}

impl Pool {
    /// A pool over this starting stock.
    pub fn with_stock(stock: impl IntoIterator<Item = (String, u32)>) -> Self {
        Self {
            stock: Mutex::new(stock.into_iter().collect()),
            checkouts: AtomicUsize::new(0),
        }
    }

    /// Runs `f` on a checked-out "connection".
    fn with_connection<R>(&self, f: impl FnOnce(&mut HashMap<String, u32>) -> R) -> R {
        self.checkouts.fetch_add(1, Ordering::SeqCst);
        f(&mut self.stock.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many times a connection was checked out.
    pub fn checkouts(&self) -> usize {
        self.checkouts.load(Ordering::SeqCst)
    }
}

/// The inventory service: its methods are activities, all using the same pool.
#[derive(Debug)]
pub struct Inventory {
    /// The shared resource.
    pub pool: Pool,
}

#[activity]
impl Inventory {
    /// Reserves `quantity` of `sku`; fails for good when there is not enough.
    #[activity]
    pub async fn reserve(
        &self,
        ctx: ActivityContext,
        sku: String,
        quantity: u32,
    ) -> Result<u32, ActivityError> {
        tracing_free_log(&ctx, &sku);
        self.pool.with_connection(|stock| {
            let available = stock.entry(sku.clone()).or_default();
            if *available < quantity {
                return Err(ActivityError::new(format!(
                    "only {available} of {sku} left, {quantity} wanted"
                ))
                .with_type("OutOfStock")
                .non_retryable());
            }
            *available -= quantity;
            Ok(*available)
        })
    }

    /// How many of `sku` are left. A blocking method: it runs off the async threads.
    #[activity(name = "stock_level")]
    pub fn level(&self, sku: String) -> u32 {
        self.pool
            .with_connection(|stock| stock.get(&sku).copied().unwrap_or(0))
    }
}

/// Where a real service would log; kept trivial so the example has no logging dependency.
fn tracing_free_log(ctx: &ActivityContext, sku: &str) {
    let _ = (ctx.info().attempt, sku);
}
