//! Metrics from inside an activity ([`crate::ActivityContext::metric_meter`]): counters,
//! histograms and gauges, exported with the worker core's own metrics (Prometheus or OTLP, chosen
//! on the worker builder) and labelled with the activity type, task queue and namespace.

use std::borrow::Cow;
use std::time::Duration;

use temporalio_common::telemetry::metrics::{
    CounterBase as _, GaugeBase as _, HistogramBase as _, HistogramDurationBase as _,
    MetricAttributable as _, MetricAttributes, MetricKeyValue, MetricParameters, NewAttributes,
    TemporalMeter,
};

/// Creates metric instruments that export with the worker's metrics. Cheap to clone.
///
/// Without metrics configured on the worker (and in an `ActivityEnvironment`), instruments record
/// nothing. Names follow the exporter's conventions (Prometheus: `snake_case`, no prefix added).
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
    meter: TemporalMeter,
    attributes: MetricAttributes,
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
        Self { meter, attributes }
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
        let attributes = self.meter.extend_attributes(
            self.attributes.clone(),
            NewAttributes::from(
                labels
                    .into_iter()
                    .map(|(key, value)| MetricKeyValue::new(key, value.into())),
            ),
        );
        Self {
            meter: self.meter.clone(),
            attributes,
        }
    }

    /// A monotonic counter.
    pub fn counter(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricCounter {
        let counter = self.meter.counter(parameters(name, description, ""));
        MetricCounter(counter.with_attributes(&self.attributes).ok())
    }

    /// A histogram of integer values in `unit` (e.g. `bytes`, `items`).
    pub fn histogram(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
    ) -> MetricHistogram {
        let histogram = self.meter.histogram(parameters(name, description, unit));
        MetricHistogram(histogram.with_attributes(&self.attributes).ok())
    }

    /// A histogram of durations (exported in the exporter's unit: milliseconds unless it is set
    /// to seconds).
    pub fn duration_histogram(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricDurationHistogram {
        let histogram = self
            .meter
            .histogram_duration(parameters(name, description, ""));
        MetricDurationHistogram(histogram.with_attributes(&self.attributes).ok())
    }

    /// A gauge: the last value set.
    pub fn gauge(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> MetricGauge {
        let gauge = self.meter.gauge(parameters(name, description, ""));
        MetricGauge(gauge.with_attributes(&self.attributes).ok())
    }
}

fn parameters(
    name: impl Into<Cow<'static, str>>,
    description: impl Into<Cow<'static, str>>,
    unit: impl Into<Cow<'static, str>>,
) -> MetricParameters {
    MetricParameters::builder()
        .name(name)
        .description(description)
        .unit(unit)
        .build()
}

impl std::fmt::Debug for MetricMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricMeter")
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

/// A counter from [`MetricMeter::counter`].
#[derive(Clone)]
pub struct MetricCounter(Option<temporalio_common::telemetry::metrics::Counter>);

impl MetricCounter {
    /// Adds `value`.
    pub fn add(&self, value: u64) {
        if let Some(counter) = &self.0 {
            counter.adds(value);
        }
    }
}

/// A histogram from [`MetricMeter::histogram`].
#[derive(Clone)]
pub struct MetricHistogram(Option<temporalio_common::telemetry::metrics::Histogram>);

impl MetricHistogram {
    /// Records one observation.
    pub fn record(&self, value: u64) {
        if let Some(histogram) = &self.0 {
            histogram.records(value);
        }
    }
}

/// A duration histogram from [`MetricMeter::duration_histogram`].
#[derive(Clone)]
pub struct MetricDurationHistogram(
    Option<temporalio_common::telemetry::metrics::HistogramDuration>,
);

impl MetricDurationHistogram {
    /// Records one duration.
    pub fn record(&self, value: Duration) {
        if let Some(histogram) = &self.0 {
            histogram.records(value);
        }
    }
}

/// A gauge from [`MetricMeter::gauge`].
#[derive(Clone)]
pub struct MetricGauge(Option<temporalio_common::telemetry::metrics::Gauge>);

impl MetricGauge {
    /// Sets the gauge to `value`.
    pub fn set(&self, value: u64) {
        if let Some(gauge) = &self.0 {
            gauge.records(value);
        }
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
