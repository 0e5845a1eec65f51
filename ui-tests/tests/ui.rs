//! Compile-pass and compile-fail tests of `#[activity]` and `activities![...]`.
//!
//! Cases live in `tests/ui/<category>/{pass,fail}/*.rs` (the pass cases run from `tests/pass.rs`);
//! each fail case has exactly one mistake
//! and its expected compiler output in the `.stderr` beside it: one error, on the user's own
//! token, naming nothing under `__private` (checked below). The categories: `options` (attribute
//! syntax), `names`, `signature`, `types`, `context`, `definition` (typed calls), `dynamic`,
//! `methods` (and shared state), `executor` (isolation), `limits` (size options),
//! `registration` (`activities![...]`, `register`), `platform`, `hygiene`. After a deliberate change to a
//! message, regenerate with `TRYBUILD=overwrite cargo test -p ui-tests` and review the diff.
//!
//! The cases see only this crate's dev-dependencies, and use nothing but `activity-runtime`,
//! `serde` and `tokio`: what a user's crate would have.
//!
//! A test binary without the libtest harness (`harness = false`): `main` runs the three checks
//! in turn, on one thread, which is what lets it set trybuild's compiler flags in its own
//! environment (see [`one_set_of_flags`]).

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    // Listing (`cargo nextest`, IDEs ask `--list --format terse`): the binary is one test, and
    // not an ignored one.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|arg| arg == "--list") {
        if !args.iter().any(|arg| arg == "--ignored") {
            println!("ui: test");
        }
        return;
    }
    the_catalogue_check_catches_cascades_and_private_paths();
    each_mistake_is_one_error_in_the_users_terms();
    one_set_of_flags();
    compile_fail_cases();
}

/// The compile-fail cases. (The pass cases are compiled and run by `tests/pass.rs`: with only
/// fail cases, trybuild checks rather than builds, and the Temporal crates under the runtime are
/// type-checked in its target instead of compiled.)
fn compile_fail_cases() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/fail/*.rs");
}

/// trybuild (1.0.122) type-checks the cases' dependencies with its flags
/// (`--cfg trybuild --verbose -A dead_code`), then checks the cases with one flag more
/// (`--diagnostic-width=140`). Different flags make cargo check every dependency a second time:
/// two minutes of a 2-core machine, for nothing. `CARGO_ENCODED_RUSTFLAGS` takes precedence over
/// the `--config` trybuild passes them with, so setting it makes both commands one.
///
/// One flag is added: `-D warnings`. It reaches only the path dependencies (cargo caps the lints
/// of registry crates), that is the runtime built without its default features, which trybuild
/// compiles here anyway: its contract-only build must have no warnings. (The cases themselves
/// have none: each `.stderr` is one error.)
fn one_set_of_flags() {
    const FLAGS: [&str; 8] = [
        "--cfg",
        "trybuild",
        "--verbose",
        "-A",
        "dead_code",
        "--diagnostic-width=140",
        "-D",
        "warnings",
    ];
    // SAFETY: no other thread runs in this process (`harness = false`, and `main` has started
    // none), so nothing reads the environment while it changes.
    unsafe { std::env::set_var("CARGO_ENCODED_RUSTFLAGS", FLAGS.join("\x1f")) };
}

/// The catalogue's promise: each mistake is one error, and no message names the runtime's hidden
/// module, which users cannot read the docs of.
fn each_mistake_is_one_error_in_the_users_terms() {
    let files = expected_outputs();
    assert!(
        files.len() >= 60,
        "the catalogue has {} fail cases, fewer than 60",
        files.len()
    );
    let problems: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = fs::read_to_string(file).unwrap();
            problems(&text)
                .into_iter()
                .map(move |problem| format!("{}: {problem}", file.display()))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "{} expected outputs: each one error, in the user's terms",
        files.len()
    );
}

/// Every `tests/ui/*/fail/*.stderr`, sorted.
fn expected_outputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for category in fs::read_dir("tests/ui").unwrap() {
        let fail = category.unwrap().path().join("fail");
        let Ok(entries) = fs::read_dir(&fail) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "stderr") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// What is wrong with one expected output: not exactly one error, or a `__private` path.
fn problems(stderr: &str) -> Vec<String> {
    let errors = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        // rustc's summary lines, should trybuild keep them.
        .filter(|line| {
            !line.starts_with("error: aborting due to") && !line.contains("could not compile")
        })
        .count();
    let mut problems = Vec::new();
    if errors != 1 {
        problems.push(format!("{errors} errors instead of exactly one"));
    }
    if stderr.contains("__private") {
        problems.push("names `__private`".to_owned());
    }
    problems
}

/// The check above catches what it should.
fn the_catalogue_check_catches_cascades_and_private_paths() {
    let one = "error: `name` needs a value\n --> src/main.rs:3:12\n";
    assert!(problems(one).is_empty());
    let cascade = format!("{one}\nerror[E0277]: the size for values of type `dyn Error`\n");
    assert_eq!(problems(&cascade), ["2 errors instead of exactly one"]);
    let private = "error[E0277]: x\n  = note: required for `A` to implement `activity_runtime::__private::TypedValue`\n";
    assert_eq!(problems(private), ["names `__private`"]);
    assert_eq!(
        problems("warning: unused\n"),
        ["0 errors instead of exactly one"]
    );
    assert!(
        expected_outputs()
            .iter()
            .all(|file| file.starts_with(Path::new("tests/ui")))
    );
}
