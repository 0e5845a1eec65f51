use activity_runtime::activity;

#[activity]
async fn echo<T>(value: T) -> T {
    value
}

fn main() {}
