// `#[activity]` on a trait implementation, and the instance registered on the real worker builder:
// the attribute's error is the only one (registering adds none).
use std::sync::Arc;

use activity_runtime::{Worker, activity};

trait Greet {
    fn greet(&self, name: String) -> String;
}

struct Greeter;

#[activity]
impl Greet for Greeter {
    #[activity]
    fn greet(&self, name: String) -> String {
        name
    }
}

fn main() {
    let _ = Worker::builder().register(Arc::new(Greeter));
}
