//! The contract of the example activities matches the committed `examples/contract.json`
//! (regenerate with `UPDATE_CONTRACT=1`, or `cargo run -p examples --bin worker --
//! --print-contract > examples/contract.json`, and read the diff).

use std::path::Path;

use serde_json::json;

use crate::common::example_contract;

#[test]
fn the_examples_contract_matches_its_committed_snapshot() {
    let contract = example_contract();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/contract.json");
    let generated = contract.to_json();
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &generated).expect("the snapshot is writable");
    }
    let committed = std::fs::read_to_string(&path).expect("examples/contract.json exists");
    assert!(
        committed == generated,
        "the contract of the example activities differs from {}; if the change is meant, \
         regenerate it with UPDATE_CONTRACT=1 and read the diff. Generated:\n{generated}",
        path.display()
    );

    // Every kind of activity and type the issue names is in it.
    let activity = |name: &str| {
        contract
            .activity(name)
            .unwrap_or_else(|| panic!("`{name}` is in the contract"))
    };
    assert!(contract.warnings.is_empty(), "{:?}", contract.warnings);
    // A function, async and blocking.
    assert_eq!(activity("say_hello").execution, "async");
    assert_eq!(activity("count_words").execution, "blocking");
    // Methods of `Inventory`, one renamed.
    assert!(activity("reserve").function.ends_with("Inventory::reserve"));
    assert!(
        activity("stock_level")
            .function
            .ends_with("Inventory::level")
    );
    // The dynamic activity: no parameters, a typed result.
    let dynamic = activity("*");
    assert!(dynamic.dynamic && dynamic.parameters.is_none());
    assert_eq!(dynamic.result.schema, json!({"type": "string"}));
    // An `Option` tail, nested structs and enums.
    let quote = activity("quote_order");
    let parameters = quote.parameters.as_ref().unwrap();
    let optional: Vec<(&str, bool)> = parameters
        .iter()
        .map(|p| (p.name.as_str(), p.optional))
        .collect();
    assert_eq!(
        optional,
        [("order", false), ("coupon", true), ("gift_note", true)]
    );
    assert_eq!(parameters[0].schema, json!({"$ref": "#/$defs/Order"}));
    let order = &contract.definitions["Order"]["properties"];
    assert_eq!(order["customer"]["$ref"], json!("#/$defs/Customer"));
    let priorities: Vec<&serde_json::Value> = contract.definitions["Priority"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| &variant["const"])
        .collect();
    assert_eq!(priorities, [&json!("standard"), &json!("express")]);
    assert!(contract.definitions["Delivery"]["oneOf"].is_array());
    // Bytes both ways.
    let bytes = activity("reverse_bytes");
    assert_eq!(bytes.result.schema["x-binary-payload"], json!(true));
    // Its own size limit.
    assert_eq!(bytes.limits.max_result_size, Some(1024 * 1024));
    // Protobuf messages, by their full names, both ways.
    let message = |name: &str| {
        json!({"title": name, "type": "object", "x-protobuf-message": name,
               "x-payload-encoding": "json/protobuf"})
    };
    let accept = activity("accept_order");
    let parameters = accept.parameters.as_ref().unwrap();
    assert_eq!(parameters[0].schema, message("interop.v1.Order"));
    assert_eq!(accept.result.schema, message("interop.v1.Receipt"));
    assert!(
        !contract
            .definitions
            .keys()
            .any(|name| name.contains("interop")),
        "messages are named inline, not defined: {:?}",
        contract.definitions.keys()
    );
    // The context parameter is not an argument.
    let composed = activity("your_activity").parameters.as_ref().unwrap();
    assert_eq!(composed.len(), 1);
}
