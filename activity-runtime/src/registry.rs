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
///
/// The instance is shared by every running activity, so it must be `Send + Sync`: the
/// registrations the generated `activities` builds require it, and a type that is not is reported
/// once, on the `impl` block's type (a supertrait would report it a second time).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no activity methods",
    label = "no `#[activity] impl` block for this type",
    note = "put `#[activity]` on an `impl {Self}` block and on each method that is an activity, then register `Arc::new(instance)`"
)]
pub trait ActivityMethods: 'static {
    /// The method activities, bound to this instance.
    fn activities(self: Arc<Self>) -> Activities;
}

/// What [`WorkerBuilder::register`](crate::WorkerBuilder::register) accepts, as
/// `Activities: Register<T>`: `activities![...]` (an [`Activities`]), a [`Registration`] or an
/// array, `Vec` or slice of them, or `Arc::new(instance)` of an `#[activity] impl` block. Anything
/// else is a compile error that says what to write. (`Activities` is the implementing type so
/// that the error names the value the user passed, not this trait. With five forms or more,
/// rustc lists them in that error by name, rather than quoting this crate's sources.)
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be registered as activities",
    label = "not a list of activities",
    note = "register `#[activity]` functions by name with `activities![say_hello, some::path::other]`, and the instance of an `#[activity] impl` block as `Arc::new(instance)`"
)]
pub trait Register<T> {
    /// The activities `value` stands for, in order.
    fn register(value: T) -> Activities;
}

impl<T> From<T> for Activities
where
    Activities: Register<T>,
{
    fn from(value: T) -> Self {
        <Activities as Register<T>>::register(value)
    }
}

impl<T: ActivityMethods> Register<Arc<T>> for Activities {
    fn register(instance: Arc<T>) -> Activities {
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

impl<const N: usize> Register<[Registration; N]> for Activities {
    fn register(registrations: [Registration; N]) -> Activities {
        Activities {
            registrations: registrations.into(),
        }
    }
}

impl Register<Vec<Registration>> for Activities {
    fn register(registrations: Vec<Registration>) -> Activities {
        Activities { registrations }
    }
}

impl Register<&[Registration]> for Activities {
    fn register(registrations: &[Registration]) -> Activities {
        Activities {
            registrations: registrations.to_vec(),
        }
    }
}

impl Register<Registration> for Activities {
    fn register(registration: Registration) -> Activities {
        Activities {
            registrations: vec![registration],
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
///
/// An entry written as a call, `activities![say_hello()]`, is a compile error that says so, and
/// so is a method, `activities![Greeter::say_hello]`: the methods of an `#[activity] impl` block
/// are registered with their instance, `Arc::new(instance)`. (An entry is taken as a method when
/// the segment before its last starts with an upper-case letter, as type names do and module
/// names do not.)
#[macro_export]
macro_rules! activities {
    // Entry by entry, so that a call is caught before it is read as a path (`f()` is one, with
    // `Fn`-style arguments) and reported in these words.
    (@entries [$($done:tt)*]) => {{
        let mut activities = $crate::Activities::new();
        $(activities.push($done);)*
        activities
    }};
    (@entries [$($done:tt)*] $(::)? $($segment:ident)::+ ($($arguments:tt)*) $(, $($rest:tt)*)?) => {
        $crate::activities!(@entries [$($done)* (
            <$($segment)::+ as $crate::ListedByName>::registration())] $($($rest)*)?)
    };
    // A path of two segments or more: a method (`Greeter::say_hello`) is reported in these
    // words, not as rustc's "ambiguous associated type" (see `activity_macros::listed_activity`).
    (@entries [$($done:tt)*] $first:ident $(:: $segment:ident)+ $(, $($rest:tt)*)?) => {
        $crate::activities!(@entries [$($done)* (
            $crate::__private::listed_activity!($crate $first $(:: $segment)+))] $($($rest)*)?)
    };
    (@entries [$($done:tt)*] :: $first:ident $(:: $segment:ident)+ $(, $($rest:tt)*)?) => {
        $crate::activities!(@entries [$($done)* (
            $crate::__private::listed_activity!($crate :: $first $(:: $segment)+))] $($($rest)*)?)
    };
    // Any other path (read as a type) stays one token, so that an error about it points at it.
    (@entries [$($done:tt)*] $activity:ty $(, $($rest:tt)*)?) => {
        $crate::activities!(@entries [$($done)* (
            <$activity as $crate::Activity>::registration())] $($($rest)*)?)
    };
    ($($entries:tt)*) => {
        $crate::activities!(@entries [] $($entries)*)
    };
}

/// What `activities![...]` reports for an entry written as a call, `f()`: it lists activities by
/// name. No type implements it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`activities![...]` lists activities by name, not calls",
    label = "write the activity's name without `(...)`",
    note = "the worker calls the activity with the arguments of each attempt: write `activities![{Self}]`"
)]
pub trait ListedByName {
    /// Never called.
    fn registration() -> Registration;
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
