use activity_runtime::activity;

#[activity(isolation = "thread", isolation = "process")]
fn checksum(data: Vec<u8>) -> u32 {
    data.iter().map(|&b| u32::from(b)).sum()
}

fn main() {}
