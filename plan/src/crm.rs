//! The config file of `crmsim serve crm`, key by key (a commented example ships as
//! `examples/serve-crm.toml`), built from a scenario, and read into the simulator's config.
//!
//! The CRM finds the connector the SAP way: `[cms]` is the CMS profile (CRMM_BCB_ADM) with its
//! RFC destination (SM59), which gives the connector's URL and the SSL flags; the event sink URL
//! is what each agent's subscription tells the connector. TLS comes from EITHER `material_dir`,
//! the SAP-side folder `crmsim certs new` writes (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`),
//! OR a `[tls]` table naming PEM files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use capture::Hop;
use serde::{Deserialize, Serialize};
use sim_crm::{AgentsConfig, CmsProfile, CrmConfig, HeartbeatConfig, LogonPlan};
use stats::DurationDist;
use transport::{ClientOptions, ConnectionMode};

use crate::common::{Hosts, TlsTable, resolve_list};
use crate::{SideTls, wire_trace};
use scenario::duration;
use scenario::{CrmSection, Hangup, Logon, Scenario, ServerSection};

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CrmFile {
    /// Names logs, errors and the report. Default `"crm"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// Socket address of the event receiver, e.g. `"0.0.0.0:9443"`; port 0 takes a free port.
    pub listen: SocketAddr,
    /// The event sink URL agents subscribe with, as the connector must dial and verify it, e.g.
    /// `"https://crm.example.com:{port}/sap/bc/crm/ici/events"`; `{port}` becomes the bound
    /// port. Its scheme must match SSL (https on, http off); its path is what the receiver
    /// serves.
    pub sink_url: String,
    /// A dialect file (relative to this file) the CRM speaks; crmsim's built-in profile without
    /// it. The sink URL's path and the CMS profile's path are written out in this file either
    /// way; the dialect says what travels on them.
    #[serde(default)]
    pub dialect: Option<PathBuf>,
    /// Stop after this long; without it, run until Ctrl-C or SIGTERM.
    #[serde(
        default,
        deserialize_with = "duration::de_opt",
        serialize_with = "duration::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
    /// Latencies of the first this long are kept apart from the steady phase's, as a
    /// scenario's `run.warmup`: the report's `steady.latency_ms` holds those from then until
    /// the stop (the logoff is apart too). Without it the report has no `steady`.
    #[serde(
        default,
        deserialize_with = "duration::de_opt",
        serialize_with = "duration::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub warmup: Option<Duration>,
    /// On stop, agents log off first (finishing their calls); this bounds the wait.
    #[serde(
        default = "default_logoff_timeout",
        deserialize_with = "duration::de",
        serialize_with = "duration::ser"
    )]
    pub logoff_timeout: Duration,
    /// Seed of every random draw (ring delays, talk times, not-ready choices).
    #[serde(default = "crate::common::default_seed")]
    pub seed: u64,
    /// The SAP-side folder (relative to this file): `crm.crt.pem`, `crm.key.pem`,
    /// `trust-ca.pem`, as `crmsim certs new` writes under `crm/`. Means SSL on.
    pub material_dir: Option<PathBuf>,
    /// TLS from PEM files instead of a folder, or protocol settings next to `material_dir`.
    pub tls: Option<TlsTable>,
    /// CMS profile → RFC destination → the connector's URL: `name`, `system_id`, `server_ssl`
    /// and `[cms.destination]` with `name`, `host`, `port`, `path`, `ssl`. Both SSL flags must
    /// agree with each other and with the CRM's TLS.
    pub cms: CmsProfile,
    /// `[requests]`: how requests reach the connector.
    #[serde(default)]
    pub requests: RequestsTable,
    /// `[agents]`: the IC WebClient users and how they work.
    #[serde(default)]
    pub agents: AgentsTable,
    /// The event sink's connection limit and timeouts, as a scenario's `[server]`.
    #[serde(default)]
    pub server: ServerSection,
}

/// `[requests]`: how requests reach the connector.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestsTable {
    /// `"keep-alive"` (default), `"resume"` or `"full"` (see the connector's `[events]`).
    pub mode: ConnectionMode,
    /// Whole-request timeout (SM59's, in effect).
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub timeout: Duration,
    /// Connections to the connector at most (requests in flight); more wait their turn.
    pub connections: usize,
    /// Host name → IP address for the destination's host, e.g.
    /// `{ "connector.example.com" = "10.0.0.5" }`; TLS still verifies the name.
    pub hosts: Hosts,
    /// SAP Note 1640673: HTTP header carrying the agent's user, e.g. `"X-ICI-User"`.
    pub user_header: Option<String>,
    /// SM59 "SSL client certificate": `true` presents the CRM's certificate (DFAULT), `false`
    /// none (ANONYM), which a connector requiring client certificates refuses.
    pub client_certificate: bool,
}

impl Default for RequestsTable {
    fn default() -> Self {
        let c = CrmSection::default();
        RequestsTable {
            mode: ConnectionMode::KeepAlive,
            timeout: c.request_timeout,
            connections: c.connections,
            hosts: Hosts::new(),
            user_header: c.user_header,
            client_certificate: c.client_certificate,
        }
    }
}

/// `[agents]`: the IC WebClient users (defaults as in a scenario's `[crm]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentsTable {
    /// How many agents log on.
    pub count: usize,
    /// Agents per second logging on at the start, or `"storm"` (all at once).
    pub logon: Logon,
    /// SAP user names are `<user_prefix><n>` (n from 1, five digits).
    pub user_prefix: String,
    /// Agent ids and devices (extensions) of the login strings count up from these.
    pub first_agent_id: u32,
    /// Device (extension) of the first agent's login string.
    pub first_device: u32,
    /// The password in every agent's login string.
    pub password: String,
    /// `AgentLoginType` the login strings are written for; must be the connector's.
    pub login_type: u8,
    /// From a call alerting at an agent to the agent answering it.
    pub ring_delay: DurationDist,
    /// Talk time before the agent hangs up (with `hangup = "agent"`).
    pub talk_time: DurationDist,
    /// `"agent"` (after `talk_time`) or `"caller"` (the connector's `calls.hangup` must say so).
    pub hangup: Hangup,
    /// Time in wrap-up before the agent goes ready, not ready or calls out (unless the
    /// connector's `wrap_up_timer` ends it first).
    pub wrap_up: DurationDist,
    /// Share (0 to 1) of wrap-ups that end in not ready instead of ready.
    pub not_ready_ratio: f64,
    /// Reason codes (above 999) an agent going not ready picks from at random.
    pub not_ready_reasons: Vec<u16>,
    /// How long an agent stays not ready before going ready again.
    pub not_ready_time: DurationDist,
    /// Share (0 to 1) of wrap-ups followed by an outbound call.
    pub outbound_ratio: f64,
    /// SAP's heartbeat interval; `"0s"` off.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub heartbeat: Duration,
    /// Heartbeat with watchdog: re-logon agents after the connection comes back.
    pub watchdog: bool,
}

impl Default for AgentsTable {
    fn default() -> Self {
        let c = CrmSection::default();
        let agents = sim_crm::AgentsConfig::default();
        AgentsTable {
            count: c.agents,
            logon: Logon::Rate(200.0),
            user_prefix: agents.user_prefix,
            first_agent_id: agents.first_agent_id,
            first_device: agents.first_device,
            password: agents.password,
            login_type: c.login_type,
            ring_delay: c.ring_delay,
            talk_time: c.talk_time,
            hangup: Hangup::Agent,
            wrap_up: c.wrap_up,
            not_ready_ratio: c.not_ready_ratio,
            not_ready_reasons: c.not_ready_reasons,
            not_ready_time: c.not_ready_time,
            outbound_ratio: c.outbound_ratio,
            heartbeat: c.heartbeat,
            watchdog: c.watchdog,
        }
    }
}
/// Where a CRM instance runs and whom it dials: what its launcher decides, not the scenario.
#[derive(Debug, Clone)]
pub struct CrmPlace {
    /// `crm`, or `crm-1`, `crm-2` … with several instances.
    pub name: String,
    /// Which instance, from 0: its agents' user names, ids and devices, and its seed.
    pub instance: usize,
    /// Where its event sink listens.
    pub listen: SocketAddr,
    /// The host name on the CRM's certificate, which the event sink URL names.
    pub host: String,
    /// The host name the RFC destination dials (the connector's, or the proxy's in front of
    /// sides A and B) and its port.
    pub dial_host: String,
    /// The port the RFC destination dials.
    pub dial_port: u16,
    /// Host names mapped to addresses, as `/etc/hosts` would (empty where DNS answers).
    pub hosts: Hosts,
    /// The SAP-side folder its certificates are in, for a launcher that works from files
    /// (`None`: SSL off, or material handed over in memory).
    pub material_dir: Option<PathBuf>,
    /// The dialect file it speaks, for a launcher that works from files (`None`: the dialect
    /// is handed over in memory, or the built-in one).
    pub dialect: Option<PathBuf>,
    /// The `AgentLoginType` its agents write login strings for: the connector folder's when it
    /// says one, else the scenario's.
    pub login_type: u8,
}

impl CrmFile {
    /// The CRM instance at `place` as the scenario describes it: its agents and how they work,
    /// its requests (mode, timeout, connections), heartbeat, server limits, TLS protocol,
    /// phases and seed.
    pub fn for_scenario(s: &Scenario, place: CrmPlace) -> CrmFile {
        let scheme = if s.tls.enabled { "https" } else { "http" };
        // Who the agents are: one instance is the defaults'; several count apart by 10,000 so
        // that no two instances share a user, an agent id or a device.
        let who = AgentsTable::default();
        let offset = place.instance as u32 * 10_000;
        let user_prefix = if s.crm.instances == 1 {
            who.user_prefix.clone()
        } else {
            format!("C{}{}", place.instance + 1, who.user_prefix)
        };
        let c = &s.crm;
        CrmFile {
            sink_url: format!(
                "{scheme}://{}:{{port}}{}",
                place.host,
                s.dialects.crm.event_path()
            ),
            name: place.name,
            listen: place.listen,
            dialect: place.dialect,
            duration: Some(s.run.warmup + s.run.steady),
            // The steady phase starts when the runner's does: its faults are timed from it.
            warmup: Some(s.run.warmup),
            // The scenario's drain: how long calls may take to end once the work is over.
            logoff_timeout: s.run.drain,
            seed: s.run.seed.wrapping_add(place.instance as u64),
            material_dir: place.material_dir,
            tls: Some(TlsTable::protocol(&s.tls)),
            cms: CmsProfile::for_connector(
                &place.dial_host,
                place.dial_port,
                s.tls.enabled,
                s.dialects.crm.connector_path(),
            ),
            requests: RequestsTable {
                mode: s.tls.requests,
                timeout: c.request_timeout,
                connections: c.connections,
                hosts: place.hosts,
                user_header: c.user_header.clone(),
                client_certificate: c.client_certificate,
            },
            agents: AgentsTable {
                count: c.agents,
                logon: s.run.logon,
                user_prefix,
                first_agent_id: who.first_agent_id + offset,
                first_device: who.first_device + offset,
                login_type: place.login_type,
                ring_delay: c.ring_delay,
                talk_time: c.talk_time,
                hangup: s.calls.hangup,
                wrap_up: c.wrap_up,
                not_ready_ratio: c.not_ready_ratio,
                not_ready_reasons: c.not_ready_reasons.clone(),
                not_ready_time: c.not_ready_time,
                outbound_ratio: c.outbound_ratio,
                heartbeat: c.heartbeat,
                watchdog: c.watchdog,
                ..who
            },
            server: s.server.clone(),
        }
    }

    /// The simulator's config and logon plan this file says, with the TLS and the dialect its
    /// launcher loaded (`tls`: `None` with SSL off). The file is taken as checked: a sink URL
    /// without a path falls back to the dialect's event path.
    pub fn start(
        &self,
        tls: Option<&SideTls>,
        dialect: Arc<ici::Dialect>,
    ) -> (CrmConfig, LogonPlan) {
        let name = &self.name;
        let r = &self.requests;
        let a = &self.agents;
        let mut client = ClientOptions::new(
            format!("{name} → connector"),
            tls.map(|t| t.client.clone()),
            r.mode,
        );
        client.request_timeout = r.timeout;
        client.max_connections = r.connections;
        client.resolve = resolve_list(&r.hosts);
        client.tap = wire_trace::tap(name, Hop::Requests, &dialect);
        let agents = AgentsConfig {
            count: a.count,
            user_prefix: a.user_prefix.clone(),
            first_agent_id: a.first_agent_id,
            first_device: a.first_device,
            password: a.password.clone(),
            login_type: a.login_type,
            ring_delay: a.ring_delay,
            talk_time: (a.hangup == Hangup::Agent).then_some(a.talk_time),
            wrap_up: a.wrap_up,
            not_ready_ratio: a.not_ready_ratio,
            not_ready_reasons: a
                .not_ready_reasons
                .iter()
                .filter_map(|c| ici::ReasonCode::new(*c).ok())
                .collect(),
            not_ready_time: a.not_ready_time,
            outbound_ratio: a.outbound_ratio,
            relogon_backoff: Duration::from_secs(1),
            seed: self.seed.wrapping_add(100),
        };
        let config = CrmConfig {
            name: name.clone(),
            listen: self.listen,
            sink_url: self.sink_url.clone(),
            event_path: sink_path(&self.sink_url)
                .unwrap_or_else(|| dialect.event_path())
                .to_owned(),
            tls: tls.map(|t| t.server.clone()),
            cms: self.cms.clone(),
            client,
            user_header: r
                .user_header
                .clone()
                .or_else(|| dialect.user_header().map(str::to_owned)),
            agents,
            heartbeat: HeartbeatConfig {
                interval: (!a.heartbeat.is_zero()).then_some(a.heartbeat),
                watchdog: a.watchdog,
                failures_to_lose: 2,
            },
            server_limits: self.server.limits(),
            server_tap: wire_trace::tap(name, Hop::Events, &dialect),
            dialect,
            unknown: ici::UnknownAnswer::Fault,
        };
        let logon = match a.logon {
            Logon::Rate(per_second) => LogonPlan::Ramp { per_second },
            Logon::Storm(_) => LogonPlan::Storm,
        };
        (config, logon)
    }
}

/// The path of a sink URL (`https://host:{port}/path` → `/path`).
pub fn sink_path(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    rest.find('/').map(|slash| &rest[slash..])
}

fn default_name() -> String {
    "crm".to_owned()
}

fn default_logoff_timeout() -> Duration {
    Duration::from_secs(10)
}
