//! A Python workflow using the generated stubs passes `mypy --strict`, runs against the Rust
//! worker and gets typed results (dataclasses, an enum, `bytes`); with a wrong argument type it
//! fails the check with a message naming the parameter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use activity_contract::Tool;
use activity_runtime::contract::Contract;
use serde_json::json;

use crate::common::{self, ExampleWorker};

/// The workflow that uses the generated package `rust_activities`.
pub fn workflow_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/typed_workflow.py");
    std::fs::read_to_string(path).expect("tests/python/typed_workflow.py")
}

/// The line that passes the coupon, 1-based.
pub fn coupon_line(source: &str) -> usize {
    1 + source
        .lines()
        .position(|line| line.contains("coupon=\"TENOFF\","))
        .expect("the workflow passes a coupon")
}

/// Generates the package `rust_activities` in `dir` from `contract`, its protobuf messages the
/// classes of `interop/v1/orders_pb2` (copied beside it, with its type stub).
pub fn generate(contract: &Contract, dir: &Path) {
    let messages =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tests/python/interop/v1");
    let copy = dir.join("interop/v1");
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["orders_pb2.py", "orders_pb2.pyi"] {
        std::fs::copy(messages.join(file), copy.join(file))
            .unwrap_or_else(|err| panic!("examples/tests/python/interop/v1/{file}: {err}"));
    }
    // protoc's stubs are not written for `--strict` (a bare `Mapping`): read, not checked.
    std::fs::write(
        dir.join("mypy.ini"),
        "[mypy]\n\n[mypy-interop.*]\nignore_errors = True\n",
    )
    .unwrap();
    let tool = Tool::new(
        common::datamodel_codegen().to_str().expect("a UTF-8 path"),
        "datamodel-codegen",
    );
    activity_contract::python::write(
        contract,
        "the examples",
        &dir.join("rust_activities"),
        &tool,
        &activity_contract::ProtoModules::default().with("interop.v1", "interop.v1.orders_pb2"),
    )
    .unwrap_or_else(|err| panic!("the Python callers are generated: {err:?}"));
}

/// `mypy --strict FILE` in `dir`, with a cache of its own (`cache`) kept between runs.
pub async fn mypy(dir: &Path, file: &str, cache: &str) -> Output {
    let mut command = Command::new(common::python());
    command
        .current_dir(dir)
        .args(["-m", "mypy", "--strict", "--no-color-output", "--cache-dir"])
        .arg(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(cache))
        .arg(file);
    common::run(command, Duration::from_secs(180), "mypy").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_workflow_with_the_generated_stubs_type_checks_and_gets_typed_results() {
    let dir = common::scratch("python-callers");
    generate(&common::example_contract(), &dir);
    let source = workflow_source();
    std::fs::write(dir.join("typed_workflow.py"), &source).unwrap();
    let wrong = source.replace("coupon=\"TENOFF\",", "coupon=10,");
    assert_ne!(
        wrong, source,
        "the workflow passes the coupon as `coupon=\"TENOFF\",`"
    );
    std::fs::write(dir.join("wrong_workflow.py"), &wrong).unwrap();

    let worker = ExampleWorker::start().await;
    let server = common::server().await;
    let mut run = Command::new(common::python());
    run.current_dir(&dir)
        .arg("typed_workflow.py")
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--activity-task-queue", &worker.task_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("typed-python-workflows"),
        ]);
    let started = Instant::now();
    // The workflow runs while the type checks do.
    let (report, checks) = tokio::join!(
        common::run(run, Duration::from_secs(120), "the typed Python workflow"),
        async {
            let good = mypy(&dir, "typed_workflow.py", "mypy-python").await;
            let bad = mypy(&dir, "wrong_workflow.py", "mypy-python").await;
            (good, bad)
        }
    );
    eprintln!(
        "Python workflow and two mypy runs took {:?}",
        started.elapsed()
    );
    worker.stop().await;

    let (good, bad) = checks;
    assert!(
        good.status.success(),
        "mypy --strict fails on the workflow and the generated package:\n{}",
        common::printed(&good)
    );
    let bad_text = common::printed(&bad);
    assert!(
        !bad.status.success(),
        "mypy accepts a wrong argument:\n{bad_text}"
    );
    let expected = format!(
        "wrong_workflow.py:{}: error: Argument \"coupon\" to \"execute_quote_order\" has \
         incompatible type \"int\"; expected \"str | None\"",
        coupon_line(&source)
    );
    assert!(
        bad_text.contains(&expected),
        "no `{expected}` in:\n{bad_text}"
    );

    let report = common::json_line(&report, "the typed Python workflow");
    assert_eq!(report["greeting"], json!("Hello, World!"), "{report:#}");
    // The result is the generated dataclass, its priority the generated enum.
    assert_eq!(report["quote_type"], json!("Quote"), "{report:#}");
    assert_eq!(report["priority_type"], json!("Priority"), "{report:#}");
    assert_eq!(
        report["quote"],
        json!({
            "customer": "Ada",
            "subtotal_cents": 750,
            "discount_cents": 75,
            "total_cents": 1175,
            "priority": "express",
            "delivery": "ship to 1 Loop Road",
            "gift_note": "Enjoy!",
        }),
        "{report:#}"
    );
    assert_eq!(report["plain_total_cents"], json!(1250), "{report:#}");
    assert_eq!(report["plain_gift_note"], json!(null), "{report:#}");
    assert_eq!(report["reversed_type"], json!("bytes"), "{report:#}");
    assert_eq!(report["reversed_hex"], json!("fffe0100"), "{report:#}");
    assert_eq!(report["left"], json!(98), "{report:#}");
    // The protobuf result is the `_pb2` class, as the Rust activity computed it.
    assert_eq!(report["receipt_type"], json!("Receipt"), "{report:#}");
    assert_eq!(
        report["receipt"],
        json!({
            "orderId": "o-typed",
            "totalItems": "6",
            "shipBy": "2027-01-15T08:01:30Z",
            "priority": "PRIORITY_EXPRESS",
        }),
        "{report:#}"
    );
    assert_eq!(report["legacy"], json!("Hello, Python! (v1)"), "{report:#}");
}
