use activity_runtime::{ActivityContext, activity};

#[activity]
async fn greet(ctx: ActivityContext, again: ActivityContext) {
    let _ = (ctx, again);
}

fn main() {}
