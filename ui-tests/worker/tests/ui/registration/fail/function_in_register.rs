// An `#[activity]` function passed to the real worker builder's `register` instead of listed in
// `activities![...]`.
use activity_runtime::{Worker, activity};

#[activity]
async fn say_hello(name: String) -> String {
    name
}

fn main() {
    let _ = Worker::builder().register(say_hello);
}
