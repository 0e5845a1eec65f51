//! Generates the Rust types of `proto/interop/v1/orders.proto`: prost messages with their full
//! names (`enable_type_names`), and their proto3 JSON mapping as serde implementations
//! (`pbjson-build`), which is what `activity-runtime` sends as `json/protobuf`. The well-known
//! types are `prost-wkt-types`' (with serde), under the name `prost-types` in `Cargo.toml`, as in
//! `temporalio-protos`. `protox` compiles the
//! file in Rust: no `protoc` to install.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_path = out.join("orders_descriptor.bin");
    let descriptors = protox::compile(["interop/v1/orders.proto"], ["proto"])?;
    std::fs::write(&descriptor_path, descriptors.encode_to_vec())?;

    prost_build::Config::new()
        .enable_type_names()
        .file_descriptor_set_path(&descriptor_path)
        .skip_protoc_run()
        .compile_protos(&["interop/v1/orders.proto"], &["proto"])?;
    pbjson_build::Builder::new()
        .register_descriptors(&std::fs::read(&descriptor_path)?)?
        .build(&[".interop"])?;
    Ok(())
}
