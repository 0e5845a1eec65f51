// A first parameter called `ctx` is the context; its type says otherwise.
use activity_runtime::activity;

#[activity]
async fn greet(ctx: String, name: String) -> String {
    format!("{ctx} {name}")
}

fn main() {}
