use activity_runtime::{activities, activity};

#[activity]
async fn zero() {}

#[activity]
async fn one(a: String) -> String {
    a
}

#[activity]
async fn three(a: String, b: u32, c: Vec<i64>) -> (String, u32, usize) {
    (a, b, c.len())
}

#[activity]
#[allow(clippy::too_many_arguments)]
async fn eight(a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: i32, h: i64) -> i128 {
    i128::from(a)
        + i128::from(b)
        + i128::from(c)
        + i128::from(d)
        + i128::from(e)
        + i128::from(f)
        + i128::from(g)
        + i128::from(h)
}

pub fn main() {
    let _ = activities![zero, one, three, eight];
}
