// `register` takes `impl Into<Activities>`, as `WorkerBuilder::register` does.
use activity_runtime::{Activities, activity};

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn register(_activities: impl Into<Activities>) {}

fn main() {
    register(Greeter);
}
