use activity_runtime::activity;

#[activity(isolation = "process", memory_limit = "1 MiB")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
