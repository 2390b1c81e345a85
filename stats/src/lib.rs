//! # stats: the numbers of a run
//!
//! - [`dist`]: the distributions workload is drawn from (talk time, ring delay, wrap-up);
//! - [`errors`]: errors grouped by kind, each with a count and its first message;
//! - [`flips`]: when a condition turned on and off (requests failing, all agents logged on);
//! - [`outcomes`]: requests and events by operation and outcome, lock-free, for live metrics;
//! - [`latency`]: HDR histograms per operation, event and hop, recorded from the *intended*
//!   start of each action (no coordinated omission), fixed memory whatever the run length;
//! - [`timeline`]: per-second counts and latency percentiles, for the plots of a run.
//!
//! Recording is cheap and thread-safe; reading makes copies (summaries, snapshots).

#![warn(missing_docs)]

pub mod dist;
pub mod errors;
pub mod flips;
pub mod latency;
pub mod outcomes;
pub mod timeline;

pub use dist::{DistError, DurationDist, MAX_DURATION, clamped_secs, parse_duration};
pub use errors::{ErrorEntry, ErrorLog};
pub use flips::{Flips, Moments};
pub use latency::{LatencyBook, LatencySummary};
pub use outcomes::{Outcome, OutcomeTally};
pub use timeline::{Marker, SecondSnapshot, Timeline};
