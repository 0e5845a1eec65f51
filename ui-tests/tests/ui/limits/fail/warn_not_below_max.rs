use activity_runtime::activity;

#[activity(max_result_size = "512 KiB", warn_result_size = "1 MiB")]
async fn export() -> String {
    String::new()
}

fn main() {}
