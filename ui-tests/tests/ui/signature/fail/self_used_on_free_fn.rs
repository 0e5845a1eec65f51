// As `self_on_free_fn`, with a body that uses `self`: still one error.
use activity_runtime::activity;

#[activity]
async fn say_hello(&self, name: String) -> String {
    let _ = self;
    format!("Hello, {name}!")
}

fn main() {}
