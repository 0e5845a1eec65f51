use activity_runtime::{ActivityContext, activities, activity};

#[activity]
fn compose_greeting(ctx: ActivityContext, greeting: String, name: String) -> String {
    let _ = ctx.info();
    format!("{greeting}, {name}!")
}

#[activity]
fn only_ctx(ctx: ActivityContext) -> bool {
    ctx.is_cancelled()
}

pub fn main() {
    let _ = activities![compose_greeting, only_ctx];
}
