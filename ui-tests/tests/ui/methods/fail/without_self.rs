use activity_runtime::activity;

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn greet(name: String) -> String {
        format!("Hello, {name}!")
    }
}

fn main() {}
