use activity_runtime::activity;

/// Not `Serialize`: cannot be encoded into a payload.
struct Receipt {
    id: u64,
}

#[activity]
async fn ship(order: u64) -> Receipt {
    Receipt { id: order }
}

fn main() {}
