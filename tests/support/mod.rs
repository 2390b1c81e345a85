//! Shared test helpers (a folder, so cargo does not take it for a test of its own).

pub mod containers;
pub mod in_process;
pub mod json_schema;
pub mod recording;
pub mod served;
