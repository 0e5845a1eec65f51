use activity_runtime::activities;

// A type, but no `Activity` implementation.
struct NotAnActivity;

fn main() {
    let _ = activities![NotAnActivity];
}
