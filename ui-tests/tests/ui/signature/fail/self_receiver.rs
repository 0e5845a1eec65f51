use activity_runtime::activity;

struct Greeter;

impl Greeter {
    #[activity]
    async fn say_hello(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

fn main() {}
