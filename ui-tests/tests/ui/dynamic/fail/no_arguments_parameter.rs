use activity_runtime::{ActivityContext, activity};

#[activity(dynamic)]
async fn fallback(ctx: ActivityContext) -> String {
    ctx.info().activity_type.clone()
}

fn main() {}
