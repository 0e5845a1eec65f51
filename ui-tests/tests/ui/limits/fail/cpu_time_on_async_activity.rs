use activity_runtime::activity;

#[activity(cpu_time = "30 s")]
async fn render(page: u32) -> Vec<u8> {
    vec![0; page as usize]
}

fn main() {}
