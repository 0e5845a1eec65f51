// One mistake, one error: the arguments are borrowed.
use activity_runtime::{RawValue, activity};

#[activity(dynamic)]
async fn fallback(args: &[RawValue]) -> usize {
    args.len()
}

fn main() {}
