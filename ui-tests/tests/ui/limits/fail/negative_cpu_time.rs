use activity_runtime::activity;

#[activity(isolation = "process", cpu_time = "-1 s")]
fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
