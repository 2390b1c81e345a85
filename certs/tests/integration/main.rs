//! The `certs` crate's integration tests, one binary (one link instead of one per file).

#[path = "../common/mod.rs"]
mod common;

mod doctor_findings;
mod ini_and_pem_files;
mod layout_roundtrip;
mod pki_generate;
mod tls_matrix;
