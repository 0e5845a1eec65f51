// A future-returning `fn` is an `async fn` written the long way: the attribute says so.
use std::future::Future;

use activity_runtime::activity;

#[activity]
fn greet(name: String) -> impl Future<Output = String> {
    async move { format!("Hello, {name}!") }
}

fn main() {}
