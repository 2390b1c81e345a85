//! # launch: a deployment's components run apart
//!
//! The same scenario as the in-process harness runs, with each component in its own process
//! or container, or one simulator alone facing a real peer:
//!
//! - [`serve`]: one simulator alone in its own process (`crmsim serve crm|connector|proxy`);
//! - [`containers`]: a deployment's serve configs for separate processes and containers, and
//!   `crmsim export compose`;
//! - [`separate`]: a deployment run as separate processes or containers, faults applied to them
//!   (`run --processes`, `run --containers`), judged from the components' reports;
//! - [`record`]: `crmsim record`, the recorder between a real SAP CRM and a real connector.
//!
//! The components themselves, the report's checks and the exit codes are `harness`'s.

#![warn(missing_docs)]

pub mod containers;
pub mod record;
pub mod separate;
pub mod serve;
