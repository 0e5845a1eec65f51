use activity_runtime::activity;

#[activity(max_result_size = "2 mebibytes")]
async fn export() -> String {
    String::new()
}

fn main() {}
