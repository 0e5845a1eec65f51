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

fn start<A: ActivityDefinition>(_activity: A, _input: A::Input) {}

fn main() {
    start(receipt {}, ());
}
