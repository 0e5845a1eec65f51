use activity_runtime::activity;
use serde::Serialize;

/// `Serialize` but not an error: a `Result` must never be sent as a plain value (`{"Err": ...}`).
#[derive(Serialize)]
struct ShipError {
    reason: String,
}

#[activity]
async fn ship(order: u64) -> Result<u64, ShipError> {
    Ok(order)
}

fn main() {}
