use activity_runtime::activity;

#[activity]
async fn chunk<const N: usize>(data: Vec<u8>) -> usize {
    data.len() / N
}

fn main() {}
