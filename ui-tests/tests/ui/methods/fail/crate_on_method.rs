use activity_runtime::activity;

struct Greeter;

#[activity]
impl Greeter {
    #[activity(crate = "activity_runtime")]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {}
