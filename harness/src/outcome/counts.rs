//! The counts a run's parts hand over: the contact center's arrivals, each fault's cost, and
//! what the run cost the machine.

use std::collections::BTreeMap;

use serde::Serialize;

/// A copy of the contact center's counters (`topology::contact_center::CenterStats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CenterCounts {
    /// Calls that arrived.
    pub generated: u64,
    /// Calls handed to a connector side.
    pub routed: u64,
    /// Callers who gave up before any side had agents (lost).
    pub abandoned: u64,
    /// Arrivals generated later than the tolerance after their schedule.
    pub late: u64,
    /// Calls waiting for a side with agents right now.
    pub waiting: u64,
}

/// One fault and its consequences.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FailoverRecord {
    /// `kill connector-a`, `restart connector-a`…
    pub fault: String,
    /// `failover` (a side lost), `failback` (a side back), or `fault` (anything else).
    pub kind: &'static str,
    /// The side or hop the fault acted on (`connector-a`, `crm->connector`).
    pub target: String,
    /// Seconds since the run started.
    pub at_s: f64,
    /// Fault → the proxy marks the side down (failover) or up (fail-back).
    pub detection_ms: Option<f64>,
    /// Fault → the first request that got no answer: near 0 when a side dies (connections
    /// refused), about the request timeout when packets vanish (a black hole).
    pub first_failure_ms: Option<f64>,
    /// First unanswered request after the fault → the first answered one after it.
    pub request_gap_ms: Option<f64>,
    /// Requests that got no answer from the fault until requests were answered again.
    pub failed_requests: u64,
    /// Fault → every agent logged on again (0 when no agent lost its session).
    pub relogon_ms: Option<f64>,
    /// Calls ended as dropped because of this fault, by reason.
    pub calls_dropped: BTreeMap<String, u64>,
    /// Events that died with a killed side (queued, or sent and never acknowledged).
    pub events_lost: u64,
    /// Whether the fault could be applied at all.
    pub applied: bool,
    /// What applying the fault did, or why it could not be applied.
    pub note: String,
}

/// CPU use over one stretch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct CpuUse {
    /// Wall-clock seconds of the stretch.
    pub wall_s: f64,
    /// CPU seconds this process used over it (user + system); `None` without `/proc`.
    pub cpu_s: Option<f64>,
    /// CPU seconds per wall second per core: 1.0 means every core was busy all the time.
    pub utilisation: Option<f64>,
}

/// What a whole run cost, and whether the harness may have been the limit.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct HarnessCost {
    /// CPU cores available to the process.
    pub cores: usize,
    /// CPU seconds the process used over the run (user + system); `None` without `/proc`.
    #[serde(rename = "cpu_s")]
    pub cpu_seconds: Option<f64>,
    /// Share of all cores busy over the run (simulators and harness together).
    pub utilisation: Option<f64>,
    /// Peak resident memory of this process (`VmHWM`), MiB.
    pub peak_rss_mib: Option<f64>,
    /// Set when the figures may measure the machine rather than the deployment.
    pub warning: Option<String>,
}
