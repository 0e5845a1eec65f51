//! Empty: it exists so that the host crates in `[build-dependencies]` are part of the build (see
//! `Cargo.toml`).

fn main() {}
