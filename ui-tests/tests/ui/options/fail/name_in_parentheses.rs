use activity_runtime::activity;

#[activity(name("greet"))]
async fn say_hello() {}

fn main() {}
