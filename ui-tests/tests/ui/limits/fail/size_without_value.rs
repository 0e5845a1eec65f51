use activity_runtime::activity;

#[activity(max_result_size)]
async fn export() -> Vec<u8> {
    Vec::new()
}

fn main() {}
