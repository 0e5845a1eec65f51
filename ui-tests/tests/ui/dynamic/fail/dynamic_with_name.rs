use activity_runtime::{RawValue, activity};

#[activity(dynamic, name = "fallback")]
async fn fallback(args: Vec<RawValue>) -> usize {
    args.len()
}

fn main() {}
