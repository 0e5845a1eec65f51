use activity_runtime::activities;

// Missing `#[activity]`.
async fn not_an_activity() {}

fn main() {
    let _ = activities![not_an_activity];
}
