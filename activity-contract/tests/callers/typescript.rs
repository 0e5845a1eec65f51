//! A TypeScript workflow using the generated keyword callers and declarations passes
//! `tsc --noEmit --strict`, runs against the Rust worker and gets typed results; with a wrong
//! argument type it fails the check: through a keyword caller at the argument's property, naming
//! the parameter, and through a positional declaration at the argument.

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

/// `tsc -p project`, `--pretty` for the related information (where the expected type comes
/// from), which tsc prints only then.
async fn tsc(dir: &Path, project: &str, pretty: bool) -> std::process::Output {
    let mut command = Command::new(common::node());
    command
        .current_dir(dir)
        .arg(common::contract_node_modules().join("typescript/bin/tsc"))
        .args([
            "--pretty",
            if pretty { "true" } else { "false" },
            "-p",
            project,
        ]);
    common::run(command, Duration::from_secs(180), "tsc").await
}

/// `text` without its ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The 1-based line of `source` that holds `needle`, and the 1-based column of `needle` in it.
fn position(source: &str, needle: &str) -> (usize, usize) {
    source
        .lines()
        .enumerate()
        .find_map(|(index, line)| line.find(needle).map(|column| (index + 1, column + 1)))
        .unwrap_or_else(|| panic!("the workflow holds `{needle}`"))
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
    // A wrong argument through the keyword callers and one through the positional declarations.
    let (keyword, wrong_keyword) = ("coupon: 'TENOFF',", "coupon: 10,");
    let (positional, wrong_positional) = ("reserve('tea', 2)", "reserve('tea', '2')");
    let wrong = source
        .replace(keyword, wrong_keyword)
        .replace(positional, wrong_positional);
    assert_eq!(
        (
            wrong.matches(wrong_keyword).count(),
            wrong.matches(wrong_positional).count()
        ),
        (1, 1)
    );
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
    // The protobuf converter of the examples' TypeScript protobuf test, for `accept_order`'s
    // `json/protobuf` result.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for file in ["orders-root.js", "converter-json.js"] {
        std::fs::copy(examples.join("tests/typescript").join(file), dir.join(file))
            .unwrap_or_else(|err| panic!("examples/tests/typescript/{file}: {err}"));
    }
    let mut run = Command::new(common::node());
    // `NODE_PATH`: the converter in the scratch folder, which the SDK loads by path, finds
    // `@temporalio/common` there.
    run.env("TEMPORAL_NODE_MODULES", &sdk)
        .env("NODE_PATH", &sdk)
        .arg(source_path.join("run_typed_workflow.js"))
        .arg("--workflows")
        .arg(dir.join("typed_workflow.ts"))
        .arg("--payload-converter")
        .arg(dir.join("converter-json.js"))
        .arg("--proto")
        .arg(examples.join("proto/interop/v1/orders.proto"))
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
        tsc(&dir, "tsconfig.json", false),
        tsc(&dir, "tsconfig.wrong.json", true),
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
    let bad_text = strip_ansi(&common::printed(&bad));
    assert!(
        !bad.status.success(),
        "tsc accepts a wrong argument:\n{bad_text}"
    );
    // The keyword caller: the error at the `coupon` property, and where its type comes from,
    // naming the parameter.
    let (line, column) = position(&source, keyword);
    let expected = format!(
        "wrong_workflow.ts:{line}:{column} - error TS2322: Type 'number' is not assignable to \
         type 'string'."
    );
    assert!(
        bad_text.contains(&expected),
        "no `{expected}` in:\n{bad_text}"
    );
    let related = "The expected type comes from property 'coupon' which is declared here on type \
                   'QuoteOrderArgs'";
    assert!(bad_text.contains(related), "no `{related}` in:\n{bad_text}");
    // The positional declaration: at the argument, which tsc does not name.
    let (line, column) = position(&source, positional);
    let column = column + "reserve('tea', ".len();
    let expected = format!(
        "wrong_workflow.ts:{line}:{column} - error TS2345: Argument of type 'string' is not \
         assignable to parameter of type 'number'."
    );
    assert!(
        bad_text.contains(&expected),
        "no `{expected}` in:\n{bad_text}"
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
    assert_eq!(report["plainByNameTotalCents"], json!(1250), "{report:#}");
    assert_eq!(report["plainByNameGiftNote"], json!(null), "{report:#}");
    assert_eq!(
        report["reversed"],
        json!({"tag": "[object Uint8Array]", "hex": "fffe0100"}),
        "{report:#}"
    );
    assert_eq!(report["left"], json!(98), "{report:#}");
    // The protobuf message, sent as its proto3 JSON object, computed on by the Rust activity.
    assert_eq!(
        report["receipt"],
        json!({"orderId": "o-ts", "totalItems": "6", "priority": 2}),
        "{report:#}"
    );
    assert_eq!(
        report["legacy"],
        json!("Hello, TypeScript! (v1)"),
        "{report:#}"
    );
}
