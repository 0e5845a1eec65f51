//! The explicit list of activities a worker serves, and the lookup built from it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::activity::{Activity, ActivityFuture, ActivityInput};
use crate::context::ActivityContext;
use crate::error::WorkerError;
use crate::executor::Execution;
use crate::limits::PayloadLimits;

/// One registered activity: its name, where it is defined, and how to run it.
#[derive(Clone)]
pub struct Registration {
    name: &'static str,
    function: &'static str,
    parameters: &'static [&'static str],
    limits: PayloadLimits,
    dynamic: bool,
    execution: Execution,
    invoke: Invoke,
}

/// How a registration runs an attempt: a plain function, or one bound to shared state.
#[derive(Clone)]
enum Invoke {
    Function(fn(ActivityContext, ActivityInput) -> ActivityFuture),
    Bound(Arc<dyn Fn(ActivityContext, ActivityInput) -> ActivityFuture + Send + Sync>),
}

/// What `#[activity]` knows about a method of an `#[activity] impl` block, for
/// [`Registration::method`].
#[doc(hidden)]
pub struct MethodActivity<T> {
    pub name: &'static str,
    pub function: &'static str,
    pub parameters: &'static [&'static str],
    pub limits: PayloadLimits,
    pub dynamic: bool,
    pub execution: Execution,
    pub invoke: fn(Arc<T>, ActivityContext, ActivityInput) -> ActivityFuture,
}

impl Registration {
    /// The registration of activity `A`.
    pub fn of<A: Activity>() -> Self {
        Self {
            name: A::NAME,
            function: A::FUNCTION,
            parameters: A::PARAMETERS,
            limits: A::LIMITS,
            dynamic: A::DYNAMIC,
            execution: A::EXECUTION,
            invoke: Invoke::Function(A::invoke),
        }
    }

    /// The registration of a method activity bound to `state`, which every attempt shares.
    #[doc(hidden)]
    pub fn method<T: Send + Sync + 'static>(state: Arc<T>, method: MethodActivity<T>) -> Self {
        let invoke = method.invoke;
        Self {
            name: method.name,
            function: method.function,
            parameters: method.parameters,
            limits: method.limits,
            dynamic: method.dynamic,
            execution: method.execution,
            invoke: Invoke::Bound(Arc::new(move |ctx, input| {
                invoke(Arc::clone(&state), ctx, input)
            })),
        }
    }

    /// Whether this is the dynamic activity, which serves every type no other activity has.
    pub fn is_dynamic(&self) -> bool {
        self.dynamic
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

    /// Where the function runs.
    pub fn execution(&self) -> Execution {
        self.execution
    }

    pub(crate) fn invoke(&self, ctx: ActivityContext, input: ActivityInput) -> ActivityFuture {
        match &self.invoke {
            Invoke::Function(invoke) => invoke(ctx, input),
            Invoke::Bound(invoke) => invoke(ctx, input),
        }
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.name)
            .field("function", &self.function)
            .field("dynamic", &self.dynamic)
            .finish_non_exhaustive()
    }
}

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

/// Activity types by name, with no two sharing a name, and at most one dynamic activity.
pub(crate) struct Registry {
    by_name: HashMap<&'static str, Registration>,
    /// Serves every type no other activity has.
    dynamic: Option<Registration>,
    /// Sorted names, for "not registered" failures.
    names: String,
}

impl Registry {
    pub(crate) fn new(activities: Activities) -> Result<Self, WorkerError> {
        let mut by_name = HashMap::with_capacity(activities.registrations.len());
        let mut dynamic: Option<Registration> = None;
        for registration in activities {
            if registration.dynamic {
                if let Some(first) = &dynamic {
                    return Err(WorkerError::DuplicateDynamicActivity {
                        first: first.function.to_owned(),
                        second: registration.function.to_owned(),
                    });
                }
                dynamic = Some(registration);
                continue;
            }
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
