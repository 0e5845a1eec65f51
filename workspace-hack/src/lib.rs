//! No code: a dependency of `examples` that aligns features between the demo's build and the test
//! build (see `Cargo.toml`).
