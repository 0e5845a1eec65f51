use activity_runtime::activity;

const LIMIT: usize = 1 << 20;

#[activity(max_heartbeat_size = LIMIT)]
async fn export() -> String {
    String::new()
}

fn main() {}
