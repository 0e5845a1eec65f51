use activity_runtime::activity;

struct Counter {
    n: u32,
}

#[activity]
impl Counter {
    #[activity]
    async fn bump(&mut self) -> u32 {
        self.n += 1;
        self.n
    }
}

fn main() {}
