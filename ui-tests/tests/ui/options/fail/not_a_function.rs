use activity_runtime::activity;

#[activity]
struct SayHello;

fn main() {
    let _ = SayHello;
}
