use activity_runtime::{ActivityContext, RawValue, activity};

#[activity(dynamic)]
async fn fallback(args: Vec<RawValue>, ctx: ActivityContext) -> usize {
    let _ = ctx;
    args.len()
}

fn main() {}
