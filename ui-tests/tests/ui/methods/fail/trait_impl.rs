use activity_runtime::activity;

trait Greet {
    fn greet(&self, name: String) -> String;
}

struct Greeter;

#[activity]
impl Greet for Greeter {
    #[activity]
    fn greet(&self, name: String) -> String {
        name
    }
}

fn main() {}
