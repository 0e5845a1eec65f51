use activity_runtime::{ActivityContext, activity};

#[activity]
async fn greet(ctx: &mut ActivityContext) {
    let _ = ctx;
}

fn main() {}
