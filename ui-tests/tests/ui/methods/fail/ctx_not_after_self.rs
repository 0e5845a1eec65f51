use activity_runtime::{ActivityContext, activity};

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn greet(&self, name: String, ctx: ActivityContext) -> String {
        format!("Hello, {name} ({})", ctx.info().attempt)
    }
}

fn main() {}
