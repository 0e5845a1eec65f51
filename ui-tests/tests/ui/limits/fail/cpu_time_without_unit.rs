use activity_runtime::activity;

#[activity(isolation = "process", cpu_time = "30")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
