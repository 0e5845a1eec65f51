use activity_runtime::{activities, activity};

/// A trailing `Option` parameter decodes as `None` when the caller leaves it out.
#[activity]
async fn greet(name: String, greeting: Option<String>) -> String {
    format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
}

#[activity]
fn greet_blocking(name: String, times: Option<u32>) -> Vec<String> {
    vec![name; times.unwrap_or(1) as usize]
}

pub fn main() {
    let _ = activities![greet, greet_blocking];
}
