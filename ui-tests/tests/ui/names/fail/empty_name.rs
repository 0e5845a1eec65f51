use activity_runtime::activity;

#[activity(name = "")]
async fn say_hello() {}

fn main() {}
