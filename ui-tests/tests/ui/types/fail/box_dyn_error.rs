// The common `Box<dyn Error>` cannot cross threads: one error that says what to add.
use activity_runtime::activity;

#[activity]
async fn parse(text: String) -> Result<u32, Box<dyn std::error::Error>> {
    Ok(text.parse()?)
}

fn main() {}
