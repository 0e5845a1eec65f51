use activity_runtime::activity;

struct Store<T>(T);

#[activity]
impl<T: Send + Sync + 'static> Store<T> {
    #[activity]
    async fn size(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

fn main() {}
