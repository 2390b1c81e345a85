//! The config file of `crmsim serve connector`, key by key (a commented example ships as
//! `examples/serve-connector.toml`), built from a scenario, and read into the simulator's
//! config.
//!
//! TLS comes from EITHER `config_dir`, a connector install folder exactly as the connector
//! guide lays it out (`CRMConnectorSAP_<name>.ini` with `TpiDllParameter=SSL` or
//! `SSL PROXY=<ip>:<port>`, `ssl.ini`, the PEM files), OR a `[tls]` table naming PEM files.
//! With a folder, `[tls]` may still set the protocol (versions, key exchange, resumption),
//! which `ssl.ini` does not say.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use capture::Hop;
use serde::{Deserialize, Serialize};
use sim_connector::ConnectorConfig;
use sim_connector::acd::AcdConfig;
use sim_connector::arrivals::ArrivalConfig;
use sim_connector::events::EventDelivery;
use transport::{ClientOptions, ConnectionMode};

use crate::common::{Hosts, TlsTable, resolve_list};
use crate::{SideTls, wire_trace};
use scenario::duration;
use scenario::{CallsSection, ConnectorSection, Hangup, Scenario, ServerSection};

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorFile {
    /// Names logs, errors and the report. Default `"connector"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// Socket address of the ICI endpoint, e.g. `"0.0.0.0:8443"`; port 0 takes a free port (the
    /// start line says which).
    pub listen: SocketAddr,
    /// Path of the ICI endpoint, as SAP's RFC destination has it (SM59 path prefix). Default:
    /// the dialect's `connector_path` (`"/ici"` in the built-in one).
    #[serde(default)]
    pub path: Option<String>,
    /// A dialect file (relative to this file) the connector speaks; crmsim's built-in profile
    /// without it.
    #[serde(default)]
    pub dialect: Option<PathBuf>,
    /// Stop after this long (`"10m"`, `"90s"`); without it, run until Ctrl-C or SIGTERM.
    #[serde(
        default,
        deserialize_with = "duration::de_opt",
        serialize_with = "duration::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
    /// Seed of every random draw (arrivals, talk times), so that a run can be repeated.
    #[serde(default = "crate::common::default_seed")]
    pub seed: u64,
    /// A connector install folder (relative to this file): `ssl.ini`,
    /// `CRMConnectorSAP_<name>.ini`, PEM files. Its `TpiDllParameter` turns SSL on or off and
    /// may set the static route for events (`SSL PROXY=<ip>:<port>`); its `AgentLoginType`
    /// wins over `acd.login_type`.
    pub config_dir: Option<PathBuf>,
    /// TLS from PEM files instead of a folder, or protocol settings next to `config_dir`.
    pub tls: Option<TlsTable>,
    /// `[events]`: how events reach the CRM's event sink.
    #[serde(default)]
    pub events: EventsTable,
    /// `[acd]`: the contact center's rules.
    #[serde(default)]
    pub acd: AcdTable,
    /// The call generator, as in a scenario's `[calls]`: `rate` (calls/s, offered from the
    /// start while at least one agent is logged on), `arrival` (`"poisson"` or `"constant"`),
    /// `patience`, `hangup` (`"agent"` or `"caller"`), `caller_talk_time`, `ani_prefix`,
    /// `late_tolerance`.
    #[serde(default)]
    pub calls: CallsSection,
    /// The ICI endpoint's connection limit and timeouts, as a scenario's `[server]`.
    #[serde(default)]
    pub server: ServerSection,
}

/// `[events]`: how events reach the CRM's event sink (the URL each agent's subscription names).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsTable {
    /// `"keep-alive"` (default), `"resume"` (new connection per event, TLS session resumed) or
    /// `"full"` (new connection and full handshake per event).
    pub mode: ConnectionMode,
    /// Extra delivery attempts before an event counts as failed.
    pub retries: u32,
    /// Per delivery attempt.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub timeout: Duration,
    /// Connections (lanes) per CRM; each agent's events keep to one, in order.
    pub connections: usize,
    /// Host name → IP address for the CRM's sink host, as `/etc/hosts` would say, e.g.
    /// `{ "crm.example.com" = "10.0.0.2" }`; TLS still verifies the name.
    pub hosts: Hosts,
    /// The static route without a folder: dial this `ip:port` for every event while verifying
    /// the CRM's name (what `TpiDllParameter=SSL PROXY=<ip>:<port>` says in a folder).
    pub proxy_route: Option<SocketAddr>,
}

impl Default for EventsTable {
    fn default() -> Self {
        let c = ConnectorSection::default();
        EventsTable {
            mode: ConnectionMode::KeepAlive,
            retries: c.event_retries,
            timeout: c.event_timeout,
            connections: c.event_connections,
            hosts: Hosts::new(),
            proxy_route: None,
        }
    }
}

/// `[acd]`: the contact center's rules (defaults as in scenarios).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcdTable {
    /// `AgentLoginType` (0, 1, 2 or 5) the login strings are read with; the folder's wins.
    pub login_type: Option<u8>,
    /// Agents enter wrap-up after a call.
    pub wrap_up: bool,
    /// The connector ends wrap-up after this long; `"0s"` leaves it to the agent.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub wrap_up_timer: Duration,
    /// An alerting call not answered within this is taken back and queued again.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub ring_no_answer: Duration,
    /// Work-mode reason (> 999) an agent who let a call ring out is set not ready with.
    pub ring_no_answer_reason: Option<u16>,
    /// A CRM silent for this long counts as gone and its agents are logged off; `"0s"` off.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub session_timeout: Duration,
}

impl Default for AcdTable {
    fn default() -> Self {
        let c = ConnectorSection::default();
        AcdTable {
            login_type: None,
            wrap_up: c.wrap_up,
            wrap_up_timer: c.wrap_up_timer,
            ring_no_answer: c.ring_no_answer,
            ring_no_answer_reason: c.ring_no_answer_reason,
            session_timeout: c.session_timeout,
        }
    }
}
/// Where a connector side runs and how its events reach the CRM: what its launcher decides,
/// not the scenario.
#[derive(Debug, Clone)]
pub struct SidePlace {
    /// `connector`, or `connector-a` / `connector-b` behind a proxy.
    pub name: String,
    /// Where its ICI endpoint listens.
    pub listen: SocketAddr,
    /// Host names mapped to addresses, as `/etc/hosts` would (the CRM's sink host, or the
    /// proxy's name a folder's `PROXY=` gives); empty where DNS answers.
    pub hosts: Hosts,
    /// The static route's address, when no folder's `TpiDllParameter` says it.
    pub proxy_route: Option<SocketAddr>,
    /// The connector install folder its certificates and ini files are in, for a launcher
    /// that works from files (`None`: SSL off, or material handed over in memory).
    pub config_dir: Option<PathBuf>,
    /// The dialect file it speaks, for a launcher that works from files.
    pub dialect: Option<PathBuf>,
    /// The `AgentLoginType` it reads login strings with (the CRM's agents write them so).
    pub login_type: u8,
}

impl ConnectorFile {
    /// The side at `place` as the scenario describes it: its calls, contact-center rules,
    /// event delivery (mode, retries, timeout, lanes), server limits, TLS protocol and seed.
    pub fn for_scenario(s: &Scenario, place: SidePlace) -> ConnectorFile {
        let c = &s.connector;
        ConnectorFile {
            name: place.name,
            listen: place.listen,
            path: None,
            dialect: place.dialect,
            duration: None,
            seed: s.run.seed,
            config_dir: place.config_dir,
            tls: Some(TlsTable::protocol(&s.tls)),
            events: EventsTable {
                mode: s.tls.events,
                retries: c.event_retries,
                timeout: c.event_timeout,
                connections: c.event_connections,
                hosts: place.hosts,
                proxy_route: place.proxy_route,
            },
            acd: AcdTable {
                login_type: Some(place.login_type),
                wrap_up: c.wrap_up,
                wrap_up_timer: c.wrap_up_timer,
                ring_no_answer: c.ring_no_answer,
                ring_no_answer_reason: c.ring_no_answer_reason,
                session_timeout: c.session_timeout,
            },
            calls: s.calls.clone(),
            server: s.server.clone(),
        }
    }

    /// The simulator's config this file says, with what its launcher resolved: the TLS it
    /// loaded (`None` with SSL off), the dialect, the login type (a folder's `AgentLoginType`
    /// wins over `acd.login_type`) and the static route (a folder's `PROXY=`, or
    /// `events.proxy_route`).
    pub fn start(
        &self,
        tls: Option<&SideTls>,
        dialect: Arc<ici::Dialect>,
        login_type: u8,
        proxy_route: Option<SocketAddr>,
    ) -> ConnectorConfig {
        let name = &self.name;
        let e = &self.events;
        let acd = &self.acd;
        let calls = &self.calls;
        let mut client = ClientOptions::new(
            format!("{name} → crm"),
            tls.map(|t| t.client.clone()),
            e.mode,
        );
        client.request_timeout = e.timeout;
        client.max_connections = e.connections;
        client.resolve = resolve_list(&e.hosts);
        client.tap = wire_trace::tap(name, Hop::Events, &dialect);
        let rules = AcdConfig {
            side: name.clone(),
            login_type,
            wrap_up: acd.wrap_up,
            wrap_up_timer: (!acd.wrap_up_timer.is_zero()).then_some(acd.wrap_up_timer),
            ring_no_answer: acd.ring_no_answer,
            ring_no_answer_reason: acd
                .ring_no_answer_reason
                .and_then(|c| ici::ReasonCode::new(c).ok()),
            patience: calls.patience,
            caller_talk_time: (calls.hangup == Hangup::Caller).then_some(calls.caller_talk_time),
            outbound_answer: stats::DurationDist::Constant(Duration::from_secs(2)),
            ani_prefix: calls.ani_prefix.clone(),
            crm_session_timeout: (!acd.session_timeout.is_zero()).then_some(acd.session_timeout),
            seed: self.seed,
        };
        ConnectorConfig {
            name: name.clone(),
            listen: self.listen,
            path: self
                .path
                .clone()
                .unwrap_or_else(|| dialect.connector_path().to_owned()),
            tls: tls.map(|t| t.server.clone()),
            events: EventDelivery {
                client,
                proxy_route,
                retries: e.retries,
                retry_backoff: Duration::from_millis(200),
                lanes: e.connections,
            },
            acd: rules,
            arrivals: ArrivalConfig {
                process: calls.arrival,
                only_with_agents: true,
                late_tolerance: calls.late_tolerance,
                seed: self.seed.wrapping_add(1),
            },
            server_limits: self.server.limits(),
            server_tap: wire_trace::tap(name, Hop::Requests, &dialect),
            dialect,
            unknown: ici::UnknownAnswer::Fault,
        }
    }
}

fn default_name() -> String {
    "connector".to_owned()
}
