use activity_runtime::activity;

#[activity(name = "greet", name = "hello")]
async fn say_hello() {}

fn main() {}
