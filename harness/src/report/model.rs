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

/// Whether the run passed: the report's `verdict`, and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every invariant and threshold held.
    Pass,
    /// At least one invariant or threshold failed (exit code 1).
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

/// The run report `crmsim run --json` writes: what ran, what it did, and whether it passed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    // super::schema::REPORT_VERSION; no doc comment, which would replace the description
    // `version` gives it.
    #[allow(missing_docs)]
    #[schemars(schema_with = "super::schema::version")]
    pub report_version: u32,
    /// The crmsim release that ran (its package version).
    pub crmsim_version: String,
    /// The scenario's name: `run.name`, or else the file's stem.
    pub scenario: String,
    /// The scenario file, as given.
    pub file: String,
    /// `--set` overrides applied over the file, as given (`calls.rate=50`).
    pub overrides: Vec<String>,
    /// `pass` when every invariant and threshold held, else `fail`.
    pub verdict: Verdict,
    /// `run.abort_on_fail` ended the steady phase early: when, and which threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Aborted>,
    /// The deployment that ran (`direct`, `proxy-events-direct`, `proxy-static-route`).
    pub deployment: String,
    /// Whether the scenario turned TLS on (`tls.enabled`).
    pub tls: bool,
    /// The wire dialect each side spoke.
    pub dialects: DialectsReport,
    /// When the run started: RFC 3339, UTC, to the millisecond.
    pub started_at: String,
    /// Seconds from the run's start to its end, every phase included.
    pub duration_s: f64,
    /// The agents: configured, logged on, logons, and the logon phase.
    pub agents: AgentsReport,
    /// Calls over the whole run, by how they ended.
    pub calls: CallsReport,
    /// Requests and events over the whole run, with their failures.
    pub messages: MessagesReport,
    /// Whole run, by operation (`user.logon`, `call.answer`) and event (`event.callChanged`).
    pub latency_ms: BTreeMap<String, LatencySummary>,
    /// The steady phase, the measured one: its rates, latencies and windows.
    pub steady: SteadyReport,
    /// TLS handshakes over the whole run, counted by the servers of both hops.
    pub tls_handshakes: Handshakes,
    /// Connections and handshakes per hop, seen from the server end.
    pub hops: BTreeMap<String, LinkSnapshot>,
    /// What every run must meet, whatever the scenario (each call accounted for, no event lost).
    pub invariants: Vec<Check>,
    /// The scenario's `[thresholds]`, each judged against the run.
    pub thresholds: Vec<Check>,
    /// Each kind of error once, with its count and first message; kinds are prefixed with the
    /// component that met them (`setup` for the harness's own warnings).
    pub errors: Vec<ErrorEntry>,
    /// Per-second counts and latencies of the whole run, every component on one time axis.
    pub timeline: Vec<SecondSnapshot>,
    /// Phases, faults and notices, each at its time on the timeline.
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
    /// Each CRM's and connector side's own full account.
    pub components: Components,
}

/// Why and when a run stopped its steady phase early.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Aborted {
    /// Seconds into the steady phase.
    pub at_s: f64,
    /// The threshold broken, in words (`thresholds.max_lost_calls: 3 calls lost (limit ≤ 0)`).
    pub reason: String,
}

/// Which wire dialect each simulator spoke: a report read later must say whether it measured
/// crmsim's own profile or a real system's.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DialectsReport {
    /// What the simulated CRM spoke.
    pub crm: DialectInfo,
    /// What the simulated connector spoke.
    pub connector: DialectInfo,
}

/// One dialect: its name, where it came from and its SOAP version.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DialectInfo {
    /// The dialect's name (`dialect.name`).
    pub name: String,
    /// The file it was loaded from, or `built-in dialect crmsim`.
    pub origin: String,
    /// `1.1` or `1.2`.
    pub soap: &'static str,
}

impl DialectInfo {
    /// How the report names dialect `d`.
    pub fn of(d: &ici::Dialect) -> DialectInfo {
        DialectInfo {
            name: d.name().to_owned(),
            origin: d.origin().to_owned(),
            soap: d.soap_version().as_str(),
        }
    }
}

/// The agents over the whole run, and the logon phase on its own.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AgentsReport {
    /// Agents the scenario configured, over every CRM.
    pub configured: u64,
    /// Agents logged on at the end of the logon phase.
    pub logged_in: u64,
    /// Complete logon sequences (logon, subscriptions, ready), over every CRM.
    pub logons: u64,
    /// Logon sequences started again after the connector lost an agent's session.
    pub relogons: u64,
    /// Seconds from the start of the logon phase until every agent was logged on.
    pub logon_phase_s: f64,
    /// The logon phase measured on its own (a login storm is a load of its own: every agent's
    /// logon, subscriptions and first events at once, with a TLS handshake each when
    /// connections are not kept).
    pub logon: LogonReport,
}

/// The logon phase on its own: how it was asked, how fast it went, what a logon cost.
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

/// Calls over the whole run: the contact center's and every connector side's counts added up.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct CallsReport {
    /// Calls that arrived at the contact center.
    pub offered: u64,
    /// Inbound calls an agent answered.
    pub answered: u64,
    /// Calls (either direction) that ended normally after being connected.
    pub completed: u64,
    /// Calls ended by a `transfer` request (blind or consult).
    pub transferred: u64,
    /// Abandoned (in a connector's queue or waiting for a side with agents) plus dropped.
    pub lost: u64,
    /// Abandoned while no connector side had agents logged on.
    pub unrouted: u64,
    /// Inbound callers that gave up in a connector's queue (`unrouted` not included).
    pub abandoned: u64,
    /// Calls the system cut (a side killed, a CRM session lost).
    pub dropped: u64,
    /// Alerting calls taken back from an agent who did not answer in time.
    pub ring_no_answer: u64,
    /// Outbound calls placed by agents.
    pub outbound: u64,
    /// Calls that arrived later than `calls.late_tolerance` after their schedule: the harness fell
    /// behind, so the run measured less than it claims.
    pub late_arrivals: u64,
}

/// SOAP messages over the whole run, every CRM's and connector side's counts added up.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct MessagesReport {
    /// Requests the CRM(s) sent to the connector side(s).
    pub requests: u64,
    /// Events the CRM(s) accepted and acknowledged.
    pub events: u64,
    /// Requests answered with a SOAP fault.
    pub faults: u64,
    /// Requests that got no usable answer (connection, TLS, timeout, bad body).
    pub request_errors: u64,
    /// Events a connector side gave up on after its retries.
    pub events_failed: u64,
    /// Events the CRM answered with a SOAP fault.
    pub events_refused: u64,
}

/// The measured phase.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SteadyReport {
    /// Seconds the steady phase lasted (less when `run.abort_on_fail` ended it early).
    pub duration_s: f64,
    /// Calls per second the scenario asked for (`calls.rate`).
    pub target_calls_per_s: f64,
    /// Calls that arrived during the steady phase.
    pub calls_offered: u64,
    /// Calls that arrived per second of the steady phase.
    pub calls_per_s: f64,
    /// Requests per second of the steady phase.
    pub requests_per_s: f64,
    /// Events per second of the steady phase.
    pub events_per_s: f64,
    /// Steady-phase latencies in ms, by operation and event, plus `agent.talk` and `agent.wrap_up`.
    pub latency_ms: BTreeMap<String, LatencySummary>,
    /// The steady phase window by window, when the scenario sets `run.window`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<super::windows::WindowReport>,
}

/// TLS handshakes, counted by the servers of both hops.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Handshakes {
    /// Full handshakes.
    pub full: u64,
    /// Handshakes that resumed a session.
    pub resumed: u64,
    /// Handshakes that failed (a client hanging up after a finished handshake is not one).
    pub failed: u64,
}

/// One invariant or threshold, as CI shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Check {
    /// What is judged (`request p99 (steady)`); the JUnit test case's name.
    pub name: String,
    /// Whether it held.
    pub ok: bool,
    /// The value and its limit, or what went wrong, in words.
    pub detail: String,
    /// The bound the value must stay under (or over), in the value's unit; absent where none
    /// applies (invariants).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// What was measured (ms, a count, a rate); absent where the check has no figure.
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
    /// Events the CRM(s) accepted and acknowledged (`messages.events`).
    pub events_received: u64,
    /// Connections and bytes (connector → CRM) through the proxy's static route; zero, with no
    /// route configured, when events went direct.
    pub route_connections: u64,
    /// Bytes the static route carried toward the CRM.
    pub route_bytes_to_crm: u64,
    /// The path and the counters that show it, in a sentence.
    pub explanation: String,
}

/// Each component's own full account, taken at the end of the run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Components {
    /// Each CRM's report.
    pub crms: Vec<CrmReport>,
    /// Each connector side's report, killed instances included.
    pub connectors: Vec<ConnectorReport>,
}
