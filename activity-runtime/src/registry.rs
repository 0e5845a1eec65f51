//! The explicit list of activities a worker serves, and the lookup built from it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::activity::{Activity, Registration};

/// A type whose methods are activities sharing one instance: what `#[activity]` on an `impl`
/// block implements. `Arc<T>` converts into [`Activities`], so a worker registers the instance:
///
/// ```no_run
/// # use std::sync::Arc;
/// # use activity_runtime::{ActivityMethods, Activities};
/// # fn demo<T: ActivityMethods>(db: T) {
/// let activities: Activities = Arc::new(db).into();
/// # }
/// ```
pub trait ActivityMethods: Send + Sync + 'static {
    /// The method activities, bound to this instance.
    fn activities(self: Arc<Self>) -> Activities;
}

impl<T: ActivityMethods> From<Arc<T>> for Activities {
    fn from(instance: Arc<T>) -> Self {
        instance.activities()
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

    /// Adds a registration.
    pub fn push(&mut self, registration: Registration) {
        self.registrations.push(registration);
    }

    /// The activity type names, in registration order (the dynamic activity's is `*`).
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.registrations.iter().map(Registration::name)
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

/// Why a list of activities cannot be served together (the worker reports it as a `WorkerError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistryError {
    /// Two activities share a name: the functions registered first and second.
    Duplicate {
        name: &'static str,
        first: &'static str,
        second: &'static str,
    },
    /// Two dynamic activities.
    DuplicateDynamic {
        first: &'static str,
        second: &'static str,
    },
}

/// Activity types by name, with no two sharing a name, and at most one dynamic activity.
pub(crate) struct Registry {
    by_name: HashMap<&'static str, Registration>,
    /// Serves every type no other activity has.
    dynamic: Option<Registration>,
    /// Sorted names, for "not registered" failures.
    names: String,
}

impl Registry {
    pub(crate) fn new(activities: Activities) -> Result<Self, RegistryError> {
        let mut by_name = HashMap::with_capacity(activities.registrations.len());
        let mut dynamic: Option<Registration> = None;
        for registration in activities {
            if registration.is_dynamic() {
                if let Some(first) = &dynamic {
                    return Err(RegistryError::DuplicateDynamic {
                        first: first.function(),
                        second: registration.function(),
                    });
                }
                dynamic = Some(registration);
                continue;
            }
            match by_name.entry(registration.name()) {
                Entry::Vacant(slot) => {
                    slot.insert(registration);
                }
                Entry::Occupied(existing) => {
                    return Err(RegistryError::Duplicate {
                        name: registration.name(),
                        first: existing.get().function(),
                        second: registration.function(),
                    });
                }
            }
        }
        let mut names: Vec<&str> = by_name.keys().copied().collect();
        names.sort_unstable();
        Ok(Self {
            by_name,
            dynamic,
            names: names.join(", "),
        })
    }

    /// The activity registered as `name`, else the dynamic activity.
    pub(crate) fn get(&self, name: &str) -> Option<&Registration> {
        self.by_name.get(name).or(self.dynamic.as_ref())
    }

    /// Every registration, the dynamic one included.
    pub(crate) fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.by_name.values().chain(&self.dynamic)
    }

    pub(crate) fn names(&self) -> &str {
        &self.names
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.dynamic.is_none()
    }
}
