// `#[activity]` implements the official `ActivityDefinition`: the context is not an input, one
// parameter is its own type, several are `MultiArgsN`, and `Result<T, E>` gives `T`.
use activity_runtime::client::ActivityDefinition;
use activity_runtime::{ActivityContext, activity};
use serde::{Deserialize, Serialize};

fn typed<A: ActivityDefinition<Input = I, Output = O>, I, O>(activity: A, name: &str) {
    assert_eq!(activity.name(), name);
}

#[derive(Serialize, Deserialize)]
struct Order {
    id: u64,
}

#[activity]
async fn nothing() {}

#[activity(name = "greet")]
async fn say_hello(ctx: ActivityContext, name: String) -> String {
    let _ = ctx;
    format!("Hello, {name}!")
}

#[activity]
fn ship(
    warehouse: String,
    order: Order,
    express: Option<bool>,
) -> Result<u64, std::num::ParseIntError> {
    let _ = (warehouse, express);
    Ok(order.id)
}

#[activity]
async fn check(n: u32) -> Result<(), std::io::Error> {
    let _ = n;
    Ok(())
}

#[activity]
#[allow(clippy::too_many_arguments)]
async fn six(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) -> Vec<u8> {
    vec![a, b, c, d, e, f]
}

// More than six parameters: no typed definition, the activity itself is fine.
#[activity]
#[allow(clippy::too_many_arguments)]
async fn seven(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8) {
    let _ = (a, b, c, d, e, f, g);
}

// A result that only serializes: no typed definition either, and no error.
#[derive(Serialize)]
struct Receipt {
    total: u64,
}

#[activity]
async fn receipt() -> Receipt {
    Receipt { total: 3 }
}

use activity_runtime::client::{MultiArgs3, MultiArgs6};

pub fn main() {
    typed::<_, (), ()>(nothing {}, "nothing");
    typed::<_, String, String>(say_hello {}, "greet");
    typed::<_, MultiArgs3<String, Order, Option<bool>>, u64>(ship {}, "ship");
    typed::<_, u32, ()>(check {}, "check");
    typed::<_, MultiArgs6<u8, u8, u8, u8, u8, u8>, Vec<u8>>(six {}, "six");
    let _ = (seven {}, receipt {});
}
