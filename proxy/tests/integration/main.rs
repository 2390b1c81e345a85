//! The `proxy` crate's integration tests, one binary (one link instead of one per file).

#[path = "../common/mod.rs"]
mod common;

mod failover;
mod impairments;
mod lifecycle;
mod routes;
mod shutdown_sessions;
mod tls;
