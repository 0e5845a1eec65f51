// A type of the user's own that is also called `ActivityContext`.
use activity_runtime::activity;

mod mine {
    pub struct ActivityContext;
}

#[activity]
async fn greet(ctx: mine::ActivityContext, name: String) -> String {
    let _ = ctx;
    name
}

fn main() {}
