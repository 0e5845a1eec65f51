use activity_runtime::activity;

#[activity(dynamic)]
async fn fallback(args: Vec<String>) -> usize {
    args.len()
}

fn main() {}
