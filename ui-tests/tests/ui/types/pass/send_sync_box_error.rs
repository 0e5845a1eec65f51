// The idiomatic boxed error, with `Send + Sync`, however it is written.
use std::error::Error;

use activity_runtime::activity;

#[activity]
async fn parse(text: String) -> Result<u32, Box<dyn Error + Send + Sync>> {
    Ok(text.parse()?)
}

#[activity]
fn parse_blocking(text: String) -> Result<u32, Box<dyn std::error::Error + Sync + Send + 'static>> {
    Ok(text.parse()?)
}

pub fn main() {
    let _ = activity_runtime::activities![parse, parse_blocking];
}
