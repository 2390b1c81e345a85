//! # transport: HTTP over (mutual) TLS for crmsim's simulators
//!
//! Both simulators are HTTP servers (the connector receives requests, the CRM receives events)
//! and HTTP clients (the other way round), each with one certificate, as the connector guide
//! describes. This crate holds what they share, so that both count and report the same way:
//!
//! - [`server`]: the accept loop: TLS handshake counted full/resumed, refusals named, an axum
//!   router behind it, graceful shutdown and a hard kill for fault injection;
//! - [`limits`]: the bounds on every wait a peer controls and on connections per server;
//! - [`client`]: the SOAP client with the three connection modes we measure (keep-alive, new
//!   connection with resumption, new connection with a full handshake);
//! - [`tls_failure`]: what went wrong in a handshake, in words, with a hint;
//! - [`not_found`]: what a request outside the endpoint is told;
//! - [`link_stats`]: connections and handshakes per hop end;
//! - [`gate`]: the pause switch that freezes a component as SIGSTOP would;
//! - [`probe`]: a one-off handshake that recovers the reason hyper swallowed;
//! - [`sniff`]: plain HTTP on a TLS port and TLS on a plain port, told apart by the first bytes;
//! - [`tap`]: every message a server or client carries, as it travels, for recording.

#![warn(missing_docs)]

pub mod client;
mod connect_count;
pub mod gate;
pub mod limits;
pub mod link_stats;
pub mod not_found;
pub mod probe;
mod registry;
pub mod server;
pub mod sniff;
pub mod tap;
pub mod tls_failure;
mod watched_io;
mod witness;

pub use client::{
    CallError, ClientOptions, ClientTls, ConnectionMode, Forwarded, Reply, SoapClient,
};
pub use gate::Gate;
pub use limits::ServerLimits;
pub use link_stats::{LimitSnapshot, LinkSnapshot, LinkStats};
pub use server::{HttpServer, PeerInfo, ServerOptions};
pub use tap::{Tap, TappedRequest, TappedResponse};
pub use tls_failure::TlsFailure;
