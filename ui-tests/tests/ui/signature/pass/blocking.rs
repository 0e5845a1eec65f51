use activity_runtime::{activities, activity};

/// A plain `fn` runs on the blocking pool.
#[activity]
fn compose_greeting(greeting: String, name: String) -> String {
    std::thread::sleep(std::time::Duration::from_millis(1));
    format!("{greeting}, {name}!")
}

#[activity]
fn nothing() {}

pub fn main() {
    // The functions stay callable as written.
    assert_eq!(compose_greeting("Hi".into(), "you".into()), "Hi, you!");
    nothing();
    let _ = activities![compose_greeting, nothing];
}
