use activity_runtime::activity;

unsafe extern "C" {
    #[activity]
    safe fn answer() -> u32;
}

fn main() {}
