//! The explicit list of activities a worker serves, and the lookup built from it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::activity::{Activity, ActivityFuture, ActivityInput};
use crate::context::ActivityContext;
use crate::error::WorkerError;
use crate::limits::PayloadLimits;

/// One registered activity: its name, where it is defined, and how to run it.
#[derive(Clone, Copy, Debug)]
pub struct Registration {
    name: &'static str,
    function: &'static str,
    parameters: &'static [&'static str],
    limits: PayloadLimits,
    invoke: fn(ActivityContext, ActivityInput) -> ActivityFuture,
}

impl Registration {
    /// The registration of activity `A`.
    pub fn of<A: Activity>() -> Self {
        Self {
            name: A::NAME,
            function: A::FUNCTION,
            parameters: A::PARAMETERS,
            limits: A::LIMITS,
            invoke: A::invoke,
        }
    }

    /// The activity type name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust path of the function.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// The names of the parameters decoded from payloads (empty when not known).
    pub fn parameters(&self) -> &'static [&'static str] {
        self.parameters
    }

    /// The payload size limits.
    pub fn limits(&self) -> PayloadLimits {
        self.limits
    }

    pub(crate) fn invoke(&self, ctx: ActivityContext, input: ActivityInput) -> ActivityFuture {
        (self.invoke)(ctx, input)
    }
}

/// A list of activities to register on a worker, usually made by [`activities!`](crate::activities).
#[derive(Clone, Debug, Default)]
pub struct Activities {
    registrations: Vec<Registration>,
}

impl Activities {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds activity `A`.
    pub fn with<A: Activity>(mut self) -> Self {
        self.registrations.push(Registration::of::<A>());
        self
    }

    /// The activity type names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.registrations.iter().map(|r| r.name)
    }

    /// The registrations, in order.
    pub fn registrations(&self) -> &[Registration] {
        &self.registrations
    }
}

impl<const N: usize> From<[Registration; N]> for Activities {
    fn from(registrations: [Registration; N]) -> Self {
        Self {
            registrations: registrations.into(),
        }
    }
}

impl Extend<Registration> for Activities {
    fn extend<I: IntoIterator<Item = Registration>>(&mut self, iter: I) {
        self.registrations.extend(iter)
    }
}

impl IntoIterator for Activities {
    type Item = Registration;
    type IntoIter = std::vec::IntoIter<Registration>;
    fn into_iter(self) -> Self::IntoIter {
        self.registrations.into_iter()
    }
}

/// Lists activities for [`WorkerBuilder::register`](crate::WorkerBuilder::register).
///
/// Each entry is the path of a function annotated with `#[activity]`:
///
/// ```
/// use activity_runtime::{activities, activity};
///
/// #[activity]
/// async fn say_hello(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// mod some {
///     pub mod path {
///         use activity_runtime::activity;
///
///         #[activity(name = "other_activity")]
///         pub fn other() {}
///     }
/// }
///
/// let activities = activities![say_hello, some::path::other];
/// let names: Vec<_> = activities.names().collect();
/// assert_eq!(names, ["say_hello", "other_activity"]);
/// ```
#[macro_export]
macro_rules! activities {
    ($($activity:path),* $(,)?) => {
        $crate::Activities::from([$(<$activity as $crate::Activity>::registration()),*])
    };
}

/// Activity types by name, with no two sharing a name.
pub(crate) struct Registry {
    by_name: HashMap<&'static str, Registration>,
    /// Sorted names, for "not registered" failures.
    names: String,
}

impl Registry {
    pub(crate) fn new(activities: Activities) -> Result<Self, WorkerError> {
        let mut by_name = HashMap::with_capacity(activities.registrations.len());
        for registration in activities {
            match by_name.entry(registration.name) {
                Entry::Vacant(slot) => {
                    slot.insert(registration);
                }
                Entry::Occupied(existing) => {
                    return Err(WorkerError::DuplicateActivity {
                        name: registration.name.to_owned(),
                        first: existing.get().function.to_owned(),
                        second: registration.function.to_owned(),
                    });
                }
            }
        }
        let mut names: Vec<&str> = by_name.keys().copied().collect();
        names.sort_unstable();
        Ok(Self {
            by_name,
            names: names.join(", "),
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Registration> {
        self.by_name.get(name)
    }

    pub(crate) fn names(&self) -> &str {
        &self.names
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
