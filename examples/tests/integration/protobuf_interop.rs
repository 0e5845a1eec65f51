//! Protobuf messages and a payload encoding of one's own, across SDKs: Python workflows
//! (`tests/python/payloads.py`) send `interop.v1.Order` and `temporal.api.common.v1.WorkflowExecution`
//! messages as `json/protobuf` and as `binary/protobuf` to Rust activities, which answer with
//! messages in either encoding; a message of the wrong type fails with an `ArgumentError` naming
//! both types while the worker goes on serving; and a MessagePack encoding added on both sides
//! carries a dict to a Rust struct and back. This crate's client does the same round trips.
//!
//! Needs the pinned Python SDK and `msgpack` (`make tools`).

use std::time::Duration;

use activity_runtime::client::{ActivityOptions, Client, ClientError};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::payload::{encoding_of, to_payload};
use activity_runtime::{PayloadConverter, ShutdownHandle, Worker, activities};
use examples::msgpack::{MessagePack, PackedOrder, PackedSummary, pack_order};
use examples::protobuf::orders::{Order, Priority, Receipt};
use examples::protobuf::{accept_order, locate_run};
use serde_json::{Value, json};
use temporal_dev_server::DevServer;
use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;

async fn start_worker(
    server: &DevServer,
    task_queue: &str,
    converter: PayloadConverter,
) -> ShutdownHandle {
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(task_queue)
        .payload_converter(converter)
        .register(activities![accept_order, locate_run, pack_order])
        .build()
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    tokio::spawn(worker.run());
    shutdown
}

fn order() -> Order {
    Order {
        order_id: "o-2".to_owned(),
        items: vec!["pot".to_owned()],
        quantity: 4,
        placed_at: Some(prost_types::Timestamp {
            seconds: 1_800_000_000,
            nanos: 0,
        }),
        ship_within: Some(prost_types::Duration {
            seconds: 60,
            nanos: 500_000_000,
        }),
        priority: Priority::Standard as i32,
    }
}

/// One activity call as its history shows it: (activity, queue suffix, input encoding, input
/// message type, result encoding, result message type).
type Call = (String, String, String, String, String, String);

/// Per activity call of one workflow.
fn encodings(payloads: &Value) -> Vec<Call> {
    let field = |v: &Value, key: &str| v[0][key].as_str().unwrap_or_default().to_owned();
    payloads
        .as_array()
        .expect("payloads")
        .iter()
        .map(|call| {
            let queue = call["queue"].as_str().unwrap_or_default();
            (
                call["activity"].as_str().unwrap_or_default().to_owned(),
                queue.rsplit('-').next().unwrap_or_default().to_owned(),
                field(&call["input"], "encoding"),
                field(&call["input"], "messageType"),
                field(&call["result"], "encoding"),
                field(&call["result"], "messageType"),
            )
        })
        .collect()
}

/// The calls a sender makes with `input` encoding to the JSON worker, then to the binary one: each
/// `accept_order` (an `Order` in, a `Receipt` out) and `locate_run` (a `WorkflowExecution` both
/// ways), answered in the worker's encoding; as `(activity, queue, in, its type, out, its type)`.
fn calls_to_both_workers(input: &str) -> Vec<Call> {
    let execution = "temporal.api.common.v1.WorkflowExecution";
    [("json", "json/protobuf"), ("binary", "binary/protobuf")]
        .into_iter()
        .flat_map(|(queue, output)| {
            [
                ("accept_order", "interop.v1.Order", "interop.v1.Receipt"),
                ("locate_run", execution, execution),
            ]
            .map(|(activity, sent, returned)| {
                (
                    activity.to_owned(),
                    queue.to_owned(),
                    input.to_owned(),
                    sent.to_owned(),
                    output.to_owned(),
                    returned.to_owned(),
                )
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_workflows_and_this_client_exchange_protobuf_and_msgpack_payloads() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let base = format!("payloads-{}", std::process::id());
    let (json_queue, binary_queue, msgpack_queue) = (
        format!("{base}-json"),
        format!("{base}-binary"),
        format!("{base}-msgpack"),
    );
    let workers = [
        start_worker(&server, &json_queue, PayloadConverter::default()).await,
        start_worker(
            &server,
            &binary_queue,
            PayloadConverter::default().binary_protobuf(),
        )
        .await,
        start_worker(
            &server,
            &msgpack_queue,
            PayloadConverter::default().with(MessagePack),
        )
        .await,
    ];

    let report = crate::python::run_script(
        "payloads.py",
        &[
            ("--address", server.address()),
            ("--namespace", server.namespace()),
            ("--json-queue", &json_queue),
            ("--binary-queue", &binary_queue),
            ("--msgpack-queue", &msgpack_queue),
        ],
    )
    .await;

    for sender in ["python_json", "python_binary"] {
        let result = &report[sender]["result"];
        let mismatch = &result["mismatch"];
        assert_eq!(mismatch["type"], "ArgumentError", "{report:#}");
        assert_eq!(mismatch["non_retryable"], true, "{report:#}");
        let message = mismatch["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("holds a `temporal.api.common.v1.WorkflowExecution` message, not a `interop.v1.Order`"),
            "{report:#}"
        );
        for worker in ["json_worker", "binary_worker"] {
            let seen = &result[worker];
            assert_eq!(seen["receipt_is_receipt"], true, "{report:#}");
            assert_eq!(
                seen["receipt"],
                json!({
                    "orderId": "o-1",
                    "totalItems": "6",
                    "shipBy": "2026-12-07T11:30:00.750Z",
                    "priority": "PRIORITY_EXPRESS",
                }),
                "{sender} via {worker}: {report:#}"
            );
            assert_eq!(seen["ship_by"], "2026-12-07T11:30:00.750Z", "{report:#}");
            assert_eq!(seen["execution_is_message"], true, "{report:#}");
            assert_eq!(
                seen["execution"],
                json!({"workflowId": "wf-9", "runId": "seen:run-9"}),
                "{report:#}"
            );
        }
    }

    // What the histories hold: each direction in each encoding, with its message type.
    let execution = "temporal.api.common.v1.WorkflowExecution".to_owned();
    for (sender, input) in [
        ("python_json", "json/protobuf"),
        ("python_binary", "binary/protobuf"),
    ] {
        let calls = encodings(&report[sender]["payloads"]);
        // First the mismatch: a `WorkflowExecution` where an `Order` is expected, no result.
        let mut expected = vec![(
            "accept_order".to_owned(),
            "json".to_owned(),
            input.to_owned(),
            execution.clone(),
            String::new(),
            String::new(),
        )];
        expected.extend(calls_to_both_workers(input));
        assert_eq!(calls, expected, "{sender}: {report:#}");
    }

    // The same from TypeScript, with @temporalio/common's protobuf converters (protobufjs).
    let proto = concat!(env!("CARGO_MANIFEST_DIR"), "/proto/interop/v1/orders.proto");
    let typescript = crate::python::run_node_script(
        "protobuf.js",
        &[
            ("--address", server.address()),
            ("--namespace", server.namespace()),
            ("--json-queue", &json_queue),
            ("--binary-queue", &binary_queue),
            ("--proto", proto),
        ],
    )
    .await;
    for (sender, input) in [
        ("typescript_json", "json/protobuf"),
        ("typescript_binary", "binary/protobuf"),
    ] {
        let result = &typescript[sender]["result"];
        for worker in ["json_worker", "binary_worker"] {
            assert_eq!(
                result[worker]["receipt"],
                json!({
                    "type": ".interop.v1.Receipt",
                    "value": {
                        "orderId": "o-ts",
                        "totalItems": "6",
                        "shipBy": {"seconds": "1800000090", "nanos": 750000000},
                        "priority": "PRIORITY_EXPRESS",
                    },
                }),
                "{sender} via {worker}: {typescript:#}"
            );
            assert_eq!(
                result[worker]["execution"],
                json!({
                    "type": ".temporal.api.common.v1.WorkflowExecution",
                    "value": {"workflowId": "wf-ts", "runId": "seen:run-ts"},
                }),
                "{sender} via {worker}: {typescript:#}"
            );
        }
        let calls = encodings(&typescript[sender]["payloads"]);
        assert_eq!(
            calls,
            calls_to_both_workers(input),
            "{sender}: {typescript:#}"
        );
    }

    // MessagePack both ways, between a Python dict and a Rust struct.
    assert_eq!(
        report["msgpack"]["result"]["summary"],
        json!({"id": "p-1", "total": 10}),
        "{report:#}"
    );
    let calls = encodings(&report["msgpack"]["payloads"]);
    assert_eq!(calls[0].2, "binary/msgpack", "{report:#}");
    assert_eq!(calls[0].4, "binary/msgpack", "{report:#}");

    // This crate's client: messages both ways, in both encodings.
    let client = Client::connect_with(ConnectOptions::new().isolated().target(server.address()))
        .await
        .unwrap();
    let options = |queue: &str| {
        ActivityOptions::new(queue)
            .maximum_attempts(1)
            .start_to_close_timeout(Duration::from_secs(30))
    };
    let expected = Receipt {
        order_id: "o-2".to_owned(),
        total_items: 4,
        ship_by: Some(prost_types::Timestamp {
            seconds: 1_800_000_060,
            nanos: 500_000_000,
        }),
        priority: Priority::Standard as i32,
    };
    let got: Receipt = client
        .execute_activity("accept_order", (order(),), options(&json_queue))
        .await
        .unwrap();
    assert_eq!(got, expected);
    let handle = client
        .start_activity("accept_order", (order(),), options(&binary_queue))
        .await
        .unwrap();
    assert_eq!(handle.result_message::<Receipt>().await.unwrap(), expected);
    let raw = client
        .execute_activity_raw(
            "locate_run",
            vec![
                PayloadConverter::default()
                    .binary_protobuf()
                    .encode_message(&WorkflowExecution {
                        workflow_id: "w".into(),
                        run_id: "r".into(),
                    })
                    .unwrap(),
            ],
            options(&binary_queue),
        )
        .await
        .unwrap();
    assert_eq!(encoding_of(&raw[0]), "binary/protobuf");
    // The wrong message fails with both names, and the worker goes on serving.
    let err = client
        .execute_activity::<Receipt>(
            "accept_order",
            (WorkflowExecution::default(),),
            options(&json_queue),
        )
        .await
        .unwrap_err();
    let ClientError::Failed(failure) = &err else {
        panic!("{err}")
    };
    assert_eq!(failure.error_type, "ArgumentError", "{err}");
    assert!(failure.message.contains("`interop.v1.Order`"), "{err}");
    let again: Receipt = client
        .execute_activity("accept_order", (order(),), options(&json_queue))
        .await
        .unwrap();
    assert_eq!(again, expected);

    // MessagePack through this crate's client and worker.
    let packed = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(server.address())
            .payload_converter(PayloadConverter::default().with(MessagePack)),
    )
    .await
    .unwrap();
    let input = PackedOrder {
        id: "p-2".into(),
        quantities: vec![1, 2],
    };
    let summary: PackedSummary = packed
        .execute_activity("pack_order", (input.clone(),), options(&msgpack_queue))
        .await
        .unwrap();
    assert_eq!(
        summary,
        PackedSummary {
            id: "p-2".into(),
            total: 3
        }
    );
    let raw = client
        .execute_activity_raw(
            "pack_order",
            vec![to_payload(&input).unwrap()],
            options(&msgpack_queue),
        )
        .await
        .unwrap();
    assert_eq!(encoding_of(&raw[0]), "binary/msgpack");
    assert_eq!(raw[0].data, rmp_serde::to_vec_named(&summary).unwrap());

    for worker in workers {
        worker.shutdown();
    }
}
