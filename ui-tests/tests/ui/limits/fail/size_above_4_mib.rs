use activity_runtime::activity;

#[activity(max_result_size = "8 MiB")]
async fn export() -> String {
    String::new()
}

fn main() {}
