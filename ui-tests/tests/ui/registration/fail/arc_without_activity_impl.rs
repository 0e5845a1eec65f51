use std::sync::Arc;

use activity_runtime::Activities;

struct Greeter;

impl Greeter {
    #[allow(dead_code)]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn register(_activities: impl Into<Activities>) {}

fn main() {
    register(Arc::new(Greeter));
}
