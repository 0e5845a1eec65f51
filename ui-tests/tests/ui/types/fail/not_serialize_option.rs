use activity_runtime::activity;

/// Not `Serialize`: an `Option` of it cannot be encoded either.
struct Receipt {
    id: u64,
}

#[activity]
async fn ship(order: u64) -> Option<Receipt> {
    Some(Receipt { id: order })
}

fn main() {}
