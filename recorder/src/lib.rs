//! # recorder: what a real SAP CRM and a real connector say, written down as it passes
//!
//! An integrator on site has a real SAP CRM, a real CRMConnectorSAP and no specification of
//! their wire. The recorder sits between them, on each hop it is given:
//!
//! - **requests** (SAP CRM → connector): it presents the connector's certificate to SAP and
//!   forwards to the connector presenting the CRM's;
//! - **events** (connector → SAP CRM, directly or on the proxy's static route): it presents the
//!   CRM's certificate to the connector and forwards to the CRM presenting the connector's.
//!
//! Each side is verified as the other would verify it. Every message is forwarded unchanged
//! (hop-by-hop headers aside, as any HTTP relay must) and a copy, with secrets masked, goes to
//! the capture through a queue that never makes the traffic wait ([`capture::CaptureWriter`]).
//!
//! - [`hop_tap`]: the tap that turns what a server or client carries into capture lines and
//!   counts the operations seen (also what `serve … --record` uses);
//! - [`relay`]: one hop: a server that forwards to the real peer;
//! - [`wire_trace`]: the same view of the wire as log lines (`RUST_LOG=crmsim::wire=trace`).
//!
//! It never decides anything about the traffic: no retries, no rewriting, no answers of its
//! own but a `502` that names the peer it could not reach.

#![warn(missing_docs)]

pub mod hop_tap;
pub mod relay;
pub mod wire_trace;

pub use hop_tap::{HopTap, Side};
pub use relay::{Relay, RelayReport, RelaySpec};
