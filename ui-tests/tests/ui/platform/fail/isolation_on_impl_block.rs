use activity_runtime::activity;

struct Store;

#[activity(isolation = "process")]
impl Store {
    #[activity]
    fn checksum(&self, data: Vec<u8>) -> u32 {
        data.iter().map(|&b| u32::from(b)).sum()
    }
}

fn main() {}
