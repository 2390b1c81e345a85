//! `crmsim capacity`: how far each deployment goes, with SSL and without, in each connection
//! mode: the highest call rate at a given agent count and the highest agent count at a given
//! call rate at which the scenario's thresholds hold for a whole measured window.
//!
//! - [`search`]: step up, then bisect (pure logic, tested against known limits);
//! - [`run`]: the searches over live deployments;
//! - [`raw`]: the machine's raw handshake rate, measured in the same run for comparison;
//! - [`report`]: the sizing table (terminal, Markdown, JSON, HTML with curves).

pub mod raw;
pub mod report;
pub mod run;
pub mod search;
