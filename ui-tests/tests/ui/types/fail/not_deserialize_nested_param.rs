use activity_runtime::activity;

/// Not `Deserialize`: a `Vec` of it cannot be decoded either.
struct Order {
    id: u64,
}

#[activity]
async fn ship_all(orders: Vec<Order>) -> usize {
    orders.iter().filter(|o| o.id > 0).count()
}

fn main() {}
