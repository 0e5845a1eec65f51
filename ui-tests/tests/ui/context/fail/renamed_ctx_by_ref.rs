use activity_runtime::ActivityContext as Ctx;
use activity_runtime::activity;

#[activity]
async fn greet(ctx: &Ctx, name: String) -> String {
    let _ = ctx;
    name
}

fn main() {}
