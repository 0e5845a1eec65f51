// Reported once, on the borrowed parameter, not also on `<'a>`.
use activity_runtime::activity;

#[activity]
async fn greet<'a>(name: &'a str) -> String {
    format!("Hello, {name}!")
}

fn main() {}
