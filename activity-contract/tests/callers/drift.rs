//! A Rust parameter retyped (`quote_order`'s coupon, from `Option<String>` to `Option<u32>`, and
//! `accept_order`'s protobuf message, from `interop.v1.Order` to `interop.v1.Receipt`):
//! `activity-contract check` fails naming the activity and the parameter, and the unchanged
//! Python workflow fails its type check against callers regenerated from the new contract.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use activity_runtime::contract::{Change, Contract};
use activity_runtime::{Activities, Registration};

use crate::common;
use crate::python;

/// The changed code: the same activity with its coupon a number.
mod changed {
    use activity_runtime::{ActivityError, activity};
    use examples::orders::{Order, Quote};

    /// `quote_order` with a numeric coupon code.
    #[activity(name = "quote_order")]
    pub async fn quote_order(
        order: Order,
        coupon: Option<u32>,
        gift_note: Option<String>,
    ) -> Result<Quote, ActivityError> {
        let _ = (order, coupon, gift_note);
        Err(ActivityError::new("only its contract is used").non_retryable())
    }

    /// `accept_order` taking another protobuf message.
    #[activity(name = "accept_order")]
    pub async fn accept_order(
        order: examples::protobuf::orders::Receipt,
    ) -> Result<examples::protobuf::orders::Receipt, ActivityError> {
        let _ = order;
        Err(ActivityError::new("only its contract is used").non_retryable())
    }
}

/// What `changed_contract` reports.
const CHANGES: [&str; 2] = [
    "activity `accept_order`, parameter `order`: retyped from protobuf message \
     `interop.v1.Order` to protobuf message `interop.v1.Receipt`",
    "activity `quote_order`, parameter `coupon`: retyped from string to integer",
];

/// The example activities with `quote_order` and `accept_order` replaced by the changed ones.
fn changed_contract() -> Contract {
    let mut activities = Activities::new();
    activities.extend(
        examples::activities()
            .into_iter()
            .filter(|registration| !["quote_order", "accept_order"].contains(&registration.name())),
    );
    activities.push(Registration::of::<changed::quote_order>());
    activities.push(Registration::of::<changed::accept_order>());
    activities.contract()
}

#[test]
fn the_drift_of_a_retyped_parameter_names_the_activity_and_the_parameter() {
    let committed = common::example_contract();
    assert_eq!(committed.incompatibilities(&committed), []);
    let found = committed.incompatibilities(&changed_contract());
    let described: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(described, CHANGES);
    assert!(
        found
            .iter()
            .all(|found| matches!(found.change, Change::Retyped { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retyped_parameter_fails_the_check_command_and_the_old_python_workflow() {
    let dir = common::scratch("drift");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/contract.json");
    let current = dir.join("current.json");
    let changed = changed_contract();
    std::fs::write(&current, changed.to_json()).unwrap();

    let check = |current: &Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_activity-contract"));
        command.arg("check").arg(&committed).arg(current);
        command
    };
    let unchanged = common::run(check(&committed), Duration::from_secs(30), "the check").await;
    assert!(
        unchanged.status.success(),
        "{}",
        common::printed(&unchanged)
    );
    let output = common::run(check(&current), Duration::from_secs(30), "the check").await;
    let printed = common::printed(&output);
    assert_eq!(output.status.code(), Some(1), "{printed}");
    for change in CHANGES {
        assert!(printed.contains(change), "no `{change}` in:\n{printed}");
    }

    // Callers regenerated from the new contract: the old workflow no longer type-checks.
    python::generate(&changed, &dir);
    let source = python::workflow_source();
    std::fs::write(dir.join("typed_workflow.py"), &source).unwrap();
    let checked = python::mypy(&dir, "typed_workflow.py", "mypy-drift").await;
    let text = common::printed(&checked);
    assert!(!checked.status.success(), "{text}");
    let expected = format!(
        "typed_workflow.py:{}: error: Argument \"coupon\" to \"execute_quote_order\" has \
         incompatible type \"str\"; expected \"int | None\"",
        python::coupon_line(&source)
    );
    assert!(text.contains(&expected), "no `{expected}` in:\n{text}");
    // And the protobuf message it sends is no longer the one the activity takes.
    let line = 1 + source
        .lines()
        .position(|line| line.contains("order=order_message,"))
        .expect("the workflow sends an order message");
    let expected = format!(
        "typed_workflow.py:{line}: error: Argument \"order\" to \"execute_accept_order\" has \
         incompatible type \"Order\"; expected \"Receipt\""
    );
    assert!(text.contains(&expected), "no `{expected}` in:\n{text}");
}
