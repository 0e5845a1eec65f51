// A free function with a receiver: the attribute says what to write, and rustc's own "`self`
// parameter is only allowed in associated functions" does not follow.
use activity_runtime::activity;

#[activity]
async fn say_hello(&self, name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
