use activity_runtime::activity;

#[activity(max_result_size = 0)]
async fn export() -> Vec<u8> {
    Vec::new()
}

fn main() {}
