//! Live metrics for crmsim: what a run, a capacity search or a served component is doing right
//! now, as OpenMetrics text on `GET /metrics` for Prometheus (or `curl`) to scrape.
//!
//! This crate keeps no counters of its own. The simulators already count everything the final
//! report needs; a [`Source`] reads those counters and histograms at scrape time into
//! [`Families`], and only then is anything formatted. Between scrapes the measured run pays
//! nothing for being watched, and the live figures can never disagree with the report's.
//!
//! It knows nothing about SAP CRM or connectors: the families' names and labels are chosen by
//! the sources (in the `crmsim` crate), following the Prometheus exporters' conventions: a
//! `crmsim_` prefix, base units (seconds), `_total` on counters, labels for what varies.

#![warn(missing_docs)]

mod families;
mod histogram;
mod published;
mod registry;
mod server;
mod text;

pub use families::{Families, Kind};
pub use histogram::{BUCKETS_S, Buckets};
pub use published::Published;
pub use registry::{Registry, Source};
pub use server::{MetricsError, MetricsServer};
pub use text::{CONTENT_TYPE, encode};
