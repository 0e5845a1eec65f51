use activity_runtime::{RawValue, activity};

#[activity(dynamic = true)]
async fn fallback(args: Vec<RawValue>) -> usize {
    args.len()
}

fn main() {}
