// A bare string is not an option: the name is written `name = "..."`.
use activity_runtime::activity;

#[activity("greet")]
async fn say_hello() {}

fn main() {}
