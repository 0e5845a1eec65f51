use activity_runtime::activity;

#[activity(isolation = "process", open_files = "256")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
