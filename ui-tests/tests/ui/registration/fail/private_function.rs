use activity_runtime::activities;

mod greetings {
    use activity_runtime::activity;

    #[activity]
    async fn say_hello(name: String) -> String {
        name
    }
}

fn main() {
    let _ = activities![greetings::say_hello];
}
