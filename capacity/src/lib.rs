//! `crmsim capacity`: how far each deployment goes, with SSL and without, in each connection
//! mode: the highest call rate at a given agent count and the highest agent count at a given
//! call rate at which the scenario's thresholds hold for a whole measured window.
//!
//! - [`search`]: step up, then bisect (pure logic, tested against known limits);
//! - [`run`]: the searches over live deployments;
//! - [`ceiling`]: the call rate the scenario's own agents can take, so a search stopped by
//!   them is not read as the system's limit;
//! - [`raw`]: the machine's raw handshake rate, measured in the same run for comparison;
//! - [`paired`]: a full-handshake variant's saturated windows, each between two raw measurements;
//! - [`report`]: the sizing table (terminal, Markdown, JSON);
//! - [`html`]: the same as a page, with the searches' curves.

#![warn(missing_docs)]

pub mod ceiling;
pub mod findings;
pub mod html;
pub mod paired;
pub mod raw;
pub mod report;
pub mod run;
pub mod search;
