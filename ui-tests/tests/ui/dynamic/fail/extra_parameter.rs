use activity_runtime::{RawValue, activity};

#[activity(dynamic)]
async fn fallback(args: Vec<RawValue>, limit: u32) -> usize {
    args.len().min(limit as usize)
}

fn main() {}
