use activity_runtime::activity;

#[activity]
async fn say_hello(name: &str) -> String {
    format!("Hello, {name}!")
}

fn main() {}
