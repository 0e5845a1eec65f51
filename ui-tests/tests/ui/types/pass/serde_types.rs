use std::collections::HashMap;

use activity_runtime::{activities, activity};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Order {
    id: u64,
    items: Vec<String>,
}

#[derive(Serialize)]
struct Receipt {
    id: u64,
    count: usize,
}

#[activity]
async fn ship(order: Order, tags: HashMap<String, String>) -> Receipt {
    let _ = tags;
    Receipt {
        id: order.id,
        count: order.items.len(),
    }
}

#[activity]
async fn ship_all(orders: Vec<Order>) -> Result<Vec<Receipt>, std::io::Error> {
    Ok(orders
        .into_iter()
        .map(|o| Receipt {
            id: o.id,
            count: o.items.len(),
        })
        .collect())
}

pub fn main() {
    let _ = activities![ship, ship_all];
}
