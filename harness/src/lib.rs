//! # harness: a scenario run in one process, and judged
//!
//! crmsim's core: the connector guide's deployment built out of the simulators on loopback
//! addresses, driven through its phases (logon, warm-up, steady, drain, logoff) with the
//! scenario's faults, and judged from every component's own account into a report.
//!
//! - [`topology`]: a deployment built in one process, and its faults applied;
//! - [`runner`]: the phases of a run;
//! - [`outcome`]: what a run leaves behind, handed from the runner to the report;
//! - [`live`]: live metrics of the running components (`--metrics ADDR`);
//! - [`report`]: report, invariants, thresholds, JSON, JUnit, HTML and terminal output;
//! - [`wire_trace`]: every SOAP message in the log (`RUST_LOG=crmsim::wire=trace`), from `plan`;
//! - [`exit`]: the exit codes every crmsim command shares.
//!
//! Each component starts from its value in the deployment plan (`plan`), the same value
//! `run --processes` writes to a file. It reads no scenario file (that is `scenario`) and starts
//! no process: components run as
//! tasks of this process. Running them apart is `launch`; sizing is `capacity`.

#![warn(missing_docs)]

pub mod exit;
pub mod live;
pub mod outcome;
pub mod report;
pub mod runner;
pub mod topology;
pub use plan::wire_trace;
