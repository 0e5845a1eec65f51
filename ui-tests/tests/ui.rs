//! Compile-pass and compile-fail tests of `#[activity]` and `activities![...]`.
//!
//! Cases live in `tests/ui/<category>/{pass,fail}/*.rs` (the pass cases run from `tests/pass.rs`);
//! each fail case has exactly one mistake
//! and its expected compiler output in the `.stderr` beside it: one error, on the user's own
//! token, naming nothing under `__private` and pointing nowhere into `activity-runtime/src` or
//! `activity-macros/src` (checked below). The categories: `options` (attribute
//! syntax), `names`, `signature`, `types`, `context`, `definition` (typed calls), `dynamic`,
//! `methods` (and shared state), `executor` (isolation), `limits` (size options, limits of a
//! child process), `registration` (`activities![...]`, `register`), `platform`, `hygiene`. After a deliberate change to a
//! message, regenerate with `TRYBUILD=overwrite cargo test -p ui-tests` and review the diff.
//!
//! The cases see only this crate's dev-dependencies, and use nothing but `activity-runtime`,
//! `serde` and `tokio`: what a user's crate would have. They build the runtime without its
//! `worker` feature; the registration cases on the real `WorkerBuilder::register` are a second
//! group, `worker/tests/ui/registration/fail/`, built with it (see [`worker_registration_cases`]).
//!
//! A test binary without the libtest harness (`harness = false`): `main` runs the checks in turn,
//! on one thread, which is what lets it set trybuild's compiler flags in its own environment (see
//! [`one_set_of_flags`]).

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
    one_set_of_flags();
    the_build_scripts_and_proc_macros_already_built();
    compile_fail_cases();
    worker_registration_cases();
    // After the cases, so that it reads what `TRYBUILD=overwrite` has just written.
    each_mistake_is_one_error_in_the_users_terms();
}

/// The compile-fail cases. (The pass cases are compiled and run by `tests/pass.rs`: with only
/// fail cases, trybuild checks rather than builds, and the Temporal crates under the runtime are
/// type-checked in its target instead of compiled.)
fn compile_fail_cases() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/fail/*.rs");
}

/// The registration cases on the real `WorkerBuilder::register` (`worker/tests/ui/`): the
/// catalogue above builds the runtime without its `worker` feature and calls a `register` of its
/// own with the same signature, which cannot show what rustc says about the real one.
///
/// trybuild takes the crate whose dependencies the cases see (and names its project under
/// `target/tests/trybuild/` after it) from `CARGO_MANIFEST_DIR`: pointed at `worker/`, the crate
/// `ui-tests-worker`, whose only difference is the runtime with `worker`. The Temporal tree under
/// it is type-checked once in the shared build directory (see
/// [`the_build_scripts_and_proc_macros_already_built`]), and is fresh on later runs.
fn worker_registration_cases() {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let worker = manifest_dir.join(WORKER_CRATE);
    // trybuild expands the pattern from the current directory and finds the files from its crate's.
    std::env::set_current_dir(&worker).unwrap();
    // SAFETY: as in `one_set_of_flags`, no other thread runs in this process.
    unsafe { std::env::set_var("CARGO_MANIFEST_DIR", &worker) };
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui/*/fail/*.rs");
        // The cases run when `t` is dropped, here.
    }
    // SAFETY: as above.
    unsafe { std::env::set_var("CARGO_MANIFEST_DIR", &manifest_dir) };
    std::env::set_current_dir(&manifest_dir).unwrap();
}

/// The directory of the crate `ui-tests-worker`, below this one.
const WORKER_CRATE: &str = "worker";

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

/// trybuild's nested cargo builds the build scripts and proc-macros under the cases (syn, serde's
/// derive, the protobuf compiler behind the Temporal protos' build script: 80 crates, two minutes
/// of CPU) in its own target directory, `target/tests/trybuild`, although the `cargo test`
/// that started this binary has just built the same ones. Pointing its build directory (cargo's
/// `build.build-dir`) at the one this binary was built in makes it find them there: trybuild passes
/// `--target`, so its flags reach only the cases' own target units, and the profile is the same
/// for both, being set in `.cargo/config.toml`, which the nested cargo finds from its project
/// under `target/`. Its outputs stay in `target/tests/trybuild`.
///
/// Nothing is set when a build directory is already configured in the environment (the nested
/// cargo inherits it), or when this binary is not where cargo puts test binaries
/// (`<build-dir>/debug/deps/`): trybuild then builds them itself, as before. While another cargo
/// command holds that build directory (a `cargo clippy` beside this test), the nested cargo waits
/// for it: cargo locks it.
fn the_build_scripts_and_proc_macros_already_built() {
    if std::env::var_os("CARGO_BUILD_BUILD_DIR").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let deps = exe.parent();
    let profile = deps.and_then(Path::parent);
    let (Some(deps), Some(profile)) = (deps, profile) else {
        return;
    };
    if deps.file_name().is_some_and(|name| name == "deps")
        && profile.file_name().is_some_and(|name| name == "debug")
        && let Some(build_dir) = profile.parent()
    {
        // SAFETY: as in `one_set_of_flags`, no other thread runs in this process.
        unsafe { std::env::set_var("CARGO_BUILD_BUILD_DIR", build_dir) };
    }
}

/// The catalogue's promise: each mistake is one error, and no message names the runtime's hidden
/// module, which users cannot read the docs of, or points into this project's sources, which are
/// not the user's code. The cases on the real builder may have one note more, rustc's for the bound
/// of `WorkerBuilder::register` (see [`REGISTER_BOUND_NOTE`]), and nothing else.
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
            let text = if file.starts_with(WORKER_CRATE) {
                without_the_register_bound_note(&text)
            } else {
                text
            };
            problems(&text)
                .into_iter()
                .map(move |problem| format!("{}: {problem}", file.display()))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "{} expected outputs: each one error, in the user's terms and on the user's code",
        files.len()
    );
}

/// Every `tests/ui/*/fail/*.stderr`, then every `worker/tests/ui/*/fail/*.stderr`, each group
/// sorted.
fn expected_outputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in [
        Path::new("tests/ui"),
        &Path::new(WORKER_CRATE).join("tests/ui"),
    ] {
        let mut group = Vec::new();
        for category in fs::read_dir(root).unwrap() {
            let fail = category.unwrap().path().join("fail");
            let Ok(entries) = fs::read_dir(&fail) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|ext| ext == "stderr") {
                    group.push(path);
                }
            }
        }
        group.sort();
        files.extend(group);
    }
    files
}

/// rustc's note on the bound of the function a value is passed to, here the real
/// `WorkerBuilder::register(activities: impl Into<Activities>)`: its header and the line that
/// locates it (indented as wide as the case's line numbers), followed by the quoted signature
/// (`|` lines). rustc adds it to every unsatisfied
/// bound of a function whose bound has a span (`note_obligation_cause_code`, the
/// `WhereClauseInExpr` arm), and a function that takes a concrete type instead gets "note: method
/// defined here" in the same file (E0308): no library can remove it while `register` takes the
/// five forms. It is allowed once, in the cases on the real builder, and nowhere else.
const REGISTER_BOUND_NOTE: [&str; 2] = [
    "note: required by a bound in `WorkerBuilder::register`",
    "--> $WORKSPACE/activity-runtime/src/worker/builder.rs",
];

/// `stderr` without its first [`REGISTER_BOUND_NOTE`] (and the signature it quotes).
fn without_the_register_bound_note(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines.windows(2).position(|pair| {
        pair[0] == REGISTER_BOUND_NOTE[0] && pair[1].trim_start() == REGISTER_BOUND_NOTE[1]
    }) else {
        return stderr.to_owned();
    };
    let quoted = lines[start + 2..]
        .iter()
        .take_while(|line| line.trim_start().starts_with('|'))
        .count();
    let kept = lines[..start].iter().chain(&lines[start + 2 + quoted..]);
    kept.map(|line| format!("{line}\n")).collect()
}

/// The sources of this project's crates: a note or span that points into them sends the user to
/// code they did not write (`--> $WORKSPACE/activity-runtime/src/registry.rs`).
const OWN_SOURCES: [&str; 2] = ["activity-runtime/src", "activity-macros/src"];

/// What is wrong with one expected output: not exactly one error, a `__private` path, or a note
/// or span in this project's own sources.
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
    for sources in OWN_SOURCES {
        if stderr.contains(sources) {
            problems.push(format!("points into `{sources}`"));
        }
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
    let runtime_note = "error[E0277]: x\nnote: required by a bound in `Registration::method`\n  --> $WORKSPACE/activity-runtime/src/activity.rs\n";
    assert_eq!(
        problems(runtime_note),
        ["points into `activity-runtime/src`"]
    );
    let macro_span = "error: x\n --> $WORKSPACE/activity-macros/src/expand.rs:3:1\n";
    assert_eq!(problems(macro_span), ["points into `activity-macros/src`"]);
    assert_eq!(
        problems("warning: unused\n"),
        ["0 errors instead of exactly one"]
    );
    // rustc's note on `WorkerBuilder::register` is allowed once, where the real builder is called.
    let register_note = format!(
        "error[E0277]: x\n  --> tests/ui/registration/fail/x.rs:3:1\n{}\n  {}\n   |\n   |     pub fn register(mut self, activities: impl Into<Activities>) -> Self {{\n   |                                                ^^^^^^^^^^^^^^^^ required by this bound in `WorkerBuilder::register`\n",
        REGISTER_BOUND_NOTE[0], REGISTER_BOUND_NOTE[1],
    );
    assert!(problems(&without_the_register_bound_note(&register_note)).is_empty());
    assert_eq!(
        problems(&register_note),
        ["points into `activity-runtime/src`"]
    );
    let twice = format!(
        "{register_note}{}\n {}\n",
        REGISTER_BOUND_NOTE[0], REGISTER_BOUND_NOTE[1]
    );
    assert_eq!(
        problems(&without_the_register_bound_note(&twice)),
        ["points into `activity-runtime/src`"]
    );
    let another = format!("{register_note}{runtime_note}");
    assert_eq!(
        problems(&without_the_register_bound_note(&another)),
        [
            "2 errors instead of exactly one",
            "points into `activity-runtime/src`"
        ]
    );
    // Both groups are checked.
    let files = expected_outputs();
    assert!(files.iter().all(|file| file.starts_with("tests/ui")
        || file.starts_with(Path::new(WORKER_CRATE).join("tests/ui"))));
    assert!(files.iter().any(|file| file.starts_with(WORKER_CRATE)));
}
