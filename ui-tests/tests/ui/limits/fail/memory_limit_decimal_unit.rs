use activity_runtime::activity;

#[activity(isolation = "process", memory_limit = "512 MB")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
