//! The config file of `crmsim serve crm`, key by key. A commented example ships as
//! `examples/serve-crm.toml`.
//!
//! The CRM finds the connector the SAP way: `[cms]` is the CMS profile (CRMM_BCB_ADM) with its
//! RFC destination (SM59), which gives the connector's URL and the SSL flags; the event sink URL
//! is what each agent's subscription tells the connector. TLS comes from EITHER `material_dir`,
//! the SAP-side folder `crmsim certs new` writes (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`),
//! OR a `[tls]` table naming PEM files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sim_crm::{CmsProfile, CrmConfig, LogonPlan};
use stats::DurationDist;
use transport::ConnectionMode;

use super::config::{self, ConfigFile, Hosts, TlsTable};
use super::tls;
use harness::topology::{SideMaterial, configs};
use scenario::duration;
use scenario::{CrmSection, Hangup, Logon, Scenario, ScenarioError, ServerSection, TlsSection};

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
    #[serde(default = "config::default_seed")]
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

/// A CRM ready to start, and what its start line says.
pub struct CrmPlan {
    /// The simulator's config, built from the file.
    pub config: CrmConfig,
    /// How agents log on at the start: at a rate, or all at once (`"storm"`).
    pub logon: LogonPlan,
    /// Stop after this long; `None`: at Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// Latencies of the first this long are kept apart from the steady phase's.
    pub warmup: Option<Duration>,
    /// On stop, how long to wait for the agents to log off.
    pub logoff_timeout: Duration,
    /// The connector's URL, from the CMS profile.
    pub connector_url: String,
    /// `TLS on (certificate …, trusts … from …)`, for the start line.
    pub tls_line: String,
    /// Problems that do not stop the start but will show (said on stderr).
    pub warnings: Vec<String>,
}

/// Reads and checks the file, loads the material it names, and builds the CRM's config.
pub fn load(path: &Path) -> Result<CrmPlan, ScenarioError> {
    let file = ConfigFile::read(path)?;
    let parsed = parse(&file)?;
    plan(&file, &parsed)
}

/// Parses and checks the text, without touching the files it names.
pub fn parse(file: &ConfigFile) -> Result<CrmFile, ScenarioError> {
    let c: CrmFile = file.parse()?;
    if c.name.trim().is_empty() {
        return Err(file.error_at(&["name"], "give the CRM a name"));
    }
    if let Some((key, why)) = c.server.problem() {
        return Err(file.error_at(&["server", key], why));
    }
    let a = &c.agents;
    if !(1..=100_000).contains(&a.count) {
        return Err(file.error_at(
            &["agents", "count"],
            format!("{} agents: give 1 to 100000", a.count),
        ));
    }
    if let Logon::Rate(rate) = a.logon
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(file.error_at(
            &["agents", "logon"],
            format!("{rate} agents/s: give a positive rate, or \"storm\""),
        ));
    }
    config::check_login_type(file, &["agents", "login_type"], a.login_type)?;
    config::check_fraction(file, &["agents", "not_ready_ratio"], a.not_ready_ratio)?;
    config::check_fraction(file, &["agents", "outbound_ratio"], a.outbound_ratio)?;
    if a.not_ready_ratio + a.outbound_ratio > 1.0 {
        return Err(file.error_at(
            &["agents", "outbound_ratio"],
            "not_ready_ratio + outbound_ratio exceed 1",
        ));
    }
    config::check_reasons(file, &["agents", "not_ready_reasons"], &a.not_ready_reasons)?;
    if a.not_ready_ratio > 0.0 && a.not_ready_reasons.is_empty() {
        return Err(file.error_at(
            &["agents", "not_ready_reasons"],
            "not_ready_ratio is above 0 but no reason code is listed (e.g. [1001])",
        ));
    }
    if !(1..=4096).contains(&c.requests.connections) {
        return Err(file.error_at(
            &["requests", "connections"],
            format!("{} connections: give 1 to 4096", c.requests.connections),
        ));
    }
    config::check_hosts(file, &["requests", "hosts"], &c.requests.hosts)?;
    if c.duration.is_some_and(|d| d.is_zero()) {
        return Err(file.error_at(
            &["duration"],
            "must be above 0s (leave it out to run until stopped)",
        ));
    }
    if let Err(e) = c.cms.connector_url() {
        return Err(file.error_at(&["cms"], e.to_string()));
    }
    sink_parts(file, &c.sink_url)?;
    match c.material_dir {
        Some(_) => tls::protocol_only(file, c.tls.as_ref(), "material_dir")?,
        None => tls::check_table(file, c.tls.as_ref(), "material_dir")?,
    }
    Ok(c)
}

/// The scheme and path of the sink URL, checked.
fn sink_parts<'a>(file: &ConfigFile, url: &'a str) -> Result<(&'a str, &'a str), ScenarioError> {
    let bad = |why: &str| {
        file.error_at(
            &["sink_url"],
            format!(
                "{url:?} {why}; write e.g. \"https://crm.example.com:{{port}}{}\"",
                ici::Dialect::builtin().event_path()
            ),
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("is not a URL"));
    };
    if scheme != "http" && scheme != "https" {
        return Err(bad("must start with http:// or https://"));
    }
    let Some(slash) = rest.find('/') else {
        return Err(bad("has no path"));
    };
    let (authority, path) = rest.split_at(slash);
    if authority.is_empty() || authority.starts_with(':') {
        return Err(bad("has no host"));
    }
    Ok((scheme, path))
}

fn plan(file: &ConfigFile, c: &CrmFile) -> Result<CrmPlan, ScenarioError> {
    let mut warnings = Vec::new();
    let (material, ca_origin) = match &c.material_dir {
        Some(dir) => {
            let key = ["material_dir"];
            let dir = file.folder(
                &key,
                dir,
                "the SAP-side folder (crm.crt.pem, crm.key.pem, trust-ca.pem), e.g. the crm/ folder `crmsim certs new` writes",
            )?;
            let crm = certs::folder::load_crm_folder(&dir)
                .map_err(|e| file.error_at(&key, e.to_string()))?;
            let origin = dir.join(certs::folder::CRM_TRUST).display().to_string();
            let material = SideMaterial {
                identity: crm.identity,
                peer_roots: crm.trust,
            };
            (Some(material), origin)
        }
        None => match tls::from_table(file, c.tls.as_ref(), "material_dir")? {
            Some((material, origin)) => (Some(material), origin),
            None => (None, String::new()),
        },
    };
    let tls_on = material.is_some();
    let (scheme, event_path) = sink_parts(file, &c.sink_url)?;
    if (scheme == "https") != tls_on {
        return Err(file.error_at(
            &["sink_url"],
            format!(
                "this CRM has SSL {}: the sink URL must start with {}",
                if tls_on { "on" } else { "off" },
                if tls_on { "https://" } else { "http://" }
            ),
        ));
    }
    if c.cms.destination.ssl != tls_on {
        return Err(file.error_at(
            &["cms", "destination", "ssl"],
            format!(
                "this CRM has SSL {} ({}) but the RFC destination says ssl = {}; make them agree (SM59 SSL active, CRMM_BCB_ADM)",
                if tls_on { "on" } else { "off" },
                if tls_on {
                    "certificates are configured"
                } else {
                    "no certificates"
                },
                c.cms.destination.ssl
            ),
        ));
    }
    if let Some(m) = &material {
        warnings.extend(tls::date_warnings(&m.identity));
        let host = sink_host(&c.sink_url);
        let names = tls::dns_names(&m.identity);
        if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
            warnings.push(format!(
                "the CRM's certificate names {} but the sink URL says {host}: the connector will refuse the CRM's certificate for events",
                if names.is_empty() { "no DNS name".to_owned() } else { names.join(", ") }
            ));
        }
    }
    let options = c.tls.as_ref().map(TlsTable::options).unwrap_or_default();
    let side_tls = match &material {
        Some(m) => Some(tls::configs(
            file,
            m,
            &c.name,
            &options,
            !c.requests.client_certificate,
        )?),
        None => None,
    };
    let scenario = as_scenario(file, c, tls_on, &options)?;
    let (mut config, logon) = configs::crm_config(
        &scenario,
        &c.name,
        0,
        c.listen,
        side_tls.as_ref(),
        c.agents.login_type,
        c.cms.clone(),
        config::resolve_list(&c.requests.hosts),
    );
    config.sink_url = c.sink_url.clone();
    config.event_path = event_path.to_owned();
    config.agents.user_prefix = c.agents.user_prefix.clone();
    config.agents.first_agent_id = c.agents.first_agent_id;
    config.agents.first_device = c.agents.first_device;
    config.agents.password = c.agents.password.clone();
    let connector_url = c
        .cms
        .connector_url()
        .map_err(|e| file.error_at(&["cms"], e.to_string()))?;
    Ok(CrmPlan {
        config,
        logon,
        duration: c.duration,
        warmup: c.warmup,
        logoff_timeout: c.logoff_timeout,
        connector_url,
        tls_line: tls::describe(material.as_ref(), &ca_origin),
        warnings,
    })
}

/// The host of a checked sink URL (an IPv6 literal keeps its brackets).
fn sink_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(end) = authority.find(']') {
        return &authority[..=end];
    }
    authority.split(':').next().unwrap_or(authority)
}

/// The one-component scenario the topology's builder reads: the CRM and its agents, SSL.
fn as_scenario(
    file: &ConfigFile,
    c: &CrmFile,
    tls_on: bool,
    options: &certs::TlsOptions,
) -> Result<Scenario, ScenarioError> {
    let a = &c.agents;
    let mut s = config::base_scenario(file)?;
    s.run.seed = c.seed;
    s.server = c.server.clone();
    s.run.logon = a.logon;
    s.tls = TlsSection {
        enabled: tls_on,
        versions: options.versions,
        key_exchange: options.key_exchange,
        requests: c.requests.mode,
        ..s.tls
    };
    // Field by field: keys added to scenarios later keep their defaults.
    s.crm.agents = a.count;
    s.crm.instances = 1;
    s.crm.host = sink_host(&c.sink_url).to_owned();
    s.crm.material_dir = c.material_dir.clone();
    if let Some(path) = &c.dialect {
        let d = config::load_dialect(file, path)?;
        s.dialects.crm = d.clone();
        s.dialects.connector = d;
    }
    s.crm.client_certificate = c.requests.client_certificate;
    s.crm.login_type = a.login_type;
    s.crm.ring_delay = a.ring_delay;
    s.crm.talk_time = a.talk_time;
    s.crm.wrap_up = a.wrap_up;
    s.crm.not_ready_ratio = a.not_ready_ratio;
    s.crm.not_ready_reasons = a.not_ready_reasons.clone();
    s.crm.not_ready_time = a.not_ready_time;
    s.crm.outbound_ratio = a.outbound_ratio;
    s.crm.heartbeat = a.heartbeat;
    s.crm.watchdog = a.watchdog;
    s.crm.user_header = c.requests.user_header.clone();
    s.crm.request_timeout = c.requests.timeout;
    s.crm.connections = c.requests.connections;
    s.calls.hangup = a.hangup;
    Ok(s)
}

fn default_name() -> String {
    "crm".to_owned()
}

fn default_logoff_timeout() -> Duration {
    Duration::from_secs(10)
}
