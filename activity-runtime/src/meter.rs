//! Metrics from inside an activity ([`crate::ActivityContext::metric_meter`]): counters,
//! histograms and gauges, exported with the worker core's own metrics (Prometheus or OTLP, chosen
//! on the worker builder) and labelled with the activity type, task queue and namespace.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use temporalio_common::telemetry::metrics::{
    CounterBase as _, GaugeBase as _, HistogramBase as _, HistogramDurationBase as _,
    MetricAttributable as _, MetricAttributes, MetricKeyValue, MetricParameters, NewAttributes,
    TemporalMeter,
};

/// Creates metric instruments that export with the worker's metrics. Cheap to clone.
///
/// Without metrics configured on the worker (and in an `ActivityEnvironment`), instruments record
/// nothing. Names follow the exporter's conventions (Prometheus: `snake_case`, no prefix added).
/// In the child process of a process-isolated activity, each recording crosses to the worker,
/// which exports it as if the activity had run there.
///
/// ```
/// # use activity_runtime::{ActivityContext, activity};
/// #[activity]
/// async fn resize(ctx: ActivityContext, bytes: Vec<u8>) -> usize {
///     let meter = ctx.metric_meter();
///     meter.counter("images_resized", "Images resized").add(1);
///     meter.histogram("image_bytes", "Size of the images resized", "bytes").record(bytes.len() as u64);
///     bytes.len()
/// }
/// ```
#[derive(Clone)]
pub struct MetricMeter {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    /// The worker core's meter: records where the worker exports.
    Core {
        meter: TemporalMeter,
        attributes: MetricAttributes,
    },
    /// Hands each recording to a sink (a child process's, which sends it to the worker).
    Relay {
        sink: RecordingSink,
        labels: Vec<(String, String)>,
    },
}

/// One recording of an instrument made where nothing exports (a process-isolated activity's
/// child), for a meter that does to [`replay`](MetricMeter::replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Recording {
    pub(crate) instrument: InstrumentKind,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) unit: String,
    pub(crate) labels: Vec<(String, String)>,
    /// The value; nanoseconds for a duration histogram.
    pub(crate) value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum InstrumentKind {
    Counter,
    Histogram,
    DurationHistogram,
    Gauge,
}

/// Where a relaying meter's recordings go.
pub(crate) type RecordingSink = Arc<dyn Fn(Recording) + Send + Sync>;

/// What a relaying instrument needs to describe each recording.
#[derive(Clone)]
struct Relayed {
    sink: RecordingSink,
    instrument: InstrumentKind,
    name: String,
    description: String,
    unit: String,
    labels: Vec<(String, String)>,
}

impl Relayed {
    fn send(&self, value: u64) {
        (self.sink)(Recording {
            instrument: self.instrument,
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            labels: self.labels.clone(),
            value,
        });
    }
}

/// An instrument: the core's (absent when it could not be made), or relayed.
#[derive(Clone)]
enum Recorder<T> {
    Core(Option<T>),
    Relay(Relayed),
}

impl<T> Recorder<T> {
    /// Records `value` with core's instrument (`to_core`), or relays it as a number.
    fn record<V>(&self, value: V, to_core: impl FnOnce(&T, V), to_relayed: impl FnOnce(V) -> u64) {
        match self {
            Recorder::Core(Some(instrument)) => to_core(instrument, value),
            Recorder::Core(None) => {}
            Recorder::Relay(relayed) => relayed.send(to_relayed(value)),
        }
    }
}

impl MetricMeter {
    /// `meter` with its default attributes and `labels` on every recording.
    pub(crate) fn new(meter: TemporalMeter, labels: Vec<(&'static str, String)>) -> Self {
        let attributes = meter.extend_attributes(
            meter.get_default_attributes().clone(),
            NewAttributes::from(
                labels
                    .into_iter()
                    .map(|(key, value)| MetricKeyValue::new(key, value)),
            ),
        );
        Self {
            backend: Backend::Core { meter, attributes },
        }
    }

    /// A meter whose every recording goes to `sink`.
    pub(crate) fn relay(sink: RecordingSink) -> Self {
        Self {
            backend: Backend::Relay {
                sink,
                labels: Vec::new(),
            },
        }
    }

    /// A meter whose instruments record nothing.
    pub fn noop() -> Self {
        Self::new(TemporalMeter::no_op(), Vec::new())
    }

    /// The same meter with more labels on every recording.
    pub fn with_labels<K, V>(&self, labels: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let backend = match &self.backend {
            Backend::Core { meter, attributes } => Backend::Core {
                attributes: meter.extend_attributes(
                    attributes.clone(),
                    NewAttributes::from(
                        labels
                            .into_iter()
                            .map(|(key, value)| MetricKeyValue::new(key, value.into())),
                    ),
                ),
                meter: meter.clone(),
            },
            Backend::Relay { sink, labels: own } => Backend::Relay {
                sink: sink.clone(),
                labels: own
                    .iter()
                    .cloned()
                    .chain(labels.into_iter().map(|(k, v)| (k.into(), v.into())))
                    .collect(),
            },
        };
        Self { backend }
    }

    /// Records `recording` (relayed from a child) with this meter's instruments and labels; the
    /// child's `activity_type` label gives way to this meter's.
    pub(crate) fn replay(&self, recording: Recording) {
        let meter = self.with_labels(
            recording
                .labels
                .into_iter()
                .filter(|(key, _)| key != "activity_type"),
        );
        let (name, description) = (recording.name, recording.description);
        match recording.instrument {
            InstrumentKind::Counter => meter.counter(name, description).add(recording.value),
            InstrumentKind::Histogram => meter
                .histogram(name, description, recording.unit)
                .record(recording.value),
            InstrumentKind::DurationHistogram => meter
                .duration_histogram(name, description)
                .record(Duration::from_nanos(recording.value)),
            InstrumentKind::Gauge => meter.gauge(name, description).set(recording.value),
        }
    }

    /// The relayed instrument `instrument`, or else the core's, made by `core`.
    fn recorder<T>(
        &self,
        instrument: InstrumentKind,
        (name, description, unit): (Cow<'static, str>, Cow<'static, str>, Cow<'static, str>),
        core: impl FnOnce(&TemporalMeter, MetricParameters, &MetricAttributes) -> Option<T>,
    ) -> Recorder<T> {
        match &self.backend {
            Backend::Core { meter, attributes } => Recorder::Core(core(
                meter,
                MetricParameters::builder()
                    .name(name)
                    .description(description)
                    .unit(unit)
                    .build(),
                attributes,
            )),
            Backend::Relay { sink, labels } => Recorder::Relay(Relayed {
                sink: sink.clone(),
                instrument,
                name: name.into_owned(),
                description: description.into_owned(),
                unit: unit.into_owned(),
                labels: labels.clone(),
            }),
        }
    }

    /// A monotonic counter.
    pub fn counter(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricCounter {
        MetricCounter(self.recorder(
            InstrumentKind::Counter,
            (name.into(), description.into(), "".into()),
            |meter, parameters, attributes| {
                meter.counter(parameters).with_attributes(attributes).ok()
            },
        ))
    }

    /// A histogram of integer values in `unit` (e.g. `bytes`, `items`).
    pub fn histogram(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
    ) -> MetricHistogram {
        MetricHistogram(self.recorder(
            InstrumentKind::Histogram,
            (name.into(), description.into(), unit.into()),
            |meter, parameters, attributes| {
                meter.histogram(parameters).with_attributes(attributes).ok()
            },
        ))
    }

    /// A histogram of durations (exported in the exporter's unit: milliseconds unless it is set
    /// to seconds).
    pub fn duration_histogram(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricDurationHistogram {
        MetricDurationHistogram(self.recorder(
            InstrumentKind::DurationHistogram,
            (name.into(), description.into(), "".into()),
            |meter, parameters, attributes| {
                meter
                    .histogram_duration(parameters)
                    .with_attributes(attributes)
                    .ok()
            },
        ))
    }

    /// A gauge: the last value set.
    pub fn gauge(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricGauge {
        MetricGauge(self.recorder(
            InstrumentKind::Gauge,
            (name.into(), description.into(), "".into()),
            |meter, parameters, attributes| {
                meter.gauge(parameters).with_attributes(attributes).ok()
            },
        ))
    }
}

impl std::fmt::Debug for MetricMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("MetricMeter");
        match &self.backend {
            Backend::Core { attributes, .. } => f.field("attributes", attributes),
            Backend::Relay { labels, .. } => f.field("relayed_labels", labels),
        };
        f.finish_non_exhaustive()
    }
}

/// A counter from [`MetricMeter::counter`].
#[derive(Clone)]
pub struct MetricCounter(Recorder<temporalio_common::telemetry::metrics::Counter>);

impl MetricCounter {
    /// Adds `value`.
    pub fn add(&self, value: u64) {
        self.0
            .record(value, |counter, value| counter.adds(value), |value| value);
    }
}

/// A histogram from [`MetricMeter::histogram`].
#[derive(Clone)]
pub struct MetricHistogram(Recorder<temporalio_common::telemetry::metrics::Histogram>);

impl MetricHistogram {
    /// Records one observation.
    pub fn record(&self, value: u64) {
        self.0.record(
            value,
            |histogram, value| histogram.records(value),
            |value| value,
        );
    }
}

/// A duration histogram from [`MetricMeter::duration_histogram`].
#[derive(Clone)]
pub struct MetricDurationHistogram(
    Recorder<temporalio_common::telemetry::metrics::HistogramDuration>,
);

impl MetricDurationHistogram {
    /// Records one duration.
    pub fn record(&self, value: Duration) {
        self.0.record(
            value,
            |histogram, value| histogram.records(value),
            // Relayed in nanoseconds (`MetricMeter::replay` turns them back into a duration).
            |value| u64::try_from(value.as_nanos()).unwrap_or(u64::MAX),
        );
    }
}

/// A gauge from [`MetricMeter::gauge`].
#[derive(Clone)]
pub struct MetricGauge(Recorder<temporalio_common::telemetry::metrics::Gauge>);

impl MetricGauge {
    /// Sets the gauge to `value`.
    pub fn set(&self, value: u64) {
        self.0
            .record(value, |gauge, value| gauge.records(value), |value| value);
    }
}

macro_rules! opaque_debug {
    ($($ty:ident),*) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }
    )*};
}
opaque_debug!(
    MetricCounter,
    MetricHistogram,
    MetricDurationHistogram,
    MetricGauge
);
