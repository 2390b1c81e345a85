//! crmsim's end-to-end tests as one test binary: every module runs the real `crmsim` binary or
//! the harness over real sockets, TLS and certificates generated per test.
//!
//! One binary instead of one per file: each links the whole workspace (about 240 MB in a debug
//! build), and one binary keeps both test threads busy until the last test instead of idling at
//! the end of every file. Run one file's tests with `cargo test --test e2e processes::`.
//!
//! `tests/containers.rs` (Docker) and `tests/capacity_search.rs` (measures; its tests take the
//! machine) stay binaries of their own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

#[path = "../support/mod.rs"]
mod support;

mod bad_inputs;
mod certs_models;
mod compare;
mod completions;
mod dialects;
mod direct_flow;
mod discovery;
mod failover;
mod faults;
mod haproxy;
mod help;
mod layering;
mod learn_replay;
mod live_metrics;
mod mtls_refusals;
mod outputs;
mod overrides;
mod panics;
mod processes;
mod record;
mod reports;
mod serve;
mod serve_proxy;
mod server_limits;
mod shutdown;
mod workload;
