use activity_runtime::{ActivityContext, activities, activity};

#[activity]
async fn say_hello(ctx: ActivityContext, name: String) -> String {
    let attempt = ctx.info().attempt;
    format!("Hello, {name} (attempt {attempt})!")
}

#[activity]
async fn only_ctx(ctx: ActivityContext) -> bool {
    ctx.is_cancelled()
}

#[activity]
async fn qualified(_ctx: activity_runtime::ActivityContext) {}

pub fn main() {
    let _ = activities![say_hello, only_ctx, qualified];
}
