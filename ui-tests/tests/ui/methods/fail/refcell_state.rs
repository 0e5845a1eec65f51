// Every running activity shares the instance: its state must be `Sync`. One error, on the type.
use std::cell::RefCell;

use activity_runtime::activity;

struct Counter {
    count: RefCell<u64>,
}

#[activity]
impl Counter {
    #[activity]
    fn bump(&self) -> u64 {
        *self.count.borrow_mut() += 1;
        *self.count.borrow()
    }

    #[activity]
    async fn read(&self) -> u64 {
        *self.count.borrow()
    }
}

fn main() {}
