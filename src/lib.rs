//! # crmsim: an end-to-end test harness and simulator for SAP CRM ⇄ CTI connector deployments
//!
//! SAP CRM (Interaction Center) and a CTI connector such as Bucher+Suter's CRMConnectorSAP talk
//! SOAP over HTTPS with mutual TLS (SAP's ICI). crmsim builds the connector guide's deployments
//! out of a simulated CRM and a simulated connector, drives agents and calls through them,
//! checks that nothing is lost, and measures what SSL costs.
//!
//! This crate is the `crmsim` command alone ([`cli`]); the work is done by the workspace's
//! crates: `scenario` (scenario files, strictly checked), `harness` (a deployment run in one
//! process and judged), `launch` (components run apart: `serve`, processes, containers,
//! `record`), `capacity` (sizing), `ici` (the protocol profile), `certs` (PKI, ini files,
//! doctor), `transport` (HTTP over mutual TLS), `stats` (what we measure), `sim-crm` and
//! `sim-connector` (the simulators), and the capture, learn, replay and compare crates.

#![warn(missing_docs)]

pub mod cli;
