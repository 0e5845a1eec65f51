use activity_runtime::activity;

#[activity(nmae = "greet")]
async fn say_hello() {}

fn main() {}
