use std::future::Future;
use std::pin::Pin;

use activity_runtime::activity;

#[activity]
fn greet(name: String) -> Pin<Box<dyn Future<Output = String> + Send>> {
    Box::pin(async move { format!("Hello, {name}!") })
}

fn main() {}
