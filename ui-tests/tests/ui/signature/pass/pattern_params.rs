use activity_runtime::{activities, activity};
use serde::Deserialize;

#[derive(Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

#[activity]
async fn add((a, b): (u8, u8)) -> u16 {
    u16::from(a) + u16::from(b)
}

#[activity]
fn norm(Point { x, y }: Point, _: String, [first, ..]: [u8; 4]) -> i64 {
    i64::from(x).abs() + i64::from(y).abs() + i64::from(first)
}

#[activity]
async fn mutable(mut items: Vec<u32>) -> Vec<u32> {
    items.sort_unstable();
    items
}

pub fn main() {
    let _ = activities![add, norm, mutable];
}
