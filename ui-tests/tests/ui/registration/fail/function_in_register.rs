use activity_runtime::{Activities, activity};

#[activity]
async fn say_hello(name: String) -> String {
    name
}

fn register(_activities: impl Into<Activities>) {}

fn main() {
    register(say_hello);
}
