use activity_runtime::activity;

struct Greeter;

#[activity(name = "greet")]
impl Greeter {
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {}
