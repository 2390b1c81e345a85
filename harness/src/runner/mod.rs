//! One run: build the deployment, drive it through its phases, collect what every component
//! measured, and judge it.
//!
//! Phases: **logon** (agents log on, subscribe, go ready), **warmup** (calls flow, numbers kept
//! apart), **steady** (the measured phase: thresholds apply, faults happen), **drain** (arrivals
//! stop; calls end; events are delivered), **logoff** (agents log off), then every component
//! shuts down and reports.
//!
//! - [`session`]: a deployment being driven, phase by phase;
//! - [`faults`]: the scenario's faults as a timeline;
//! - [`failover`]: what a fault cost, read off what the components recorded;
//! - `observe`: live figures and totals;
//! - `abort`: whether a threshold is already broken for good (`run.abort_on_fail`);
//! - [`cost`]: CPU and memory the run cost, to tell a saturated machine from a slow system;
//! - [`progress`]: the progress bar or lines;
//! - `sides`: each connector side's per-second traffic, for the report's per-side charts.
//!
//! What a run leaves behind is a [`crate::outcome::RunOutcome`]; the caller turns it into the
//! report (`report::assemble`), so nothing here imports the report.

mod abort;
pub mod cost;
pub mod failover;
pub mod faults;
mod observe;
pub mod progress;
pub mod session;
mod sides;

use progress::ProgressMode;
pub use session::Session;

use crate::outcome::RunOutcome;
use crate::topology::BuildError;
use scenario::LoadedScenario;

/// The run could not be carried out (as opposed to: it ran and failed its checks).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The deployment could not be built.
    #[error("{0}")]
    Build(#[from] BuildError),
}

/// How to run, beyond the scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// How to show progress (`--progress`).
    pub progress: ProgressMode,
    /// Keep the generated certificates in this folder (a `crmsim certs new` layout).
    pub keep_pki: Option<std::path::PathBuf>,
    /// Where to publish live metrics once a second (`--metrics`), if anywhere.
    pub metrics: Option<exposition::Published>,
}

/// Runs a scenario to its end; `report::assemble` turns what it left into the report.
pub async fn run(loaded: &LoadedScenario, options: &RunOptions) -> Result<RunOutcome, RunError> {
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
