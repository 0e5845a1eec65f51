use activity_runtime::{ActivityContext, activity};

#[activity]
async fn say_hello(name: String, ctx: ActivityContext) -> String {
    let _ = ctx;
    format!("Hello, {name}!")
}

fn main() {}
