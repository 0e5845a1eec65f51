// The context is recognised by its type's name, and also as a first parameter called `ctx`
// whatever its type is called: an import under another name, or an alias, works. A first
// argument called `context` is an ordinary argument.
use std::sync::Arc;

use activity_runtime::ActivityContext as Ctx;
use activity_runtime::{Activities, activities, activity};

type Context = activity_runtime::ActivityContext;

#[activity]
async fn renamed(ctx: Ctx, name: String) -> String {
    format!("{name} (attempt {})", ctx.info().attempt)
}

#[activity]
fn aliased(ctx: Context) -> u32 {
    ctx.info().attempt
}

#[activity]
async fn summarize(context: String, question: String) -> String {
    format!("{question} in {context}")
}

#[activity]
async fn unused(_ctx: Ctx) {}

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn greet(&self, mut ctx: Ctx, name: String) -> String {
        ctx = ctx.clone();
        format!("{name} (attempt {})", ctx.info().attempt)
    }
}

pub fn main() {
    let _ = activities![renamed, aliased, unused, summarize];
    let _: Activities = Arc::new(Greeter).into();
    let env = activity_runtime::testing::ActivityEnvironment::new();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let greeting: String = runtime
        .block_on(env.run::<renamed, _>(("World".to_owned(),)))
        .unwrap();
    assert_eq!(greeting, "World (attempt 1)");
}
