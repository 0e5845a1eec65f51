use activity_runtime::activity;

/// Not `Deserialize`: cannot be decoded from a payload.
struct Order {
    id: u64,
}

#[activity]
async fn ship(warehouse: String, order: Order) -> u64 {
    let _ = warehouse;
    order.id
}

fn main() {}
