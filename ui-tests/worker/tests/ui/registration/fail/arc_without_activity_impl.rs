// An `Arc` of a type without an `#[activity] impl` block, on the real worker builder.
use std::sync::Arc;

use activity_runtime::Worker;

struct Greeter;

impl Greeter {
    #[allow(dead_code)]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {
    let _ = Worker::builder().register(Arc::new(Greeter));
}
