//! The compile-pass cases of `tests/ui/*/pass/`: every valid form of `#[activity]` and
//! `activities![...]`, each compiled as a module of this one test crate (with the runtime the other
//! tests build, instead of in trybuild's own target) and its `main` run as a test. The two cases
//! that must be a crate root (an `extern crate` alias, a `crate::` path) are test targets of their
//! own (see `Cargo.toml`). `every_pass_case_is_listed` keeps this list complete.

// What the compile-pass cases are about is that they compile and run; lints are not.
#![allow(dead_code, unused, clippy::all)]

macro_rules! pass_cases {
    ($($name:ident => $path:literal,)*) => {
        $(
            #[path = $path]
            mod $name;
            #[test]
            fn $name() {
                $name::main();
            }
        )*

        /// The paths above.
        const LISTED: &[&str] = &[$($path),*];
    };
}

pass_cases! {
    context_ctx_first_async => "ui/context/pass/ctx_first_async.rs",
    context_ctx_first_blocking => "ui/context/pass/ctx_first_blocking.rs",
    context_renamed_context => "ui/context/pass/renamed_context.rs",
    definition_typed_definitions => "ui/definition/pass/typed_definitions.rs",
    dynamic_dynamic => "ui/dynamic/pass/dynamic.rs",
    executor_process_isolation => "ui/executor/pass/process_isolation.rs",
    executor_thread_isolation => "ui/executor/pass/thread_isolation.rs",
    hygiene_module_path => "ui/hygiene/pass/module_path.rs",
    hygiene_shadowed_prelude => "ui/hygiene/pass/shadowed_prelude.rs",
    limits_process_limits => "ui/limits/pass/process_limits.rs",
    limits_sizes => "ui/limits/pass/sizes.rs",
    methods_borrowed_result => "ui/methods/pass/borrowed_result.rs",
    methods_methods => "ui/methods/pass/methods.rs",
    names_custom_name => "ui/names/pass/custom_name.rs",
    signature_async_arities => "ui/signature/pass/async_arities.rs",
    signature_blocking => "ui/signature/pass/blocking.rs",
    signature_cfg_params => "ui/signature/pass/cfg_params.rs",
    signature_pattern_params => "ui/signature/pass/pattern_params.rs",
    signature_trailing_option => "ui/signature/pass/trailing_option.rs",
    types_return_types => "ui/types/pass/return_types.rs",
    types_send_sync_box_error => "ui/types/pass/send_sync_box_error.rs",
    types_serde_types => "ui/types/pass/serde_types.rs",
}

/// The cases that are crate roots of their own (`Cargo.toml`).
const CRATE_ROOTS: &[&str] = &[
    "ui/options/pass/renamed_crate.rs",
    "ui/registration/pass/forms.rs",
];

#[test]
fn every_pass_case_is_listed() {
    let mut missing = Vec::new();
    for category in std::fs::read_dir("tests/ui").unwrap() {
        let pass = category.unwrap().path().join("pass");
        let Ok(entries) = std::fs::read_dir(&pass) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix("tests")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            if !LISTED.contains(&relative.as_str()) && !CRATE_ROOTS.contains(&relative.as_str()) {
                missing.push(relative);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "pass cases missing from tests/pass.rs: {missing:?}"
    );
}
