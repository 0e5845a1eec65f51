//! A TypeScript workflow using the generated declarations passes `tsc --noEmit --strict`, runs
//! against the Rust worker and gets typed results; with a wrong argument type it fails the check.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use activity_contract::Tool;
use serde_json::json;

use crate::common::{self, ExampleWorker};

/// A `tsconfig.json` checking `file` strictly, with `@temporalio/*` from the SDK's folder.
fn tsconfig(file: &str, sdk: &Path) -> String {
    serde_json::to_string_pretty(&json!({
        "compilerOptions": {
            "strict": true,
            "noEmit": true,
            "target": "es2022",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["es2022"],
            "types": [],
            "skipLibCheck": true,
            "baseUrl": ".",
            "paths": { "@temporalio/*": [format!("{}/@temporalio/*", sdk.display())] },
        },
        "files": [file],
    }))
    .unwrap()
}

async fn tsc(dir: &Path, project: &str) -> std::process::Output {
    let mut command = Command::new(common::node());
    command
        .current_dir(dir)
        .arg(common::contract_node_modules().join("typescript/bin/tsc"))
        .args(["--pretty", "false", "-p", project]);
    common::run(command, Duration::from_secs(180), "tsc").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typescript_workflow_with_the_generated_declarations_type_checks_and_runs() {
    let (sdk, tools) = (common::sdk_node_modules(), common::contract_node_modules());
    let dir = common::scratch("typescript-callers");
    let json2ts = format!(
        "{} {}",
        common::node().display(),
        tools
            .join("json-schema-to-typescript/dist/src/cli.js")
            .display()
    );
    activity_contract::typescript::write(
        &common::example_contract(),
        "the examples",
        &dir.join("rust-activities"),
        &Tool::new(&json2ts, "json2ts"),
    )
    .unwrap_or_else(|err| panic!("the TypeScript callers are generated: {err:?}"));
    let source_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/typescript");
    let source = std::fs::read_to_string(source_path.join("typed_workflow.ts")).unwrap();
    std::fs::write(dir.join("typed_workflow.ts"), &source).unwrap();
    let wrong = source.replace("(order, 'TENOFF', 'Enjoy!')", "(order, 10, 'Enjoy!')");
    assert_ne!(wrong, source);
    std::fs::write(dir.join("wrong_workflow.ts"), &wrong).unwrap();
    std::fs::write(
        dir.join("tsconfig.json"),
        tsconfig("typed_workflow.ts", &sdk),
    )
    .unwrap();
    std::fs::write(
        dir.join("tsconfig.wrong.json"),
        tsconfig("wrong_workflow.ts", &sdk),
    )
    .unwrap();

    let worker = ExampleWorker::start().await;
    let server = common::server().await;
    let mut run = Command::new(common::node());
    run.env("TEMPORAL_NODE_MODULES", &sdk)
        .arg(source_path.join("run_typed_workflow.js"))
        .arg("--workflows")
        .arg(dir.join("typed_workflow.ts"))
        .args(["--address", server.address()])
        .args(["--namespace", server.namespace()])
        .args(["--activity-task-queue", &worker.task_queue])
        .args([
            "--workflow-task-queue",
            &common::unique_task_queue("typed-ts-workflows"),
        ]);
    let started = Instant::now();
    let (report, good, bad) = tokio::join!(
        common::run(
            run,
            Duration::from_secs(150),
            "the typed TypeScript workflow"
        ),
        tsc(&dir, "tsconfig.json"),
        tsc(&dir, "tsconfig.wrong.json"),
    );
    eprintln!(
        "TypeScript workflow and two tsc runs took {:?}",
        started.elapsed()
    );
    worker.stop().await;

    assert!(
        good.status.success(),
        "tsc --noEmit fails on the workflow and the generated module:\n{}",
        common::printed(&good)
    );
    let bad_text = common::printed(&bad);
    assert!(
        !bad.status.success(),
        "tsc accepts a wrong argument:\n{bad_text}"
    );
    let line = 1 + source
        .lines()
        .position(|l| l.contains("(order, 'TENOFF', 'Enjoy!')"))
        .unwrap();
    let expected = format!("wrong_workflow.ts({line},");
    assert!(
        bad_text.contains(&expected)
            && bad_text.contains(
                "Argument of type 'number' is not assignable to parameter of type 'string'"
            ),
        "no error at `{expected}` about the coupon in:\n{bad_text}"
    );

    let report = common::json_line(&report, "the typed TypeScript workflow");
    assert_eq!(report["greeting"], json!("Hello, World!"), "{report:#}");
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
    assert_eq!(report["plainTotalCents"], json!(1250), "{report:#}");
    assert_eq!(report["plainGiftNote"], json!(null), "{report:#}");
    assert_eq!(
        report["reversed"],
        json!({"tag": "[object Uint8Array]", "hex": "fffe0100"}),
        "{report:#}"
    );
    assert_eq!(report["left"], json!(98), "{report:#}");
    assert_eq!(
        report["legacy"],
        json!("Hello, TypeScript! (v1)"),
        "{report:#}"
    );
}
