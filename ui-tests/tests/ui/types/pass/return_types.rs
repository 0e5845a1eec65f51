use activity_runtime::{ActivityError, Bytes, activities, activity};

#[activity]
async fn unit() {}

#[activity]
async fn explicit_unit() -> () {}

#[activity]
async fn string() -> String {
    String::from("hello")
}

#[activity]
async fn io_result(path: String) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

#[activity]
async fn activity_result(n: u32) -> Result<u32, ActivityError> {
    if n == 0 {
        Err(ActivityError::new("zero").non_retryable())
    } else {
        Ok(n)
    }
}

#[activity]
async fn boxed_result(n: u32) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if n == 0 { Err("zero".into()) } else { Ok(()) }
}

#[activity]
async fn bytes(data: Bytes) -> Bytes {
    data
}

#[activity]
fn blocking_result(path: String) -> Result<Bytes, std::io::Error> {
    std::fs::read(path).map(Bytes)
}

pub fn main() {
    let _ = activities![
        unit,
        explicit_unit,
        string,
        io_result,
        activity_result,
        boxed_result,
        bytes,
        blocking_result,
    ];
}
