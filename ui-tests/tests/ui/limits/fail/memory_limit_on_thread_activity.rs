use activity_runtime::activity;

#[activity(memory_limit = "512 MiB")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
