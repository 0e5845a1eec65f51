// A parameter compiled out with `#[cfg]` is neither decoded nor passed, and the payloads of the
// others keep their order.
use activity_runtime::{Activity, activity};

#[activity]
async fn greet(
    #[cfg(any())] unused: u64,
    greeting: String,
    #[cfg(not(any()))] name: String,
) -> String {
    format!("{greeting}, {name}!")
}

#[activity]
fn blocking(#[cfg(any())] first: u8, second: u8) -> u8 {
    second
}

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn greet(&self, #[cfg(any())] unused: u64, name: String) -> String {
        name
    }
}

pub fn main() {
    assert_eq!(<greet as Activity>::PARAMETERS, ["greeting", "name"]);
    assert_eq!(<blocking as Activity>::PARAMETERS, ["second"]);
    let env = activity_runtime::testing::ActivityEnvironment::new();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let greeting: String = runtime
        .block_on(env.run::<greet, _>(("Hello".to_owned(), "World".to_owned())))
        .unwrap();
    assert_eq!(greeting, "Hello, World!");
    let second: u8 = runtime.block_on(env.run::<blocking, _>((7u8,))).unwrap();
    assert_eq!(second, 7);
}
