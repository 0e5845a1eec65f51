// The instance of an `#[activity] impl` block registered without `Arc`, on the real worker builder.
use activity_runtime::{Worker, activity};

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {
    let _ = Worker::builder().register(Greeter);
}
