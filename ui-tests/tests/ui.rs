//! Compile-pass and compile-fail tests of `#[activity]` and `activities![...]`.
//!
//! Cases live in `tests/ui/<category>/{pass,fail}/*.rs`; each fail case has exactly one mistake
//! and its expected compiler output in the `.stderr` beside it. After a deliberate change to a
//! message, regenerate with `TRYBUILD=overwrite cargo test -p ui-tests` and review the diff.
//!
//! The cases see only this crate's dev-dependencies, and use nothing but `activity-runtime`,
//! `serde` and `tokio`: what a user's crate would have.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
