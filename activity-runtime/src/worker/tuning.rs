//! How many activities a worker runs at once and how fast it takes them: activity slots (fixed,
//! resource-based or a custom supplier), the activity pollers, rate limits and heartbeat
//! throttling. Every setting is handed to the official worker core as it is; this module only
//! names them as the other SDKs do and checks them at `build()`.
//!
//! The types an operator needs to plug in a custom slot supplier are core's own, re-exported
//! here, with the `async_trait` attribute core's trait is written with:
//!
//! ```
//! use activity_runtime::tuning::{
//!     ActivitySlotKind, SlotMarkUsedContext, SlotReleaseContext, SlotReservationContext,
//!     SlotSupplier, SlotSupplierPermit, async_trait,
//! };
//! use tokio::sync::Semaphore;
//!
//! /// At most `n` activities at once, whatever else the process does.
//! struct AtMost(Semaphore);
//!
//! #[async_trait]
//! impl SlotSupplier for AtMost {
//!     type SlotKind = ActivitySlotKind;
//!
//!     async fn reserve_slot(&self, _: &dyn SlotReservationContext) -> SlotSupplierPermit {
//!         self.0.acquire().await.expect("never closed").forget();
//!         SlotSupplierPermit::default()
//!     }
//!
//!     fn try_reserve_slot(&self, _: &dyn SlotReservationContext) -> Option<SlotSupplierPermit> {
//!         let permit = self.0.try_acquire().ok()?;
//!         permit.forget();
//!         Some(SlotSupplierPermit::default())
//!     }
//!
//!     fn mark_slot_used(&self, _: &dyn SlotMarkUsedContext<SlotKind = ActivitySlotKind>) {}
//!
//!     fn release_slot(&self, _: &dyn SlotReleaseContext<SlotKind = ActivitySlotKind>) {
//!         self.0.add_permits(1);
//!     }
//! }
//!
//! let builder = activity_runtime::Worker::builder()
//!     .activity_slot_supplier(AtMost(Semaphore::new(4)))
//!     .blocking_threads(4);
//! ```

use std::sync::Arc;
use std::time::Duration;

use temporalio_sdk_core::{
    ResourceBasedSlotsOptions, ResourceBasedTunerConfig, ResourceSlotOptions, TunerBuilder,
    TunerHolderOptions, WorkerTuner,
};

pub use async_trait::async_trait;
pub use temporalio_sdk_core::{
    ActivitySlotKind, PollerBehavior, SlotInfo, SlotInfoTrait, SlotKind, SlotMarkUsedContext,
    SlotReleaseContext, SlotReservationContext, SlotSupplier, SlotSupplierPermit,
};

use super::WorkerError;

/// The pollers of a worker with [`max_activities_per_second`] and no poller setting: one poll
/// at a time. Core applies the rate when it sends a poll, so every poll already waiting when
/// tasks arrive gets one at once: with core's default 5 pollers, a rate of 5 started 11 or 12
/// activities in the first second. The worker spaces the starts itself (`pacer`); one poll keeps
/// the tasks waiting for their turn few.
///
/// [`max_activities_per_second`]: crate::WorkerBuilder::max_activities_per_second
pub(super) const RATE_LIMITED_POLLER: PollerBehavior = PollerBehavior::SimpleMaximum(1);

/// Activity slots when nothing else is set: a fixed 100, as in every other SDK.
pub(super) const DEFAULT_MAX_CONCURRENT_ACTIVITIES: usize = 100;

/// Resource-based activity slots: the worker takes another activity only while the machine's
/// memory and CPU use (its cgroup's, in a container with limits) stay below the targets, and never
/// more than [`maximum_slots`](Self::maximum_slots) at once. Core's resource-based tuner.
///
/// For memory- or CPU-heavy activities, where a fixed slot count either wastes the machine or
/// runs it out of memory:
///
/// ```
/// use std::time::Duration;
/// use activity_runtime::tuning::ResourceBasedSlots;
///
/// // Aim for 80 % of memory and 90 % of CPU; 2 to 64 activities, one more every 200 ms at most.
/// let slots = ResourceBasedSlots::new(0.8, 0.9)
///     .minimum_slots(2)
///     .maximum_slots(64)
///     .ramp_throttle(Duration::from_millis(200));
/// ```
///
/// Memory is compared with the target before each slot beyond the minimum is handed out, so a
/// memory target only helps if the activities already running have taken their memory by then:
/// raise [`ramp_throttle`](Self::ramp_throttle) for activities that allocate slowly.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ResourceBasedSlots {
    /// Target memory use, a fraction of the machine's (or cgroup's) memory in `(0, 1]`.
    pub target_memory_usage: f64,
    /// Target CPU use, a fraction of all cores in `(0, 1]`.
    pub target_cpu_usage: f64,
    /// Slots handed out whatever the resource use (default 1).
    pub minimum_slots: usize,
    /// Slots never exceeded (default 500, the Python SDK's).
    pub maximum_slots: usize,
    /// The least time between two slots beyond the minimum (default 50 ms).
    pub ramp_throttle: Duration,
}

impl ResourceBasedSlots {
    /// Targets for memory and CPU use, fractions in `(0, 1]` (checked at `build()`), with the
    /// default minimum (1), maximum (500) and ramp throttle (50 ms).
    pub fn new(target_memory_usage: f64, target_cpu_usage: f64) -> Self {
        Self {
            target_memory_usage,
            target_cpu_usage,
            minimum_slots: 1,
            maximum_slots: 500,
            ramp_throttle: Duration::from_millis(50),
        }
    }

    /// Slots handed out whatever the resource use (default 1).
    #[must_use]
    pub fn minimum_slots(mut self, slots: usize) -> Self {
        self.minimum_slots = slots;
        self
    }

    /// Slots never exceeded (default 500).
    #[must_use]
    pub fn maximum_slots(mut self, slots: usize) -> Self {
        self.maximum_slots = slots;
        self
    }

    /// The least time between two slots beyond the minimum (default 50 ms), so that resource
    /// use can reflect the activities just started before another one is taken.
    #[must_use]
    pub fn ramp_throttle(mut self, throttle: Duration) -> Self {
        self.ramp_throttle = throttle;
        self
    }

    fn validate(&self) -> Result<(), WorkerError> {
        for (name, value) in [
            ("target_memory_usage", self.target_memory_usage),
            ("target_cpu_usage", self.target_cpu_usage),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(invalid(
                    "resource_based_slots",
                    format!("{name} is {value}; it is a fraction in (0, 1], e.g. 0.8 for 80 %"),
                ));
            }
        }
        if self.maximum_slots == 0 {
            return Err(invalid(
                "resource_based_slots",
                "maximum_slots is 0; the worker would never run an activity",
            ));
        }
        if self.minimum_slots > self.maximum_slots {
            return Err(invalid(
                "resource_based_slots",
                format!(
                    "minimum_slots ({}) is more than maximum_slots ({})",
                    self.minimum_slots, self.maximum_slots
                ),
            ));
        }
        Ok(())
    }
}

/// A user's slot supplier, as core takes it.
pub(super) type CustomSupplier = Arc<dyn SlotSupplier<SlotKind = ActivitySlotKind> + Send + Sync>;

/// Every tuning setting of a [`WorkerBuilder`](crate::WorkerBuilder), as given.
#[derive(Clone, Default)]
pub(super) struct Tuning {
    pub(super) max_concurrent_activities: Option<usize>,
    pub(super) resource_based_slots: Option<ResourceBasedSlots>,
    pub(super) slot_supplier: Option<CustomSupplier>,
    /// The poller behaviour, and the builder method that set it (for errors).
    pub(super) poller_behavior: Option<(PollerBehavior, &'static str)>,
    pub(super) max_activities_per_second: Option<f64>,
    pub(super) max_task_queue_activities_per_second: Option<f64>,
    pub(super) max_heartbeat_throttle_interval: Option<Duration>,
    pub(super) default_heartbeat_throttle_interval: Option<Duration>,
}

impl std::fmt::Debug for Tuning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tuning")
            .field("max_concurrent_activities", &self.max_concurrent_activities)
            .field("resource_based_slots", &self.resource_based_slots)
            .field(
                "slot_supplier",
                &self.slot_supplier.as_ref().map(|s| s.slot_supplier_kind()),
            )
            .field(
                "activity_task_poller_behavior",
                &self.poller_behavior.as_ref().map(|(behavior, _)| behavior),
            )
            .field("max_activities_per_second", &self.max_activities_per_second)
            .field(
                "max_task_queue_activities_per_second",
                &self.max_task_queue_activities_per_second,
            )
            .field(
                "max_heartbeat_throttle_interval",
                &self.max_heartbeat_throttle_interval,
            )
            .field(
                "default_heartbeat_throttle_interval",
                &self.default_heartbeat_throttle_interval,
            )
            .finish()
    }
}

/// The checked tuning: what core gets, and what the pools are sized from.
pub(super) struct Resolved {
    /// Core's fixed activity slots, or else its tuner.
    slots: Slots,
    /// The most activities the slots ever allow at once, when known (not for a custom supplier),
    /// and the setting that says so (for warnings).
    pub(super) slot_maximum: Option<(usize, &'static str)>,
    pub(super) poller_behavior: Option<PollerBehavior>,
    pub(super) max_activities_per_second: Option<f64>,
    pub(super) max_task_queue_activities_per_second: Option<f64>,
    pub(super) max_heartbeat_throttle_interval: Option<Duration>,
    pub(super) default_heartbeat_throttle_interval: Option<Duration>,
}

enum Slots {
    Fixed(usize),
    Tuner(Arc<dyn WorkerTuner + Send + Sync>),
}

impl Tuning {
    /// Checks every setting; the error names the first one that is wrong.
    pub(super) fn resolve(self) -> Result<Resolved, WorkerError> {
        let chosen: Vec<&str> = [
            self.max_concurrent_activities
                .map(|_| "max_concurrent_activities"),
            self.resource_based_slots.map(|_| "resource_based_slots"),
            self.slot_supplier
                .as_ref()
                .map(|_| "activity_slot_supplier"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let [first, second, ..] = chosen[..] {
            return Err(invalid(
                second,
                format!(
                    "`{first}` is set too; activity slots come from one of \
                     `max_concurrent_activities`, `resource_based_slots` or \
                     `activity_slot_supplier`"
                ),
            ));
        }
        let (slots, slot_maximum) = if let Some(resource) = self.resource_based_slots {
            resource.validate()?;
            let tuner = TunerHolderOptions::builder()
                .activity_slot_options(temporalio_sdk_core::SlotSupplierOptions::ResourceBased(
                    ResourceSlotOptions::new(
                        resource.minimum_slots,
                        resource.maximum_slots,
                        resource.ramp_throttle,
                    ),
                ))
                .resource_based_config(ResourceBasedTunerConfig::Options(
                    ResourceBasedSlotsOptions::builder()
                        .target_mem_usage(resource.target_memory_usage)
                        .target_cpu_usage(resource.target_cpu_usage)
                        .build(),
                ))
                .build_tuner_holder()
                .map_err(|err| invalid("resource_based_slots", err.to_string()))?;
            (
                Slots::Tuner(Arc::new(tuner)),
                Some((resource.maximum_slots, "resource_based_slots.maximum_slots")),
            )
        } else if let Some(supplier) = self.slot_supplier {
            let tuner = TunerBuilder::default()
                .activity_slot_supplier(supplier)
                .build();
            (Slots::Tuner(Arc::new(tuner)), None)
        } else {
            let max = self
                .max_concurrent_activities
                .unwrap_or(DEFAULT_MAX_CONCURRENT_ACTIVITIES);
            if max == 0 {
                return Err(invalid(
                    "max_concurrent_activities",
                    "it is 0; the worker would never run an activity",
                ));
            }
            (Slots::Fixed(max), Some((max, "max_concurrent_activities")))
        };
        if let Some((behavior, setting)) = &self.poller_behavior {
            check_poller_behavior(behavior, setting)?;
        }
        for (name, rate) in [
            ("max_activities_per_second", self.max_activities_per_second),
            (
                "max_task_queue_activities_per_second",
                self.max_task_queue_activities_per_second,
            ),
        ] {
            if let Some(rate) = rate
                && !(rate.is_finite() && rate > 0.0)
            {
                return Err(invalid(
                    name,
                    format!(
                        "it is {rate}; a rate is a finite number of activities per second above 0"
                    ),
                ));
            }
        }
        for (name, interval) in [
            (
                "max_heartbeat_throttle_interval",
                self.max_heartbeat_throttle_interval,
            ),
            (
                "default_heartbeat_throttle_interval",
                self.default_heartbeat_throttle_interval,
            ),
        ] {
            if interval == Some(Duration::ZERO) {
                return Err(invalid(
                    name,
                    "it is 0, which would send every heartbeat to the server at once; \
                     use a short interval such as 100 ms instead",
                ));
            }
        }
        Ok(Resolved {
            slots,
            slot_maximum,
            poller_behavior: self
                .poller_behavior
                .map(|(behavior, _)| behavior)
                .or_else(|| self.max_activities_per_second.map(|_| RATE_LIMITED_POLLER)),
            max_activities_per_second: self.max_activities_per_second,
            max_task_queue_activities_per_second: self.max_task_queue_activities_per_second,
            max_heartbeat_throttle_interval: self.max_heartbeat_throttle_interval,
            default_heartbeat_throttle_interval: self.default_heartbeat_throttle_interval,
        })
    }
}

impl Resolved {
    /// Core's fixed activity slot count, when the slots are fixed.
    pub(super) fn fixed_slots(&self) -> Option<usize> {
        match &self.slots {
            Slots::Fixed(max) => Some(*max),
            Slots::Tuner(_) => None,
        }
    }

    /// Core's tuner, when the slots are resource-based or custom.
    pub(super) fn tuner(&self) -> Option<Arc<dyn WorkerTuner + Send + Sync>> {
        match &self.slots {
            Slots::Fixed(_) => None,
            Slots::Tuner(tuner) => Some(tuner.clone()),
        }
    }
}

/// Checks a poller behaviour as core would, in the words of `setting`, the builder method that
/// set it (core's own message names its enum, not the method the user called).
fn check_poller_behavior(
    behavior: &PollerBehavior,
    setting: &'static str,
) -> Result<(), WorkerError> {
    let reason = match *behavior {
        PollerBehavior::SimpleMaximum(0) if setting == "activity_task_poller_behavior" => {
            "`PollerBehavior::SimpleMaximum(0)` would never poll for an activity task; give at \
             least 1"
                .to_owned()
        }
        PollerBehavior::SimpleMaximum(0) => {
            "it is 0; the worker would never poll for an activity task".to_owned()
        }
        PollerBehavior::SimpleMaximum(_) => return Ok(()),
        PollerBehavior::Autoscaling { minimum: 0, .. } => {
            "`minimum` is 0; autoscaling keeps at least 1 poll open".to_owned()
        }
        PollerBehavior::Autoscaling {
            minimum, maximum, ..
        } if maximum < minimum => {
            format!("`maximum` ({maximum}) is below `minimum` ({minimum})")
        }
        PollerBehavior::Autoscaling {
            minimum,
            maximum,
            initial,
        } if initial < minimum || initial > maximum => format!(
            "`initial` ({initial}) is not between `minimum` ({minimum}) and `maximum` ({maximum})"
        ),
        PollerBehavior::Autoscaling { .. } => return Ok(()),
    };
    // Anything core refuses that the checks above let through still names the setting.
    Err(invalid(setting, reason))
}

/// A setting `build()` refuses.
pub(super) fn invalid(setting: &'static str, reason: impl Into<String>) -> WorkerError {
    WorkerError::InvalidSetting {
        setting,
        reason: reason.into(),
    }
}
