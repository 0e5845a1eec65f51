use activity_runtime::activity;

#[activity]
const GREETING: &str = "Hello";

fn main() {
    let _ = GREETING;
}
