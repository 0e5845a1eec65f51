// The runtime under another name, as after `rt = { package = "activity-runtime", ... }` in
// Cargo.toml: `crate = "rt"` makes the generated code go through `rt`.
extern crate activity_runtime as rt;

mod inner {
    #[rt::activity(crate = "rt")]
    pub async fn say_hello(name: String) -> String {
        format!("Hello, {name}!")
    }

    #[rt::activity(crate = "rt", name = "renamed_blocking")]
    pub fn blocking(ctx: rt::ActivityContext, n: u32) -> Result<u32, rt::ActivityError> {
        let _ = ctx;
        Ok(n)
    }
}

fn main() {
    let activities = rt::activities![inner::say_hello, inner::blocking];
    assert_eq!(
        activities.names().collect::<Vec<_>>(),
        ["say_hello", "renamed_blocking"]
    );
    assert!(<inner::say_hello as rt::Activity>::FUNCTION.ends_with("::inner::say_hello"));
}
