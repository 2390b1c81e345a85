//! The scenario file's sections, with their defaults. Every field is documented in the README's
//! "Scenario format" section; keep the two in step.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use stats::DurationDist;
use transport::ConnectionMode;

use super::duration;
use super::faults::FaultSpec;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// `[run]`: the deployment, the seed and how long each phase of the run lasts (required).
    pub run: RunSection,
    /// `[tls]`: SSL on or off, TLS versions and key exchange, the generated PKI, connection reuse.
    #[serde(default)]
    pub tls: TlsSection,
    /// `[crm]`: the simulated SAP CRM instances, their agents, and how the agents work calls.
    #[serde(default)]
    pub crm: CrmSection,
    /// `[connector]`: the simulated connector (or sides A and B): host names, configuration
    /// folders, its contact center's timers, event delivery.
    #[serde(default)]
    pub connector: ConnectorSection,
    /// `[calls]`: the inbound calls offered to the agents, and the callers behind them.
    #[serde(default)]
    pub calls: CallsSection,
    /// `[proxy]`: the reverse proxy in front of sides A and B; only proxy deployments use it.
    #[serde(default)]
    pub proxy: ProxySection,
    /// Connection limit and timeouts of every server the run starts.
    #[serde(default)]
    pub server: super::ServerSection,
    /// `[thresholds]`: the limits the run is checked against; a broken one fails the run.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// `[[fault]]`: the faults injected on the run's timeline, any number of them.
    #[serde(default, rename = "fault")]
    pub faults: Vec<FaultSpec>,
    /// What `crmsim capacity` searches (ignored by `crmsim run`).
    #[serde(default)]
    pub capacity: Option<super::capacity::CapacitySection>,
    /// The wire dialects the two sides speak, loaded from `run.dialect`, `crm.dialect`,
    /// `connector.dialect` (or `--dialect`); crmsim's built-in profile when none is given.
    #[serde(skip)]
    pub dialects: Dialects,
}

/// The dialect of each side. Different files reproduce a mismatch between SAP and a connector.
#[derive(Debug, Clone)]
pub struct Dialects {
    /// The dialect the simulated CRM speaks: its requests, and the events it accepts.
    pub crm: std::sync::Arc<ici::Dialect>,
    /// The dialect the simulated connector speaks: its answers, and the events it sends.
    pub connector: std::sync::Arc<ici::Dialect>,
}

impl Default for Dialects {
    fn default() -> Self {
        Dialects {
            crm: ici::Dialect::builtin(),
            connector: ici::Dialect::builtin(),
        }
    }
}

/// Which of the seed's deployments to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    /// CRM ⇄ connector.
    Direct,
    /// Requests via a reverse proxy to side A or B; events from the active side straight to CRM.
    ProxyEventsDirect,
    /// As above, and events through the proxy on a static port route.
    ProxyStaticRoute,
}

impl Deployment {
    /// As scenario files and reports spell it (`"proxy-events-direct"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Direct => "direct",
            Deployment::ProxyEventsDirect => "proxy-events-direct",
            Deployment::ProxyStaticRoute => "proxy-static-route",
        }
    }
}

/// How agents log on at the start.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Logon {
    /// Agents per second.
    Rate(f64),
    /// `"storm"`: all at once.
    Storm(StormWord),
}

/// The one word `run.logon` takes instead of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StormWord {
    /// `"storm"`: every agent logs on at once.
    Storm,
}

/// `[run]`: which deployment to build, the seed, and how long each phase of the run lasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// Name in reports; defaults to the file's stem.
    #[serde(default)]
    pub name: Option<String>,
    /// A dialect file both sides speak, relative to the scenario file.
    #[serde(default)]
    pub dialect: Option<PathBuf>,
    /// Which deployment to build: `"direct"`, `"proxy-events-direct"` or `"proxy-static-route"`.
    /// Required.
    pub deployment: Deployment,
    /// Seed of every random draw, so a run can be repeated.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Agents per second at logon, or `"storm"`.
    #[serde(default = "default_logon")]
    pub logon: Logon,
    /// Longest wait for every agent to be logged on.
    #[serde(default = "default_logon_timeout", deserialize_with = "duration::de")]
    pub logon_timeout: Duration,
    /// Calls flow, measurements kept apart from the steady phase.
    #[serde(default = "default_warmup", deserialize_with = "duration::de")]
    pub warmup: Duration,
    /// The measured phase: thresholds apply to it.
    #[serde(deserialize_with = "duration::de")]
    pub steady: Duration,
    /// Splits the steady phase into windows of this length (a soak's ten minutes): the report
    /// gives each window's latencies, calls and resident memory, and the drift thresholds
    /// compare the first window with the last.
    #[serde(default, deserialize_with = "duration::de_opt")]
    pub window: Option<Duration>,
    /// Longest wait, after arrivals stop, for calls to end and events to be delivered.
    #[serde(default = "default_drain", deserialize_with = "duration::de")]
    pub drain: Duration,
    /// Log every agent off at the end (and check that it worked).
    #[serde(default = "yes")]
    pub logoff: bool,
    /// End the steady phase as soon as a threshold is certainly broken (a count over its
    /// limit, a latency over its `max_ms`); the drain, the logoff and the report follow.
    #[serde(default)]
    pub abort_on_fail: bool,
}

/// `[tls]`: SSL on both hops or off, the PKI crmsim generates, and how connections are reused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSection {
    /// SSL on (`TpiDllParameter=SSL`, SM59 SSL active) or off.
    pub enabled: bool,
    /// `"1.2"`, `"1.3"` or `"both"`.
    pub versions: certs::TlsVersions,
    /// `"x25519"`, `"secp256r1"`, `"x25519mlkem768"` or `"default"`.
    pub key_exchange: certs::KeyExchange,
    /// Certificate model of the generated PKI: `"one-ca"` or `"ca-per-side"`.
    pub layout: certs::Layout,
    /// Key of generated certificates: `"rsa2048"` (the seed's) or `"ecdsa-p256"`.
    pub key: certs::KeyAlgorithm,
    /// CRM → connector requests: `"keep-alive"`, `"resume"` or `"full"`.
    pub requests: ConnectionMode,
    /// Connector → CRM events: `"keep-alive"`, `"resume"` or `"full"`.
    pub events: ConnectionMode,
}

impl Default for TlsSection {
    fn default() -> Self {
        TlsSection {
            enabled: true,
            versions: certs::TlsVersions::Both,
            key_exchange: certs::KeyExchange::X25519,
            layout: certs::Layout::OneCa,
            key: certs::KeyAlgorithm::Rsa2048,
            requests: ConnectionMode::KeepAlive,
            events: ConnectionMode::KeepAlive,
        }
    }
}

/// `[crm]`: the simulated SAP CRM instances, their agents, and how the agents work calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrmSection {
    /// Agents per CRM instance.
    pub agents: usize,
    /// "One or more SAP CRMs": instances sharing the connector.
    pub instances: usize,
    /// Host name of the CRM (certificate subject and SAN). Several instances share it, each on
    /// its own port, as SAP application servers of one system do.
    pub host: String,
    /// The SAP side's certificate folder (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`, as
    /// `crmsim certs new` writes under `crm/`), relative to the scenario file. Needed with
    /// `connector.config_dir` when SSL is on.
    pub material_dir: Option<PathBuf>,
    /// SM59 "SSL client certificate": `true` presents the CRM's certificate (DFAULT), `false`
    /// none (ANONYM), which a connector requiring client certificates refuses.
    pub client_certificate: bool,
    /// `AgentLoginType` of the login strings; the connector folder's value wins when it has one.
    pub login_type: u8,
    /// From a call alerting at an agent to the agent answering it; default `"uniform(300ms, 1s)"`.
    pub ring_delay: DurationDist,
    /// The agent's talk time before hanging up; ignored when `calls.hangup = "caller"`.
    pub talk_time: DurationDist,
    /// Time an agent stays in wrap-up before choosing ready, not ready or an outbound call (unless
    /// the connector's `wrap_up_timer` ends it first); default `"2s"`.
    pub wrap_up: DurationDist,
    /// Share (0 to 1) of wrap-ups that end in not ready instead of ready; default 0.
    pub not_ready_ratio: f64,
    /// Reason codes (above 999) an agent going not ready picks from at random; default `[1001]`.
    pub not_ready_reasons: Vec<u16>,
    /// How long an agent stays not ready (by its own choice, or after a ring-no-answer) before
    /// going ready again; default `"3s"`.
    pub not_ready_time: DurationDist,
    /// Share (0 to 1) of wrap-ups followed by an outbound call, made not ready with the first of
    /// `not_ready_reasons`; default 0. At most 1 with `not_ready_ratio`.
    pub outbound_ratio: f64,
    /// SAP's heartbeat interval; `"0s"` turns it off.
    #[serde(deserialize_with = "duration::de")]
    pub heartbeat: Duration,
    /// Heartbeat with watchdog: re-logon agents after the CMS connection comes back.
    pub watchdog: bool,
    /// SAP Note 1640673: HTTP header carrying the agent's user, e.g. `"X-ICI-User"`.
    pub user_header: Option<String>,
    /// The dialect the CRM speaks (overrides `run.dialect`), relative to the scenario file.
    pub dialect: Option<PathBuf>,
    /// Request timeout (SM59's, in effect).
    #[serde(deserialize_with = "duration::de")]
    pub request_timeout: Duration,
    /// Connections to the connector at most (requests in flight); more requests wait their turn.
    pub connections: usize,
}

impl Default for CrmSection {
    fn default() -> Self {
        CrmSection {
            agents: 20,
            instances: 1,
            host: "crm.crmsim.test".to_owned(),
            material_dir: None,
            client_certificate: true,
            login_type: 0,
            ring_delay: DurationDist::Uniform {
                low: Duration::from_millis(300),
                high: Duration::from_millis(1000),
            },
            talk_time: DurationDist::Exponential {
                mean: Duration::from_secs(8),
            },
            wrap_up: DurationDist::Constant(Duration::from_secs(2)),
            not_ready_ratio: 0.0,
            not_ready_reasons: vec![1001],
            not_ready_time: DurationDist::Constant(Duration::from_secs(3)),
            outbound_ratio: 0.0,
            heartbeat: Duration::from_secs(1),
            watchdog: true,
            user_header: None,
            dialect: None,
            request_timeout: Duration::from_secs(10),
            connections: 32,
        }
    }
}

/// `[connector]`: the simulated connector (or sides A and B): host names, configuration folders,
/// its contact center's timers, and event delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectorSection {
    /// Host name the CRM dials for the connector (its RFC destination): the connector itself in
    /// the direct deployment, the proxy's name in front of sides A and B otherwise (each side's
    /// certificate carries it as an extra SAN).
    pub host: String,
    /// Host names of side A and side B (proxy deployments).
    pub side_hosts: Vec<String>,
    /// A connector folder (`ssl.ini` + `CRMConnectorSAP_<name>.ini` + PEM files) to configure
    /// the connector from, relative to the scenario file (direct deployment).
    pub config_dir: Option<PathBuf>,
    /// Side A's and side B's folders (proxy deployments).
    pub config_dirs: Vec<PathBuf>,
    /// The connector's wrap-up timer; `"0s"` leaves ending wrap-up to the agent.
    #[serde(deserialize_with = "duration::de")]
    pub wrap_up_timer: Duration,
    /// Agents enter wrap-up after a call.
    pub wrap_up: bool,
    /// Ring-no-answer: a call left alerting this long goes back to the queue and the agent is made
    /// not ready; default `"15s"`.
    #[serde(deserialize_with = "duration::de")]
    pub ring_no_answer: Duration,
    /// Reason code (above 999) given with the not ready of a ring-no-answer; none by default.
    pub ring_no_answer_reason: Option<u16>,
    /// A CRM that sends no request for this long is considered gone and its agents are logged
    /// off (what clears the side nobody talks to after a failover and fail-back); `"0s"` off.
    #[serde(deserialize_with = "duration::de")]
    pub session_timeout: Duration,
    /// Extra delivery attempts for an event before it counts as failed.
    pub event_retries: u32,
    /// Longest wait for the CRM to acknowledge one delivery attempt of an event; default `"10s"`.
    #[serde(deserialize_with = "duration::de")]
    pub event_timeout: Duration,
    /// Connections (lanes) for events to each CRM; each agent's events keep to one, in order.
    pub event_connections: usize,
    /// The dialect the connector speaks (overrides `run.dialect`), relative to the scenario file.
    pub dialect: Option<PathBuf>,
}

impl Default for ConnectorSection {
    fn default() -> Self {
        ConnectorSection {
            host: "connector.crmsim.test".to_owned(),
            side_hosts: vec![
                "connector-a.crmsim.test".to_owned(),
                "connector-b.crmsim.test".to_owned(),
            ],
            config_dir: None,
            config_dirs: Vec::new(),
            wrap_up_timer: Duration::from_secs(60),
            wrap_up: true,
            ring_no_answer: Duration::from_secs(15),
            ring_no_answer_reason: None,
            session_timeout: Duration::ZERO,
            event_retries: 2,
            event_timeout: Duration::from_secs(10),
            event_connections: 32,
            dialect: None,
        }
    }
}

/// Who ends a connected call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hangup {
    /// The agent, after `crm.talk_time`.
    Agent,
    /// The caller, after `calls.caller_talk_time`.
    Caller,
}

// Serialize: `crmsim run --processes` writes it into each connector's serve config.
/// `[calls]`: the inbound calls the contact center offers, and the callers behind them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallsSection {
    /// Inbound calls per second during warm-up and steady.
    pub rate: f64,
    /// The warm-up starts with a linear ramp from no calls to `rate` over this long (and each
    /// capacity step ramps from the step before). Not longer than the warm-up: the steady phase
    /// measures the target rate.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub ramp: Duration,
    /// `"poisson"` or `"constant"`.
    pub arrival: sim_connector::arrivals::ArrivalProcess,
    /// A queued caller gives up after this long (counted lost).
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub patience: Duration,
    /// Who ends a connected call: `"agent"` (the default, after `crm.talk_time`) or `"caller"`.
    pub hangup: Hangup,
    /// The caller's talk time before hanging up, with `hangup = "caller"` (ignored otherwise);
    /// default `"exp(8s)"`.
    pub caller_talk_time: DurationDist,
    /// Caller numbers: this E.164 prefix plus random digits.
    pub ani_prefix: String,
    /// An arrival later than this after its schedule counts as a late start.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub late_tolerance: Duration,
}

impl Default for CallsSection {
    fn default() -> Self {
        CallsSection {
            rate: 1.0,
            ramp: Duration::ZERO,
            arrival: sim_connector::arrivals::ArrivalProcess::Poisson,
            patience: Duration::from_secs(60),
            hangup: Hangup::Agent,
            caller_talk_time: DurationDist::Exponential {
                mean: Duration::from_secs(8),
            },
            ani_prefix: "+4131555".to_owned(),
            late_tolerance: Duration::from_millis(50),
        }
    }
}

/// Limits the run must hold. Latency and rate limits judge the steady phase; counts (lost,
/// completed, late calls, the error rate) judge the whole run. A missing limit is not checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// p99 of all requests together over the steady phase, in ms, timed from their intended start.
    pub max_request_p99_ms: Option<f64>,
    /// p99 of all events together over the steady phase, in ms (state change → CRM's
    /// acknowledgement).
    pub max_event_p99_ms: Option<f64>,
    /// Calls lost (abandoned in a queue, or dropped by the system), whole run; default 0.
    pub max_lost_calls: Option<u64>,
    /// (request errors + faults + failed events) / (requests + events), over the whole run.
    pub max_error_rate: Option<f64>,
    /// Calls completed (or transferred) at least, whole run; default 1, so a run that served no
    /// call fails.
    pub min_completed_calls: Option<u64>,
    /// Arrivals later than `calls.late_tolerance`, whole run; default 0: a harness that fell behind
    /// its schedule measured less than it claims.
    pub max_late_arrivals: Option<u64>,
    /// Largest relative deviation of the achieved call rate from `calls.rate` over the steady
    /// phase (0.01: within 1%). Meant for constant arrivals; Poisson arrivals vary by nature.
    pub max_rate_deviation: Option<f64>,
    /// Seconds from the start of the logon phase until every agent is logged on.
    pub max_logon_s: Option<f64>,
    /// p99 of `user.logon` during the logon phase (a login storm's cost to each agent).
    pub max_logon_p99_ms: Option<f64>,
    /// Failover: kill → the proxy marks the side down.
    pub max_detection_ms: Option<f64>,
    /// Failover: first failed request → first answered one via the other side.
    pub max_failover_gap_ms: Option<f64>,
    /// Failover: kill → every agent logged on again.
    pub max_relogon_ms: Option<f64>,
    /// Failover: requests that got no answer, per failover.
    pub max_failed_requests: Option<u64>,
    /// Calls dropped by the system (failover, lost sessions), whole run.
    pub max_dropped_calls: Option<u64>,
    /// Events lost with a killed side, whole run.
    pub max_events_lost: Option<u64>,
    /// Windows (`run.window`): largest relative change of an operation's or event's p50 or p99
    /// from the first window to the last (0.2: within 20%).
    pub max_window_drift: Option<f64>,
    /// Windows (`run.window`): largest relative growth of resident memory from the end of the
    /// first window to the end of the last (0.05: under 5%).
    pub max_memory_growth: Option<f64>,
    /// Per operation or event, limits on its steady-phase percentiles:
    /// `[thresholds.latency."call.answer"] p95_ms = 50`.
    pub latency: std::collections::BTreeMap<String, LatencyLimits>,
}

/// Limits on one operation's or event's steady-phase latency, in milliseconds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyLimits {
    /// Highest p50 (median).
    pub p50_ms: Option<f64>,
    /// Highest p90.
    pub p90_ms: Option<f64>,
    /// Highest p95.
    pub p95_ms: Option<f64>,
    /// Highest p99.
    pub p99_ms: Option<f64>,
    /// Highest p99.9.
    pub p999_ms: Option<f64>,
    /// Highest single latency; with `run.abort_on_fail`, the first sample over it ends the steady
    /// phase.
    pub max_ms: Option<f64>,
}

/// Reads one percentile of a latency summary.
pub type Pick = fn(&stats::LatencySummary) -> f64;

impl LatencyLimits {
    /// Each limit that is set: its key, the percentile's name in checks, the limit, and how to
    /// read that percentile from a summary.
    pub fn set(&self) -> impl Iterator<Item = (&'static str, &'static str, f64, Pick)> {
        let all: [(&str, &str, Option<f64>, Pick); 6] = [
            ("p50_ms", "p50", self.p50_ms, |l| l.p50),
            ("p90_ms", "p90", self.p90_ms, |l| l.p90),
            ("p95_ms", "p95", self.p95_ms, |l| l.p95),
            ("p99_ms", "p99", self.p99_ms, |l| l.p99),
            ("p999_ms", "p99.9", self.p999_ms, |l| l.p999),
            ("max_ms", "max", self.max_ms, |l| l.max),
        ];
        all.into_iter()
            .filter_map(|(key, name, v, pick)| v.map(|v| (key, name, v, pick)))
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_request_p99_ms: None,
            max_event_p99_ms: None,
            max_lost_calls: Some(0),
            max_error_rate: Some(0.0),
            min_completed_calls: Some(1),
            max_late_arrivals: Some(0),
            max_rate_deviation: None,
            max_logon_s: None,
            max_logon_p99_ms: None,
            max_detection_ms: None,
            max_failover_gap_ms: None,
            max_relogon_ms: None,
            max_failed_requests: None,
            max_dropped_calls: None,
            max_events_lost: None,
            max_window_drift: None,
            max_memory_growth: None,
            latency: std::collections::BTreeMap::new(),
        }
    }
}

/// The reverse proxy in front of sides A and B (proxy deployments), in HAProxy's terms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxySection {
    /// `"embedded"` (crmsim's own layer-4 proxy) or `"haproxy"` (Debian's HAProxy, run with a
    /// `haproxy.cfg` rendered from this section).
    pub engine: ProxyEngine,
    /// The proxy's own host name (its health checker's certificate).
    pub host: String,
    /// Health check: `"tls"` (a full handshake with the checker's client certificate) or
    /// `"tcp"` (connect only).
    pub check: ProxyCheck,
    /// Interval between checks.
    #[serde(deserialize_with = "duration::de")]
    pub inter: Duration,
    /// Consecutive failed checks before a server is marked down.
    pub fall: u32,
    /// Consecutive passed checks before a server is marked up.
    pub rise: u32,
    /// A health check not passed within this long has failed; default `"1s"`.
    #[serde(deserialize_with = "duration::de")]
    pub check_timeout: Duration,
    /// `"keep"` or `"shutdown-sessions"` (cut a server's sessions when it is marked down).
    pub on_marked_down: OnMarkedDown,
    /// `"auto"` (back to side A as soon as it is up) or `"manual"` (stay on B).
    pub failback: Failback,
    /// `"keep"` or `"shutdown-backup-sessions"` (when side A is up again, cut the sessions to
    /// side B, so that every CRM connection moves back together).
    pub on_marked_up: OnMarkedUp,
}

/// Which proxy runs in a proxy deployment (`proxy.engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyEngine {
    /// crmsim's own layer-4 proxy (crate `proxy`); the default.
    Embedded,
    /// Debian's HAProxy, run with a `haproxy.cfg` rendered from `[proxy]`.
    Haproxy,
}

impl ProxyEngine {
    /// As scenario files and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyEngine::Embedded => "embedded",
            ProxyEngine::Haproxy => "haproxy",
        }
    }
}

/// How the proxy health-checks sides A and B (`proxy.check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyCheck {
    /// A full TLS handshake with the checker's client certificate (the default); a TCP connect when
    /// SSL is off.
    Tls,
    /// A TCP connect only.
    Tcp,
}

/// What the proxy does with a side's open sessions when it marks that side down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnMarkedDown {
    /// Leave them; they end when either end closes them.
    Keep,
    /// `"shutdown-sessions"` (the default): reset them at once, so both ends learn of it now.
    ShutdownSessions,
}

/// What the proxy does with the sessions to side B when side A is marked up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnMarkedUp {
    /// Leave them (the default): kept-alive connections stay on B while new ones go to A.
    Keep,
    /// `"shutdown-backup-sessions"`: reset them, so that every CRM connection moves back to A
    /// together.
    ShutdownBackupSessions,
}

/// Where new connections go once side A is up again after a failover to side B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Failback {
    /// Back to side A as soon as it is up (the default).
    Auto,
    /// Stay on side B as long as it is up, even after side A is up again.
    Manual,
}

impl Default for ProxySection {
    fn default() -> Self {
        ProxySection {
            engine: ProxyEngine::Embedded,
            host: "proxy.crmsim.test".to_owned(),
            check: ProxyCheck::Tls,
            inter: Duration::from_millis(500),
            fall: 2,
            rise: 2,
            check_timeout: Duration::from_secs(1),
            on_marked_down: OnMarkedDown::ShutdownSessions,
            failback: Failback::Auto,
            on_marked_up: OnMarkedUp::Keep,
        }
    }
}

fn default_seed() -> u64 {
    1
}
fn default_logon() -> Logon {
    Logon::Rate(200.0)
}
fn default_logon_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_warmup() -> Duration {
    Duration::from_secs(3)
}
fn default_drain() -> Duration {
    Duration::from_secs(30)
}
fn yes() -> bool {
    true
}
