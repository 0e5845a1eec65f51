// A generic `#[activity] impl` block, and its instance registered on the real worker builder: the
// attribute's error is the only one (registering adds none).
use std::sync::Arc;

use activity_runtime::{Worker, activity};

struct Store<T>(T);

#[activity]
impl<T: Send + Sync + 'static> Store<T> {
    #[activity]
    async fn size(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

fn main() {
    let _ = Worker::builder().register(Arc::new(Store(1u8)));
}
