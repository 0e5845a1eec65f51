use activity_runtime::activity;

struct Greeter;

#[activity]
impl Greeter {
    async fn greet(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

fn main() {}
