//! Intentionally empty: this crate only holds the registration cases of `ui-tests` that need the
//! runtime's `worker` feature (`tests/ui/`), which `ui-tests/tests/ui.rs` runs.
