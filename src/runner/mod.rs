//! One run: build the deployment, drive it through its phases, collect what every component
//! measured, and judge it.
//!
//! Phases: **logon** (agents log on, subscribe, go ready), **warmup** (calls flow, numbers kept
//! apart), **steady** (the measured phase: thresholds apply, faults happen), **drain** (arrivals
//! stop; calls end; events are delivered), **logoff** (agents log off), then every component
//! shuts down and reports.
//!
//! - [`session`]: a deployment being driven, phase by phase;
//! - [`contact_center`]: where calls come from;
//! - [`faults`]: the scenario's faults as a timeline;
//! - [`failover`]: what a fault cost, read off what the components recorded;
//! - `observe`: live figures and totals;
//! - `abort`: whether a threshold is already broken for good (`run.abort_on_fail`);
//! - [`cost`]: CPU and memory the run cost, to tell a saturated machine from a slow system;
//! - [`progress`]: the progress bar or lines.

mod abort;
pub mod contact_center;
pub mod cost;
pub mod failover;
pub mod faults;
mod observe;
pub mod progress;
pub mod rate_curve;
pub mod session;

use std::time::Instant;

use progress::ProgressMode;
pub use session::Session;

use crate::report::Report;
use crate::scenario::LoadedScenario;
use crate::topology::BuildError;

/// What the runner saw of the phases, for the report.
#[derive(Debug, Clone, Default)]
pub struct PhaseLog {
    pub logon_s: f64,
    pub all_logged_on: bool,
    pub logged_on_after_logon: u64,
    pub steady_s: f64,
    pub steady_offered: u64,
    pub steady_requests: u64,
    pub steady_events: u64,
    /// When the steady phase (and so the fault timeline) ended.
    pub steady_end: Option<Instant>,
    pub drained: bool,
    pub drain_s: f64,
    pub logged_off: bool,
    /// Fault steps applied: when, what, and what it did (or why it could not).
    pub faults: Vec<(Instant, faults::Due, Result<String, String>)>,
    /// The steady phase's windows (`run.window`), in order.
    pub windows: Vec<WindowMark>,
    /// `run.abort_on_fail`: seconds into the steady phase, and the threshold that ended it.
    pub aborted: Option<(f64, String)>,
}

/// One window of the steady phase: when it was, what flowed, and the process's resident memory
/// at its end. Its latencies are in the components' books under `name`.
#[derive(Debug, Clone)]
pub struct WindowMark {
    pub name: String,
    /// Seconds since the steady phase started.
    pub start_s: f64,
    pub end_s: f64,
    /// Resident memory of this process at the window's end (`VmRSS`), MiB.
    pub rss_mib: Option<f64>,
    pub offered: u64,
    pub completed: u64,
    pub lost: u64,
    pub failures: u64,
    pub requests: u64,
    pub events: u64,
    /// Every key's latencies over the window, across all components.
    pub latency_ms: std::collections::BTreeMap<String, stats::LatencySummary>,
}

/// The name a window's latencies are kept under (`steady window 3`).
pub fn window_name(index: usize) -> String {
    format!("steady window {index}")
}

/// The run could not be carried out (as opposed to: it ran and failed its checks).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Build(#[from] BuildError),
}

/// How to run, beyond the scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub progress: ProgressMode,
    /// Keep the generated certificates in this folder (a `crmsim certs new` layout).
    pub keep_pki: Option<std::path::PathBuf>,
    /// Where to publish live metrics once a second (`--metrics`), if anywhere.
    pub metrics: Option<exposition::Published>,
}

/// Runs a scenario to its report.
pub async fn run(loaded: &LoadedScenario, options: &RunOptions) -> Result<Report, RunError> {
    let mut session = Session::start(loaded, options).await?;
    let mismatch = session.probe_dialects().await;
    if mismatch.is_none() {
        session.logon().await;
    }
    if let Some(why) = mismatch {
        // The sides cannot understand each other: say so at once instead of letting every
        // logon time out.
        eprintln!("crmsim: {why}");
        session.progress.phase("aborted");
        session.log.drained = true;
    } else if session.log.logged_on_after_logon > 0 {
        session.traffic().await;
        session.drain().await;
    } else {
        // Nobody to take calls (typically every logon refused): offering calls would only
        // measure the queue. The report says why through its errors.
        session.progress.phase("aborted");
        session.log.drained = true;
    }
    if loaded.scenario.run.logoff {
        session.logoff().await;
    }
    Ok(session.finish().await)
}
