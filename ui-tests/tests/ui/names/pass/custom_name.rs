use activity_runtime::{Activity, activities, activity};

#[activity(name = "custom")]
async fn say_hello(name: String) -> String {
    format!("Hello, {name}!")
}

#[activity(name = "blocking-custom")]
fn compose(a: String, b: String) -> String {
    a + &b
}

pub fn main() {
    assert_eq!(<say_hello as Activity>::NAME, "custom");
    assert_eq!(<compose as Activity>::NAME, "blocking-custom");
    let activities = activities![say_hello, compose];
    assert_eq!(
        activities.names().collect::<Vec<_>>(),
        ["custom", "blocking-custom"]
    );
}
