use activity_runtime::{RawValue, activity};

struct Router;

#[activity(dynamic)]
impl Router {
    #[activity]
    async fn fallback(&self, args: Vec<RawValue>) -> usize {
        args.len()
    }
}

fn main() {}
