//! What a run in process leaves behind: the runner fills these in, the report reads them. They
//! live below both, so that the runner never imports the report and the report never imports
//! the runner; `runner::run` returns a [`RunOutcome`] and its caller assembles the report
//! (`report::assemble`). Data only: measuring happens in the runner, judging in the report.

mod counts;
mod fault;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use sim_connector::ConnectorReport;
use sim_crm::CrmReport;
use stats::{LatencyBook, Timeline};

pub use counts::{CenterCounts, CpuUse, FailoverRecord, HarnessCost};
pub use fault::Due;

/// What the runner hands over at the end of a run.
pub struct RunOutcome {
    /// Wall-clock time the run started.
    pub started_at: SystemTime,
    /// How long the run took, setup to shutdown.
    pub elapsed: Duration,
    /// What the runner saw of each phase.
    pub log: PhaseLog,
    /// Each CRM instance's final account, killed instances included.
    pub crms: Vec<CrmReport>,
    /// Each connector side's final account, killed instances included.
    pub connectors: Vec<ConnectorReport>,
    /// Every component's latencies in one book (phases kept).
    pub latency: LatencyBook,
    /// Every component's per-second figures on one time axis.
    pub timeline: Timeline,
    /// Each connector side's per-second figures on the same axis (`runner::sides`).
    pub timeline_by_side: BTreeMap<String, Vec<stats::SecondSnapshot>>,
    /// Problems found while building the deployment.
    pub setup_warnings: Vec<String>,
    /// The contact center's own account of arrivals.
    pub center: CenterCounts,
    /// What each fault cost.
    pub failover: Vec<FailoverRecord>,
    /// What the proxy and the relays saw.
    pub network: NetworkReport,
    /// What the run cost the machine.
    pub harness: HarnessCost,
}

/// What the runner saw of the phases, for the report.
#[derive(Debug, Clone, Default)]
pub struct PhaseLog {
    /// Seconds the logon phase took (until every agent was logged on, or the timeout).
    pub logon_s: f64,
    /// Whether every agent logged on within `run.logon_timeout`.
    pub all_logged_on: bool,
    /// Agents logged on when the logon phase ended.
    pub logged_on_after_logon: u64,
    /// Seconds the steady phase lasted (shorter when aborted).
    pub steady_s: f64,
    /// Calls that arrived during the steady phase.
    pub steady_offered: u64,
    /// Requests the CRMs sent during the steady phase.
    pub steady_requests: u64,
    /// Events the CRMs received during the steady phase.
    pub steady_events: u64,
    /// When the steady phase (and so the fault timeline) ended.
    pub steady_end: Option<Instant>,
    /// Whether every call ended and every event was delivered within `run.drain`.
    pub drained: bool,
    /// Seconds the drain phase took.
    pub drain_s: f64,
    /// Whether every agent logged off and the deployment went quiet within `run.drain`.
    pub logged_off: bool,
    /// Fault steps applied: when, what, and what it did (or why it could not).
    pub faults: Vec<(Instant, Due, Result<String, String>)>,
    /// The steady phase's windows (`run.window`), in order.
    pub windows: Vec<WindowMark>,
    /// `run.abort_on_fail`: seconds into the steady phase, and the threshold that ended it.
    pub aborted: Option<(f64, String)>,
}

/// One window of the steady phase: when it was, what flowed, and the process's resident memory
/// at its end. Its latencies are in the components' books under `name`.
#[derive(Debug, Clone)]
pub struct WindowMark {
    /// The name its latencies are kept under ([`window_name`]).
    pub name: String,
    /// Seconds since the steady phase started.
    pub start_s: f64,
    /// Seconds since the steady phase started.
    pub end_s: f64,
    /// Resident memory of this process at the window's end (`VmRSS`), MiB.
    pub rss_mib: Option<f64>,
    /// Calls that arrived in the window.
    pub offered: u64,
    /// Calls that ended completed or transferred in the window.
    pub completed: u64,
    /// Calls lost in the window: abandoned (in a queue or waiting for a side) or dropped.
    pub lost: u64,
    /// Requests without an answer, faults, failed or refused events in the window.
    pub failures: u64,
    /// Requests the CRMs sent in the window.
    pub requests: u64,
    /// Events the CRMs received in the window.
    pub events: u64,
    /// Every key's latencies over the window, across all components.
    pub latency_ms: std::collections::BTreeMap<String, stats::LatencySummary>,
}

/// The name a window's latencies are kept under (`steady window 3`).
pub fn window_name(index: usize) -> String {
    format!("steady window {index}")
}

/// What the proxy and relays saw, for the report.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct NetworkReport {
    /// `"embedded"` or `"haproxy"`; `None` without a proxy.
    pub engine: Option<&'static str>,
    /// The proxy's last counters and server states; `None` without a proxy.
    pub proxy: Option<proxy::ProxySnapshot>,
    /// Every UP/DOWN transition, across proxy restarts.
    pub state_changes: Vec<proxy::StateChange>,
    /// Each relay's counters, by the hop it sits on (one relay per CRM port where needed).
    pub relays: BTreeMap<String, Vec<proxy::RelaySnapshot>>,
}
