// A method may return a borrow of its instance: the result is encoded while the instance is held.
use std::sync::Arc;

use activity_runtime::{Activities, activity};

struct Config {
    region: String,
}

#[activity]
impl Config {
    #[activity]
    fn region(&self) -> &str {
        &self.region
    }

    #[activity]
    async fn region_async(&self) -> &str {
        &self.region
    }
}

#[activity]
async fn constant() -> &'static str {
    "eu-west-1"
}

pub fn main() {
    let _: Activities = Arc::new(Config { region: "eu".to_owned() }).into();
    let _ = activity_runtime::activities![constant];
}
