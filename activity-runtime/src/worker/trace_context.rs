//! Traces that continue from the caller: the OpenTelemetry context a workflow or client sends in
//! the `_tracer-data` header (as Python's `temporalio.contrib.opentelemetry`, the TypeScript
//! interceptors and the Go and .NET tracing interceptors write it: a JSON object holding the
//! W3C `traceparent`, `tracestate` and `baggage` fields) becomes the parent of the attempt's
//! `activity` span. A `tracing-opentelemetry` layer then exports that span as a child of the
//! caller's (see the crate's README, "Tracing").

use std::collections::HashMap;
use std::sync::LazyLock;

use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::payload::from_payload;

/// The header the Temporal SDKs carry the trace context in.
pub(super) const TRACER_HEADER: &str = "_tracer-data";

/// W3C trace context and baggage, the two fields the SDKs write; built once.
static PROPAGATOR: LazyLock<TextMapCompositePropagator> = LazyLock::new(|| {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
});

/// Makes the trace context in `headers`, if any, the parent of `span`. A header that does not
/// decode is logged and ignored: the attempt still runs, in a trace of its own.
pub(super) fn continue_trace(span: &tracing::Span, headers: &HashMap<String, Payload>) {
    let Some(payload) = headers.get(TRACER_HEADER) else {
        return;
    };
    let carrier: HashMap<String, String> = match from_payload(payload) {
        Ok(carrier) => carrier,
        Err(err) => {
            tracing::warn!(error = %err, "the `{TRACER_HEADER}` header is not a trace context; the activity's span starts a trace of its own");
            return;
        }
    };
    let parent = PROPAGATOR.extract(&carrier);
    // Fails only when no `tracing-opentelemetry` layer records the span: nothing to continue.
    let _ = span.set_parent(parent);
}
