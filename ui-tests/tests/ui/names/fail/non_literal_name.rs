use activity_runtime::activity;

const SOME_CONST: &str = "greet";

#[activity(name = SOME_CONST)]
async fn say_hello() {}

fn main() {}
