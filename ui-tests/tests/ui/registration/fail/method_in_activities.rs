// Method activities are registered with their instance, not by path.
use activity_runtime::{activities, activity};

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {
    let _ = activities![Greeter::say_hello];
}
