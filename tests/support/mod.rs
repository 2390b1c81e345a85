//! Shared test helpers (a folder, so cargo does not take it for a test of its own).

pub mod containers;
pub mod json_schema;
pub mod recording;
pub mod served;
