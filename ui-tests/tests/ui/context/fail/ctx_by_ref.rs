use activity_runtime::{ActivityContext, activity};

#[activity]
async fn say_hello(ctx: &ActivityContext, name: String) -> String {
    let _ = ctx;
    format!("Hello, {name}!")
}

fn main() {}
