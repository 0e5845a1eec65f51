//! The per-activity dispatch path: decode the arguments from payloads, call the function, encode
//! the result. Each case runs three ways on the same payloads in the same run:
//!
//! - `generated`: what `#[activity]` generates, through [`Activity::invoke`], as the worker calls it;
//! - `serde_json`: the same work written by hand with `serde_json` (the floor to measure against);
//! - `official`: the official Rust SDK's path, `temporalio-common`'s payload converter decoding the
//!   arguments (`MultiArgs3` for three) and encoding the result.
//!
//! The `protobuf_message` case takes and returns a Temporal API message as `binary/protobuf` (a
//! worker with `PayloadConverter::default().binary_protobuf()`): its floor is hand-written prost
//! decoding and encoding (the `serde_json` path, by name), and the official path is
//! `ProstSerializable`, which writes no `messageType`.
//!
//! `cargo bench -p benchmarks --bench dispatch` (or `make bench`) measures and writes
//! `benchmarks/results/dispatch.md`; under `cargo test` each case runs once and the three paths are
//! checked to produce the same result bytes.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use activity_runtime::testing::ActivityEnvironment;
use activity_runtime::{Activity, ActivityContext, ActivityInput, Payload, activity};
use criterion::{BatchSize, Criterion};
use prost::{Message, Name};
use serde::{Deserialize, Serialize};
use temporalio_common::data_converters::{
    ActivitySerializationContext, GenericPayloadConverter, MultiArgs3, PayloadConverter,
    ProstSerializable, SerializationContext, SerializationContextData,
};
use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;

// The business functions, shared by all three paths.

fn echo(text: String) -> String {
    text
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    items: Vec<String>,
    express: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Confirmation {
    order_id: String,
    total_cents: u64,
    note: String,
}

fn confirm(order: Order, unit_price_cents: u64, note: String) -> Confirmation {
    Confirmation {
        total_cents: unit_price_cents * order.items.len() as u64,
        order_id: order.id,
        note,
    }
}

fn locate(execution: WorkflowExecution) -> WorkflowExecution {
    WorkflowExecution {
        run_id: execution.workflow_id.clone(),
        workflow_id: execution.run_id,
    }
}

// The activities, as a user writes them.

#[activity]
async fn locate_run(execution: WorkflowExecution) -> WorkflowExecution {
    locate(execution)
}

#[activity]
async fn noop(text: String) -> String {
    echo(text)
}

#[activity]
async fn confirm_order(order: Order, unit_price_cents: u64, note: String) -> Confirmation {
    confirm(order, unit_price_cents, note)
}

/// Polls a future that completes without waiting (every activity here does) to its output.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the benchmarked activities never wait"),
    }
}

fn json_payload(data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_owned(), b"json/plain".to_vec())]),
        data,
        external_payloads: Vec::new(),
    }
}

fn payloads_of(values: &[serde_json::Value]) -> Vec<Payload> {
    values
        .iter()
        .map(|v| json_payload(serde_json::to_vec(v).expect("encodes")))
        .collect()
}

/// One benchmark case: the same inputs through the three paths.
struct Case {
    name: &'static str,
    payloads: Vec<Payload>,
    generated: fn(ActivityContext, ActivityInput) -> Payload,
    serde_json: fn(Vec<Payload>) -> Payload,
    official: fn(&PayloadConverter, Vec<Payload>) -> Payload,
    activity_type: &'static str,
    context: fn(&ActivityEnvironment) -> ActivityContext,
    /// The worker's converter (the default but for the protobuf case).
    converter: activity_runtime::PayloadConverter,
}

impl Case {
    /// The input the worker hands `invoke` (made before the measurement).
    fn input(&self) -> ActivityInput {
        ActivityInput::new(self.activity_type, self.payloads.clone())
            .with_payload_converter(self.converter.clone())
    }
}

/// `invoke` as the worker calls it: with a context of the attempt's own (the worker clones it
/// from the one it keeps for cancellation, in `Attempt::new`, before the attempt's layers run),
/// and the input by value.
fn generated<A: Activity>(ctx: ActivityContext, input: ActivityInput) -> Payload {
    ready(A::invoke(ctx, input))
        .expect("the activity succeeds")
        .into_payload()
}

/// `echo` with its argument decoded and its result encoded by hand.
fn echo_by_hand(payloads: Vec<Payload>) -> Payload {
    let text: String = serde_json::from_slice(&payloads[0].data).expect("decodes");
    json_payload(serde_json::to_vec(&echo(text)).expect("encodes"))
}

/// `echo` through the official payload converter, as `temporalio-sdk` dispatches it.
fn echo_official(pc: &PayloadConverter, payloads: Vec<Payload>) -> Payload {
    let data = official_context();
    let ctx = SerializationContext::new(&data, pc);
    let text: String = pc.from_payloads(&ctx, payloads).expect("decodes");
    pc.to_payload(&ctx, &echo(text)).expect("encodes")
}

/// A `binary/protobuf` payload of `message`, with its `messageType`, as every SDK writes it.
fn protobuf_payload<M: Message + Name>(message: &M) -> Payload {
    Payload {
        metadata: HashMap::from([
            ("encoding".to_owned(), b"binary/protobuf".to_vec()),
            ("messageType".to_owned(), M::full_name().into_bytes()),
        ]),
        data: message.encode_to_vec(),
        external_payloads: Vec::new(),
    }
}

/// A `binary/protobuf` payload's message decoded by hand, as a decoder that reads what the SDKs
/// send must: its `encoding` and `messageType` read in one pass over the metadata and checked
/// (without them, a `json/protobuf` payload or another message decodes into garbage or fails
/// later), then prost.
fn decode_by_hand<M: Message + Name + Default>(payload: &Payload) -> M {
    let (mut encoding, mut message_type) = (None, None);
    for (key, value) in &payload.metadata {
        match key.as_str() {
            "encoding" => encoding = Some(value.as_slice()),
            "messageType" => message_type = Some(value.as_slice()),
            _ => {}
        }
    }
    assert_eq!(encoding, Some(&b"binary/protobuf"[..]), "a binary message");
    assert!(
        message_type.is_none_or(|sent| sent == M::full_name().as_bytes()),
        "the parameter's message"
    );
    M::decode(payload.data.as_slice()).expect("decodes")
}

fn official_context() -> SerializationContextData {
    SerializationContextData::Activity(ActivitySerializationContext::new())
}

fn cases() -> Vec<Case> {
    let order = Order {
        id: "order-1842".to_owned(),
        customer: "Ada Lovelace".to_owned(),
        items: vec![
            "keyboard".to_owned(),
            "mouse".to_owned(),
            "cable".to_owned(),
        ],
        express: true,
    };
    let large: String = "Temporal activities in Rust. "
        .chars()
        .cycle()
        .take(100 * 1024)
        .collect();
    vec![
        Case {
            name: "one_string",
            payloads: payloads_of(&[serde_json::json!("World")]),
            generated: generated::<noop>,
            serde_json: echo_by_hand,
            official: echo_official,
            activity_type: noop::NAME,
            context: |env| env.context::<noop>(),
            converter: Default::default(),
        },
        Case {
            name: "three_args_with_struct",
            payloads: payloads_of(&[
                serde_json::to_value(&order).expect("encodes"),
                serde_json::json!(1299),
                serde_json::json!("leave at the door"),
            ]),
            generated: generated::<confirm_order>,
            serde_json: |payloads| {
                let order: Order = serde_json::from_slice(&payloads[0].data).expect("decodes");
                let price: u64 = serde_json::from_slice(&payloads[1].data).expect("decodes");
                let note: String = serde_json::from_slice(&payloads[2].data).expect("decodes");
                json_payload(serde_json::to_vec(&confirm(order, price, note)).expect("encodes"))
            },
            official: |pc, payloads| {
                let data = official_context();
                let ctx = SerializationContext::new(&data, pc);
                let MultiArgs3(order, price, note): MultiArgs3<Order, u64, String> =
                    pc.from_payloads(&ctx, payloads).expect("decodes");
                pc.to_payload(&ctx, &confirm(order, price, note))
                    .expect("encodes")
            },
            activity_type: confirm_order::NAME,
            context: |env| env.context::<confirm_order>(),
            converter: Default::default(),
        },
        Case {
            name: "large_100kib_string",
            payloads: payloads_of(&[serde_json::json!(large)]),
            generated: generated::<noop>,
            serde_json: echo_by_hand,
            official: echo_official,
            activity_type: noop::NAME,
            context: |env| env.context::<noop>(),
            converter: Default::default(),
        },
        Case {
            name: "protobuf_message",
            payloads: vec![protobuf_payload(&WorkflowExecution {
                workflow_id: "order-1842".to_owned(),
                run_id: "0193a1c2-7d4e-7f00-8a51-3c2b9e6f1d20".to_owned(),
            })],
            generated: generated::<locate_run>,
            serde_json: |payloads| {
                let execution: WorkflowExecution = decode_by_hand(&payloads[0]);
                protobuf_payload(&locate(execution))
            },
            official: |pc, payloads| {
                let data = official_context();
                let ctx = SerializationContext::new(&data, pc);
                let ProstSerializable(execution): ProstSerializable<WorkflowExecution> =
                    pc.from_payloads(&ctx, payloads).expect("decodes");
                pc.to_payload(&ctx, &ProstSerializable(locate(execution)))
                    .expect("encodes")
            },
            activity_type: locate_run::NAME,
            context: |env| env.context::<locate_run>(),
            converter: activity_runtime::PayloadConverter::default().binary_protobuf(),
        },
    ]
}

const PATHS: [&str; 3] = ["generated", "serde_json", "official"];

fn main() {
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let env = ActivityEnvironment::new();
    let converter = PayloadConverter::default();
    if let Ok(target) = std::env::var("BENCH_DISPATCH_PROFILE") {
        return profile(&target, &env, &converter);
    }
    let output_dir = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&output_dir)
        .configure_from_args();

    for case in cases() {
        let ctx = (case.context)(&env);
        // The comparison is only fair if all three do the same work: same bytes out.
        let ours = (case.generated)(ctx.clone(), case.input());
        let by_hand = (case.serde_json)(case.payloads.clone());
        let official = (case.official)(&converter, case.payloads.clone());
        assert_eq!(
            ours.data, by_hand.data,
            "{}: generated vs serde_json",
            case.name
        );
        assert_eq!(
            ours.data, official.data,
            "{}: generated vs official",
            case.name
        );
        assert_eq!(ours.metadata, by_hand.metadata, "{}: metadata", case.name);
        if case.name != "protobuf_message" {
            // (`ProstSerializable` writes no `messageType`.)
            assert_eq!(ours.metadata, official.metadata, "{}: metadata", case.name);
        }

        let size = if case.name.starts_with("large") {
            BatchSize::LargeInput
        } else {
            BatchSize::SmallInput
        };
        let mut group = criterion.benchmark_group(case.name);
        group.bench_function(PATHS[0], |b| {
            b.iter_batched(
                // The context is the attempt's, made by the worker before dispatch: cloned in
                // the setup, dropped (inside `invoke`) in the measurement.
                || (ctx.clone(), case.input()),
                |(ctx, input)| (case.generated)(ctx, input),
                size,
            )
        });
        group.bench_function(PATHS[1], |b| {
            b.iter_batched(|| case.payloads.clone(), case.serde_json, size)
        });
        group.bench_function(PATHS[2], |b| {
            b.iter_batched(
                || case.payloads.clone(),
                |payloads| (case.official)(&converter, payloads),
                size,
            )
        });
        group.finish();
    }
    criterion.final_summary();

    if measuring {
        let table = summary(&output_dir);
        println!("\n{table}");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/dispatch.md");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("results dir");
        std::fs::write(&path, table).expect("writes the summary");
        println!("written to {}", path.display());
    }
}

/// `BENCH_DISPATCH_PROFILE=<case>/<path>`: runs that one path `BENCH_DISPATCH_ITERATIONS` times
/// (10,000 by default) in [`dispatch_loop`], its inputs made beforehand, for a profiler that
/// counts instructions without criterion's timing noise:
///
/// ```text
/// BENCH_DISPATCH_PROFILE=one_string/generated valgrind --tool=callgrind \
///     --toggle-collect='dispatch::dispatch_loop*' target/release/deps/dispatch-…
/// ```
///
/// The instructions counted, divided by the iterations, are one dispatch's, input drop included.
fn profile(target: &str, env: &ActivityEnvironment, converter: &PayloadConverter) {
    let (case_name, path) = target
        .split_once('/')
        .expect("BENCH_DISPATCH_PROFILE is <case>/<path>");
    let iterations: usize = std::env::var("BENCH_DISPATCH_ITERATIONS").map_or(10_000, |n| {
        n.parse().expect("BENCH_DISPATCH_ITERATIONS is a number")
    });
    let case = cases()
        .into_iter()
        .find(|case| case.name == case_name)
        .unwrap_or_else(|| panic!("no case {case_name}"));
    let ctx = (case.context)(env);
    let outputs = match path {
        "generated" => {
            let inputs = (0..iterations)
                .map(|_| (ctx.clone(), case.input()))
                .collect();
            dispatch_loop(inputs, |(ctx, input)| (case.generated)(ctx, input))
        }
        "serde_json" => dispatch_loop(vec![case.payloads.clone(); iterations], case.serde_json),
        "official" => dispatch_loop(vec![case.payloads.clone(); iterations], |payloads| {
            (case.official)(converter, payloads)
        }),
        other => panic!("no path {other}: one of {PATHS:?}"),
    };
    println!("{target}: {} dispatches", outputs.len());
}

#[inline(never)]
fn dispatch_loop<I>(inputs: Vec<I>, mut dispatch: impl FnMut(I) -> Payload) -> Vec<Payload> {
    let mut outputs = Vec::with_capacity(inputs.len());
    for input in inputs {
        outputs.push(dispatch(input));
    }
    outputs
}

/// `target/criterion`, found from this benchmark's own path (`target/<profile>/deps/dispatch-…`).
fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.parent()?.to_path_buf())
        })
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

/// The median of each path, and its ratio to hand-written `serde_json`, as a markdown table.
fn summary(output_dir: &Path) -> String {
    let median_ns = |case: &str, path: &str| -> f64 {
        let file = output_dir.join(case).join(path).join("new/estimates.json");
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("criterion wrote no {}: {e}", file.display()));
        let estimates: serde_json::Value = serde_json::from_str(&text).expect("criterion's JSON");
        estimates["median"]["point_estimate"]
            .as_f64()
            .expect("a median estimate")
    };
    let mut table = String::from(
        "| case | generated (`#[activity]`) | hand-written serde_json | official converter | generated / serde_json | official / serde_json |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for case in cases() {
        let [ours, by_hand, official] = PATHS.map(|path| median_ns(case.name, path));
        table.push_str(&format!(
            "| {} | {} | {} | {} | {:.2}× | {:.2}× |\n",
            case.name,
            human(ours),
            human(by_hand),
            human(official),
            ours / by_hand,
            official / by_hand,
        ));
    }
    table.push_str(&format!(
        "\nMedian time per dispatch (decode arguments, call, encode the result), criterion, \
         `cargo bench -p benchmarks --bench dispatch`; {}.\n",
        machine_state()
    ));
    table
}

fn human(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Cores and load average when the summary was written.
fn machine_state() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    format!("{cores} cores, load average {load}")
}
