#![deny(dead_code)]

use activity_runtime::activity;

// Never registered, never called: must still be reported as dead code.
#[activity]
fn unused() {}

fn main() {}
