// A result that only serializes cannot be received by a typed caller: the error names the type.
use activity_runtime::activity;
use activity_runtime::client::ActivityDefinition;
use serde::Serialize;

#[derive(Serialize)]
struct Receipt {
    total: u64,
}

#[activity]
async fn receipt() -> Receipt {
    Receipt { total: 3 }
}

// Only the definition: a signature that also names `A::Input` (as the official client's
// `start_activity` does) makes rustc report the same missing trait a second time, at the call.
fn start<A: ActivityDefinition>(_activity: A) {}

fn main() {
    start(receipt {});
}
