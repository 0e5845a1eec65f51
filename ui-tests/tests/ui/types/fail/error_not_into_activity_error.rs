use activity_runtime::activity;

/// Neither `std::error::Error` nor `Into<ActivityError>`.
#[derive(Debug)]
struct ShipError;

#[activity]
async fn ship(order: u64) -> Result<u64, ShipError> {
    if order == 0 {
        Err(ShipError)
    } else {
        Ok(order)
    }
}

fn main() {}
