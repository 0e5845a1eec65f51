use activity_runtime::activity;

/// Not `Serialize`: cannot be the success value of an activity.
struct Receipt {
    id: u64,
}

#[activity]
async fn ship(order: u64) -> Result<Receipt, std::io::Error> {
    Ok(Receipt { id: order })
}

fn main() {}
