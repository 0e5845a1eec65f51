// Two attributes instead of one list: everything would be defined twice.
use activity_runtime::activity;

#[activity(name = "greet")]
#[activity(max_result_size = "1 MiB")]
async fn say_hello() {}

fn main() {}
