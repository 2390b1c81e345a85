//! # crmsim: an end-to-end test harness and simulator for SAP CRM ⇄ CTI connector deployments
//!
//! SAP CRM (Interaction Center) and a CTI connector such as Bucher+Suter's CRMConnectorSAP talk
//! SOAP over HTTPS with mutual TLS (SAP's ICI). crmsim builds the connector guide's deployments
//! out of a simulated CRM and a simulated connector, drives agents and calls through them,
//! checks that nothing is lost, and measures what SSL costs.
//!
//! This crate is the harness and the CLI; the parts live in their own crates: `scenario`
//! (scenario files, strictly checked), `ici` (the protocol profile), `certs` (PKI, ini files,
//! doctor), `transport` (HTTP over mutual TLS), `stats` (what we measure), `sim-crm` and
//! `sim-connector` (the simulators).
//!
//! - [`topology`]: a deployment built in one process;
//! - [`runner`]: the phases of a run;
//! - [`outcome`]: what a run leaves behind, handed from the runner to the report;
//! - [`live`]: live metrics of the running components (`--metrics ADDR`);
//! - [`report`]: report, invariants, thresholds, JSON and terminal output;
//! - [`serve`]: one simulator alone in its own process (`crmsim serve crm|connector|proxy`);
//! - [`containers`]: a deployment's configs for separate containers (and processes);
//! - [`separate`]: a deployment as separate processes, faults applied to them (`run --processes`);
//! - [`capacity`]: sizing: the highest call rate and agent count that meet the thresholds;
//! - [`record`]: `crmsim record`, the recorder between a real SAP CRM and a real connector;
//! - [`wire_trace`]: every SOAP message in the log (`RUST_LOG=crmsim::wire=trace`);
//! - [`cli`]: the `crmsim` command;
//! - [`exit`]: exit codes.

pub mod capacity;
pub mod cli;
pub mod containers;
pub mod exit;
pub mod live;
pub mod outcome;
pub mod record;
pub mod report;
pub mod runner;
pub mod separate;
pub mod serve;
pub mod topology;
pub mod wire_trace;
