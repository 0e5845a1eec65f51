use activity_runtime::activity;

#[activity]
async fn say_hello(name: impl std::fmt::Display) -> String {
    format!("Hello, {name}!")
}

fn main() {}
