//! The `ici` crate's integration tests, one binary (one link instead of one per file).

#[path = "../common/mod.rs"]
mod common;

mod decode_errors;
mod decode_inputs;
mod dialect_schema;
mod foreign;
mod golden;
mod round_trip;
mod schema_consistency;
mod wsdl;
mod xmllint;
