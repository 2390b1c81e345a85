//! How a simulated CRM and its agents behave.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ici::ReasonCode;
use stats::DurationDist;
use transport::ClientOptions;

use crate::cms::CmsProfile;

/// Everything a CRM needs to run.
#[derive(Clone)]
pub struct CrmConfig {
    /// `crm`, `crm-2`: names logs and errors.
    pub name: String,
    /// Where the event receiver listens.
    pub listen: SocketAddr,
    /// The event sink URL given to the connector at subscription (host name as the connector
    /// must dial and verify it). `{port}` is replaced by the bound port.
    pub sink_url: String,
    /// Path the receiver serves (the sink URL's path).
    pub event_path: String,
    /// Server side of the CRM's certificate, when SSL is on.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The chain to the connector's URL.
    pub cms: CmsProfile,
    /// Client settings for requests (TLS, connection mode, timeouts, host overrides).
    pub client: ClientOptions,
    /// SAP Note 1640673: put the agent's user into this HTTP header, for load balancers.
    pub user_header: Option<String>,
    /// How many agents there are and how they work.
    pub agents: AgentsConfig,
    /// Heartbeat and watchdog, which notice a lost connector and make agents log on again.
    pub heartbeat: HeartbeatConfig,
    /// The wire dialect the CRM speaks, to the connector and on its event sink.
    pub dialect: Arc<ici::Dialect>,
    /// The event sink's connection limit and timeouts.
    pub server_limits: transport::ServerLimits,
    /// Sees every event and answer at the sink (discovery mode's recording).
    pub server_tap: Option<Arc<dyn transport::Tap>>,
    /// What an event the dialect does not know is answered.
    pub unknown: ici::UnknownAnswer,
}

/// The agents of one CRM.
#[derive(Debug, Clone)]
pub struct AgentsConfig {
    /// Agents (SAP users) the CRM runs.
    pub count: usize,
    /// SAP user names are `<prefix><n>`, n from 1, five digits.
    pub user_prefix: String,
    /// First agent id (login string), first device (extension).
    pub first_agent_id: u32,
    /// Device (extension) of the first agent; agent `i` (from 0) gets `first_device + i`.
    pub first_device: u32,
    /// Password written into the login strings (login types 0, 1 and 5).
    pub password: String,
    /// `AgentLoginType` the login strings are written for (0, 1, 2 or 5).
    pub login_type: u8,
    /// Delay between an alerting event and the answer request.
    pub ring_delay: DurationDist,
    /// Time from connected to the agent's hang-up. `None`: the caller hangs up (connector side).
    pub talk_time: Option<DurationDist>,
    /// Time an agent spends in wrap-up before choosing ready or not ready.
    pub wrap_up: DurationDist,
    /// Chance, after a call, to go not ready instead of ready.
    pub not_ready_ratio: f64,
    /// Reason codes drawn for not ready (each above 999).
    pub not_ready_reasons: Vec<ReasonCode>,
    /// Time an agent stays not ready (chosen, or set by the connector) before going ready.
    pub not_ready_time: DurationDist,
    /// Chance, after wrap-up, to place an outbound call instead.
    pub outbound_ratio: f64,
    /// Wait between failed logon attempts.
    pub relogon_backoff: Duration,
    /// Seed of the agents' random draws (each agent its own stream from it), so runs repeat.
    pub seed: u64,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            count: 10,
            user_prefix: "AGENT".to_owned(),
            first_agent_id: 10001,
            first_device: 30001,
            password: "crmsim".to_owned(),
            login_type: 0,
            ring_delay: DurationDist::Constant(Duration::from_millis(500)),
            talk_time: Some(DurationDist::Exponential {
                mean: Duration::from_secs(8),
            }),
            wrap_up: DurationDist::Constant(Duration::from_secs(2)),
            not_ready_ratio: 0.0,
            not_ready_reasons: Vec::new(),
            not_ready_time: DurationDist::Constant(Duration::from_secs(5)),
            outbound_ratio: 0.0,
            relogon_backoff: Duration::from_secs(1),
            seed: 11,
        }
    }
}

/// SAP's heartbeat profile (IMG: Define Heartbeat Profile): the CRM polls the CMS; with the
/// watchdog, repeated failures mark the CMS connection lost and agents are re-logged on once it
/// answers again.
#[derive(Debug, Clone)]
pub struct HeartbeatConfig {
    /// `None`: no heartbeat.
    pub interval: Option<Duration>,
    /// "Heartbeat and watchdog": act on failures.
    pub watchdog: bool,
    /// Consecutive failures after which the connection counts as lost.
    pub failures_to_lose: u32,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        HeartbeatConfig {
            interval: Some(Duration::from_secs(1)),
            watchdog: true,
            failures_to_lose: 2,
        }
    }
}
