//! The run report. Its JSON keys are a contract (`schemas/run-report.schema.json`): CI tools read
//! `verdict`, `calls.*`, `latency_ms.*`, `tls_handshakes.*`; add keys freely, and bump
//! `report_version` when one is renamed or removed (see [`super::schema`]).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use sim_connector::ConnectorReport;
use sim_crm::CrmReport;
use stats::{ErrorEntry, LatencySummary, Marker, SecondSnapshot};
use transport::LinkSnapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    /// As the terminal shows it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    // super::schema::REPORT_VERSION; no doc comment, which would replace the description
    // `version` gives it.
    #[schemars(schema_with = "super::schema::version")]
    pub report_version: u32,
    pub crmsim_version: String,
    pub scenario: String,
    pub file: String,
    /// `--set` overrides applied over the file, as given (`calls.rate=50`).
    pub overrides: Vec<String>,
    pub verdict: Verdict,
    /// `run.abort_on_fail` ended the steady phase early: when, and which threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Aborted>,
    pub deployment: String,
    pub tls: bool,
    /// The wire dialect each side spoke.
    pub dialects: DialectsReport,
    pub started_at: String,
    pub duration_s: f64,
    pub agents: AgentsReport,
    pub calls: CallsReport,
    pub messages: MessagesReport,
    /// Whole run, by operation (`user.logon`, `call.answer`) and event (`event.callChanged`).
    pub latency_ms: BTreeMap<String, LatencySummary>,
    pub steady: SteadyReport,
    pub tls_handshakes: Handshakes,
    /// Connections and handshakes per hop, seen from the server end.
    pub hops: BTreeMap<String, LinkSnapshot>,
    pub invariants: Vec<Check>,
    pub thresholds: Vec<Check>,
    pub errors: Vec<ErrorEntry>,
    pub timeline: Vec<SecondSnapshot>,
    pub markers: Vec<Marker>,
    /// Each connector side's own per-second counts (`calls.offered`, `events`; its killed
    /// instances' included), for the HTML report's traffic per side. Not a JSON key: the
    /// merged `timeline` carries the same counts.
    #[serde(skip)]
    pub timeline_by_side: BTreeMap<String, Vec<SecondSnapshot>>,
    /// One record per fault: detection, request gap, failed requests, re-logon time, what was
    /// dropped or lost.
    pub failover: Vec<crate::outcome::FailoverRecord>,
    /// The proxy's and relays' counters and the proxy's state changes.
    pub network: crate::topology::NetworkReport,
    /// Which way the events went, with the counters that show it.
    pub event_path: EventPath,
    /// CPU and memory of the run, and a warning when the machine may have been the limit.
    pub harness: crate::outcome::HarnessCost,
    pub components: Components,
}

/// Why and when a run stopped its steady phase early.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Aborted {
    /// Seconds into the steady phase.
    pub at_s: f64,
    pub reason: String,
}

/// Which wire dialect each simulator spoke: a report read later must say whether it measured
/// crmsim's own profile or a real system's.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DialectsReport {
    pub crm: DialectInfo,
    pub connector: DialectInfo,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DialectInfo {
    pub name: String,
    /// The file it was loaded from, or `built-in dialect crmsim`.
    pub origin: String,
    /// `1.1` or `1.2`.
    pub soap: &'static str,
}

impl DialectInfo {
    pub fn of(d: &ici::Dialect) -> DialectInfo {
        DialectInfo {
            name: d.name().to_owned(),
            origin: d.origin().to_owned(),
            soap: d.soap_version().as_str(),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AgentsReport {
    pub configured: u64,
    /// Agents logged on at the end of the logon phase.
    pub logged_in: u64,
    pub logons: u64,
    pub relogons: u64,
    /// Seconds from the start of the logon phase until every agent was logged on.
    pub logon_phase_s: f64,
    /// The logon phase measured on its own (a login storm is a load of its own: every agent's
    /// logon, subscriptions and first events at once, with a TLS handshake each when
    /// connections are not kept).
    pub logon: LogonReport,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct LogonReport {
    /// `storm` (all at once) or `ramp`.
    pub mode: &'static str,
    /// Agents per second asked for (a ramp); none for a storm.
    pub target_per_s: Option<f64>,
    /// Agents logged on per second of the phase.
    pub achieved_per_s: f64,
    /// Every agent logged on within `run.logon_timeout`.
    pub complete: bool,
    /// Requests and events during the logon phase, by operation.
    pub latency_ms: BTreeMap<String, LatencySummary>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct CallsReport {
    /// Calls that arrived at the contact center.
    pub offered: u64,
    pub answered: u64,
    pub completed: u64,
    pub transferred: u64,
    /// Abandoned (in a connector's queue or waiting for a side with agents) plus dropped.
    pub lost: u64,
    /// Abandoned while no connector side had agents logged on.
    pub unrouted: u64,
    pub abandoned: u64,
    pub dropped: u64,
    pub ring_no_answer: u64,
    pub outbound: u64,
    pub late_arrivals: u64,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct MessagesReport {
    pub requests: u64,
    pub events: u64,
    pub faults: u64,
    pub request_errors: u64,
    pub events_failed: u64,
    pub events_refused: u64,
}

/// The measured phase.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SteadyReport {
    pub duration_s: f64,
    pub target_calls_per_s: f64,
    pub calls_offered: u64,
    pub calls_per_s: f64,
    pub requests_per_s: f64,
    pub events_per_s: f64,
    pub latency_ms: BTreeMap<String, LatencySummary>,
    /// The steady phase window by window, when the scenario sets `run.window`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<super::windows::WindowReport>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Handshakes {
    pub full: u64,
    pub resumed: u64,
    pub failed: u64,
}

/// One invariant or threshold, as CI shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// How events travelled from the connector side(s) to the CRM.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventPath {
    /// `direct` (connector → CRM) or `static-route` (connector → proxy:xy → CRM:xy).
    pub path: &'static str,
    /// Event connections the CRM accepted and events it received.
    pub crm_connections: u64,
    pub events_received: u64,
    /// Connections and bytes (connector → CRM) through the proxy's static route; zero, with no
    /// route configured, when events went direct.
    pub route_connections: u64,
    pub route_bytes_to_crm: u64,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Components {
    pub crms: Vec<CrmReport>,
    pub connectors: Vec<ConnectorReport>,
}
