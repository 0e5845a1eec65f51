use activity_runtime::activity;

#[activity(max_heartbeat_size = "5 MiB")]
async fn export() -> Vec<u8> {
    Vec::new()
}

fn main() {}
