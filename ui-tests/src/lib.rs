//! Intentionally empty: this crate only holds the trybuild ui tests in `tests/`.
