//! Shared test helpers (a folder, so cargo does not take it for a test of its own).

pub mod container_checks;
pub mod containers;
pub mod served;
