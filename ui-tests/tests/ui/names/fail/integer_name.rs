use activity_runtime::activity;

#[activity(name = 5)]
async fn say_hello() {}

fn main() {}
