// Every prelude name the generated code could lean on is shadowed at module level: the expansion
// must reach everything through `activity_runtime`.
#![allow(dead_code)]

use activity_runtime::{Activities, activities, activity};

struct Box;
type Result = ();
struct Vec;
struct Option;
struct String;

#[activity]
async fn greet(
    name: std::string::String,
    greeting: std::option::Option<std::string::String>,
) -> std::string::String {
    format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
}

#[activity]
fn lengths(
    items: std::vec::Vec<std::string::String>,
) -> std::result::Result<std::vec::Vec<usize>, std::boxed::Box<dyn std::error::Error + Send + Sync>>
{
    std::result::Result::Ok(items.iter().map(|s| s.len()).collect())
}

#[activity]
async fn check(
    ctx: activity_runtime::ActivityContext,
    n: u32,
) -> std::result::Result<u32, activity_runtime::ActivityError> {
    let _ = ctx;
    std::result::Result::Ok(n)
}

#[activity]
async fn nothing() {}

pub fn main() {
    let _registered: Activities = activities![greet, lengths, check, nothing];
}
