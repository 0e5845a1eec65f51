// Every way of listing activities: paths of any form, a trailing comma, an empty list, a
// registration or an array, `Vec` or slice of them, and an `#[activity] impl` block's instance in
// an `Arc`.
use std::sync::Arc;

use activity_runtime::{Activities, Activity, Registration, activities, activity};

#[activity]
async fn first() {}

mod nested {
    pub mod deeper {
        use activity_runtime::activity;

        #[activity]
        pub fn second() {}
    }

    pub fn listed_from_inside() -> activity_runtime::Activities {
        activity_runtime::activities![super::first, self::deeper::second]
    }
}

struct Greeter;

#[activity]
impl Greeter {
    #[activity]
    async fn greet(&self) {}
}

/// As `WorkerBuilder::register` takes them.
fn register(activities: impl Into<Activities>) -> Vec<&'static str> {
    activities.into().names().collect()
}

fn main() {
    assert_eq!(register(activities![first]), ["first"]);
    assert_eq!(
        register(activities![first, nested::deeper::second,]),
        ["first", "second"]
    );
    assert_eq!(
        register(activities![crate::first, Handwritten]),
        ["first", "handwritten"]
    );
    assert_eq!(register(activities![]), Vec::<&str>::new());
    assert_eq!(register(nested::listed_from_inside()), ["first", "second"]);
    assert_eq!(register([Registration::of::<first>()]), ["first"]);
    assert_eq!(register(Registration::of::<first>()), ["first"]);
    let listed = vec![
        Registration::of::<first>(),
        Registration::of::<nested::deeper::second>(),
    ];
    assert_eq!(register(listed.as_slice()), ["first", "second"]);
    assert_eq!(register(listed), ["first", "second"]);
    assert_eq!(register(Arc::new(Greeter)), ["greet"]);
    let _ = <first as Activity>::NAME;
}

// A hand-written activity listed like a generated one.
struct Handwritten;

impl Activity for Handwritten {
    const NAME: &'static str = "handwritten";
    const FUNCTION: &'static str = "handwritten";
    fn invoke(
        _: activity_runtime::ActivityContext,
        _: activity_runtime::ActivityInput,
    ) -> activity_runtime::ActivityFuture {
        unreachable!()
    }
}
