use activity_runtime::activity;

#[activity]
extern "C" fn answer() -> u32 {
    42
}

fn main() {}
