use activity_runtime::{Activities, Activity, activities, activity};

mod some {
    pub mod path {
        use activity_runtime::activity;

        #[activity]
        pub async fn other() {}
    }
}

#[activity]
async fn local() {}

pub fn main() {
    let activities = activities![local, some::path::other];
    assert_eq!(activities.names().collect::<Vec<_>>(), ["local", "other"]);
    assert!(<some::path::other as Activity>::FUNCTION.ends_with("::some::path::other"));
    let _registered: Activities = activities;
}
