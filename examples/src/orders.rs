//! Activities whose types cross to other languages: nested structs, enums, `Option` tails and
//! bytes. Each type derives `schemars::JsonSchema` beside serde's traits, so the exported contract
//! (`examples::activities().contract()`, or `worker --print-contract`) describes it and typed
//! Python and TypeScript callers can be generated from it.

use activity_runtime::{ActivityContext, ActivityError, Bytes, RawValue, activity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who orders.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Customer {
    /// Their name, as printed on the quote.
    pub name: String,
    /// Where to send the quote, if anywhere.
    pub email: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrderLine {
    /// The product.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_price_cents: u64,
}

/// How fast to ship (a plain enum: a string on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The usual.
    Standard,
    /// Faster, for a fee.
    Express,
}

/// Where the order goes (an enum with data, tagged by `method` on the wire).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Delivery {
    /// Shipped to an address.
    Ship {
        /// The address.
        address: String,
    },
    /// Picked up at a store.
    Pickup {
        /// The store.
        store: String,
    },
}

/// An order: nested structs, a list, enums.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Order {
    /// Who orders.
    pub customer: Customer,
    /// What they order.
    pub lines: Vec<OrderLine>,
    /// How fast.
    pub priority: Priority,
    /// Where to.
    pub delivery: Delivery,
}

/// What `quote_order` returns.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Quote {
    /// The customer's name.
    pub customer: String,
    /// The sum of the lines, in cents.
    pub subtotal_cents: u64,
    /// What the coupon takes off, in cents.
    pub discount_cents: u64,
    /// What to pay, in cents (express shipping adds 500).
    pub total_cents: u64,
    /// The order's priority.
    pub priority: Priority,
    /// Where it goes, in words.
    pub delivery: String,
    /// The gift note, if one was given.
    pub gift_note: Option<String>,
}

/// Quotes an order. `coupon` and `gift_note` are an `Option` tail: callers may leave them out.
/// The coupon `TENOFF` takes 10% off; any other coupon fails for good.
#[activity]
pub async fn quote_order(
    order: Order,
    coupon: Option<String>,
    gift_note: Option<String>,
) -> Result<Quote, ActivityError> {
    let subtotal_cents: u64 = order
        .lines
        .iter()
        .map(|line| u64::from(line.quantity) * line.unit_price_cents)
        .sum();
    let discount_cents = match coupon.as_deref() {
        None => 0,
        Some("TENOFF") => subtotal_cents / 10,
        Some(other) => {
            return Err(ActivityError::new(format!("unknown coupon `{other}`"))
                .with_type("InvalidCoupon")
                .non_retryable());
        }
    };
    let express_fee = match order.priority {
        Priority::Standard => 0,
        Priority::Express => 500,
    };
    Ok(Quote {
        customer: order.customer.name,
        subtotal_cents,
        discount_cents,
        total_cents: subtotal_cents - discount_cents + express_fee,
        priority: order.priority,
        delivery: match order.delivery {
            Delivery::Ship { address } => format!("ship to {address}"),
            Delivery::Pickup { store } => format!("pick up at {store}"),
        },
        gift_note,
    })
}

/// Bytes both ways (`binary/plain`: Python's `bytes`, TypeScript's `Uint8Array`): the input
/// reversed. Its result is limited to 1 MiB, which the contract says.
#[activity(max_result_size = "1 MiB")]
pub fn reverse_bytes(data: Bytes) -> Bytes {
    Bytes(data.0.into_iter().rev().collect())
}

/// The dynamic activity: serves the retired `greet_v1` type (one string argument) and fails for
/// good on any other type nobody registered. Its arguments are whatever callers send, so the
/// contract lists no parameters for it.
#[activity(dynamic)]
pub async fn legacy_call(
    ctx: ActivityContext,
    args: Vec<RawValue>,
) -> Result<String, ActivityError> {
    let activity_type = ctx.info().activity_type.clone();
    match activity_type.as_str() {
        "greet_v1" => {
            let name: String = args
                .first()
                .ok_or_else(|| ActivityError::new("greet_v1 takes a name").non_retryable())?
                .decode()?;
            Ok(format!("Hello, {name}! (v1)"))
        }
        other => Err(ActivityError::new(format!(
            "activity type `{other}` is not served by the example worker"
        ))
        .with_type("NotFound")
        .non_retryable()),
    }
}
