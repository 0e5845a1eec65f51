// `#[activity]` on a trait implementation, and the instance registered anyway: the attribute's
// error is the only one (registering adds none).
use std::sync::Arc;

use activity_runtime::{Activities, activity};

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

fn register(_activities: impl Into<Activities>) {}

fn main() {
    register(Arc::new(Greeter));
}
