use activity_runtime::activity;

struct Greeter;

#[activity]
impl Greeter {
    #[activity(name = "greet")]
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        name
    }
}

fn main() {}
