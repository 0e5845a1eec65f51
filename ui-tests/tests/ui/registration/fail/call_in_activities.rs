// `activities![...]` names activities; it does not call them.
use activity_runtime::{activities, activity};

#[activity]
async fn say_hello(name: String) -> String {
    name
}

fn main() {
    let _ = activities![say_hello("World".to_owned())];
}
