//! The example worker prints the contract of what it serves (`worker --print-contract`), and it is
//! the committed `examples/contract.json` (which `activity-contract`'s tests generate callers
//! from).

use std::process::Command;

#[test]
fn the_worker_prints_the_committed_contract() {
    let output = Command::new(env!("CARGO_BIN_EXE_worker"))
        .arg("--print-contract")
        .output()
        .expect("the worker example runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contract.json"))
        .expect("examples/contract.json");
    assert!(
        printed == committed,
        "`worker --print-contract` differs from examples/contract.json (regenerate it with \
         `cargo run -p examples --bin worker -- --print-contract > examples/contract.json`):\n{printed}"
    );
}
