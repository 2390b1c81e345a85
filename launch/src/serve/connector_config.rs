//! The config file of `crmsim serve connector`, key by key. A commented example ships as
//! `examples/serve-connector.toml`.
//!
//! TLS comes from EITHER `config_dir`, a connector install folder exactly as the connector
//! guide lays it out (`CRMConnectorSAP_<name>.ini` with `TpiDllParameter=SSL` or
//! `SSL PROXY=<ip>:<port>`, `ssl.ini`, the PEM files), OR a `[tls]` table naming PEM files.
//! With a folder, `[tls]` may still set the protocol (versions, key exchange, resumption),
//! which `ssl.ini` does not say.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sim_connector::ConnectorConfig;
use transport::ConnectionMode;

use super::config::{self, ConfigFile, Hosts, TlsTable};
use super::tls;
use harness::topology::{SideMaterial, configs};
use scenario::duration;
use scenario::{
    CallsSection, ConnectorSection, Scenario, ScenarioError, ServerSection, TlsSection,
};

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
    #[serde(default = "config::default_seed")]
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

/// A connector ready to start, and what its start line says.
pub struct ConnectorPlan {
    /// The simulator's config, built from the file.
    pub config: ConnectorConfig,
    /// Calls per second from the start.
    pub rate: f64,
    /// Stop after this long; `None`: at Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// `TLS on (certificate …, trusts … from …)`.
    pub tls_line: String,
    /// Problems that do not stop the start but will show (said on stderr).
    pub warnings: Vec<String>,
    /// The endpoint path is the dialect's (the file sets no `path`), so another dialect given
    /// on the command line moves it.
    pub path_from_dialect: bool,
}

impl ConnectorPlan {
    /// Speaks `dialect` instead of the file's (`--dialect`).
    pub fn set_dialect(&mut self, dialect: std::sync::Arc<ici::Dialect>) {
        if self.path_from_dialect {
            self.config.path = dialect.connector_path().to_owned();
        }
        self.config.dialect = dialect;
    }
}

/// Reads and checks the file, loads the material it names, and builds the connector's config.
pub fn load(path: &Path) -> Result<ConnectorPlan, ScenarioError> {
    let file = ConfigFile::read(path)?;
    let parsed = parse(&file)?;
    plan(&file, &parsed)
}

/// Parses and checks the text, without touching the files it names.
pub fn parse(file: &ConfigFile) -> Result<ConnectorFile, ScenarioError> {
    let c: ConnectorFile = file.parse()?;
    if c.name.trim().is_empty() {
        return Err(file.error_at(&["name"], "give the connector a name"));
    }
    if let Some((key, why)) = c.server.problem() {
        return Err(file.error_at(&["server", key], why));
    }
    if c.path.as_ref().is_some_and(|p| !p.starts_with('/')) {
        return Err(file.error_at(&["path"], "the endpoint path must start with '/'"));
    }
    if !(c.calls.rate.is_finite() && c.calls.rate >= 0.0) {
        return Err(file.error_at(
            &["calls", "rate"],
            format!("{} calls/s: give 0 or a positive rate", c.calls.rate),
        ));
    }
    if let Err(e) = format!("{:0<13}", c.calls.ani_prefix).parse::<ici::E164>() {
        return Err(file.error_at(
            &["calls", "ani_prefix"],
            format!("not the start of an E.164 number: {e}"),
        ));
    }
    if !(1..=4096).contains(&c.events.connections) {
        return Err(file.error_at(
            &["events", "connections"],
            format!("{} connections: give 1 to 4096", c.events.connections),
        ));
    }
    if let Some(t) = c.acd.login_type {
        config::check_login_type(file, &["acd", "login_type"], t)?;
    }
    let reason: Vec<u16> = c.acd.ring_no_answer_reason.into_iter().collect();
    config::check_reasons(file, &["acd", "ring_no_answer_reason"], &reason)?;
    config::check_hosts(file, &["events", "hosts"], &c.events.hosts)?;
    if c.duration.is_some_and(|d| d.is_zero()) {
        return Err(file.error_at(
            &["duration"],
            "must be above 0s (leave it out to run until stopped)",
        ));
    }
    if c.config_dir.is_none() {
        tls::check_table(file, c.tls.as_ref(), "config_dir")?;
    } else {
        tls::protocol_only(file, c.tls.as_ref(), "config_dir")?;
        if c.events.proxy_route.is_some() {
            return Err(file.error_at(
                &["events", "proxy_route"],
                "with config_dir, the folder's TpiDllParameter says the route (SSL PROXY=<ip>:<port>); remove events.proxy_route",
            ));
        }
    }
    Ok(c)
}

/// What the folder (or `[tls]`) yields besides the rest of the file.
struct Material {
    side: Option<SideMaterial>,
    ca_origin: String,
    proxy_route: Option<SocketAddr>,
    login_type: Option<u8>,
}

fn plan(file: &ConfigFile, c: &ConnectorFile) -> Result<ConnectorPlan, ScenarioError> {
    let mut warnings = Vec::new();
    let material = match &c.config_dir {
        Some(dir) => from_folder(file, c, dir)?,
        None => {
            let loaded = tls::from_table(file, c.tls.as_ref(), "config_dir")?;
            let (side, ca_origin) = match loaded {
                Some((side, origin)) => (Some(side), origin),
                None => (None, String::new()),
            };
            Material {
                side,
                ca_origin,
                proxy_route: c.events.proxy_route,
                login_type: None,
            }
        }
    };
    let login_type = match (material.login_type, c.acd.login_type) {
        (Some(folder), Some(table)) if folder != table => {
            warnings.push(format!(
                "the connector folder's AgentLoginType={folder} is used; acd.login_type = {table} is ignored"
            ));
            folder
        }
        (folder, table) => folder.or(table).unwrap_or(0),
    };
    if let Some(m) = &material.side {
        warnings.extend(tls::date_warnings(&m.identity));
    }
    if !c.calls.ramp.is_zero() {
        // The generator here takes one rate at a time; a ramp needs the in-process contact
        // center's rate curve. Said rather than silently dropped.
        warnings.push(format!(
            "calls.ramp = {:?} is not applied by a served connector: calls are offered at calls.rate from the start",
            scenario::show_duration(c.calls.ramp)
        ));
    }
    let options = c.tls.as_ref().map(TlsTable::options).unwrap_or_default();
    let side_tls = match &material.side {
        Some(m) => Some(tls::configs(file, m, &c.name, &options, false)?),
        None => None,
    };
    let scenario = as_scenario(file, c, side_tls.is_some(), &options)?;
    let mut config = configs::connector_config(
        &scenario,
        &c.name,
        c.listen,
        side_tls.as_ref(),
        login_type,
        config::resolve_list(&c.events.hosts),
        material.proxy_route,
    );
    config.path = c
        .path
        .clone()
        .unwrap_or_else(|| config.dialect.connector_path().to_owned());
    let mut tls_line = tls::describe(material.side.as_ref(), &material.ca_origin);
    if let Some(route) = material.proxy_route {
        tls_line.push_str(&format!(", events via the static route {route}"));
    }
    Ok(ConnectorPlan {
        config,
        rate: c.calls.rate,
        duration: c.duration,
        tls_line,
        warnings,
        path_from_dialect: c.path.is_none(),
    })
}

/// The connector install folder: SSL on/off, certificates, the static route, the login type.
fn from_folder(
    file: &ConfigFile,
    c: &ConnectorFile,
    dir: &Path,
) -> Result<Material, ScenarioError> {
    let key = ["config_dir"];
    let dir = file.folder(
        &key,
        dir,
        "a connector install folder (ssl.ini, CRMConnectorSAP_<name>.ini, PEM files), e.g. the connector/ folder `crmsim certs new` writes",
    )?;
    let folder = certs::folder::load_connector_folder(&dir).map_err(|e| {
        file.error_at(
            &key,
            format!("{e}; `crmsim certs check {}` says more", dir.display()),
        )
    })?;
    let ini = folder.connector_ini.path.display().to_string();
    let proxy_route = match &folder.tpi.proxy {
        None => None,
        Some((host, port)) => {
            let ip = host
                .parse()
                .ok()
                .or_else(|| c.events.hosts.get(host).copied())
                .ok_or_else(|| {
                    file.error_at(
                        &key,
                        format!(
                            "{ini}: TpiDllParameter PROXY={host}:{port}: give an IP address there, or map {host:?} in [events.hosts]"
                        ),
                    )
                })?;
            Some(SocketAddr::new(ip, *port))
        }
    };
    let login_type = match &folder.connector_ini.agent_login_type {
        None => None,
        Some(l) => {
            let value = l.value.trim();
            match value.parse::<u8>() {
                Ok(t) if [0, 1, 2, 5].contains(&t) => Some(t),
                _ => {
                    return Err(file.error_at(
                        &key,
                        format!(
                            "{ini}: AgentLoginType={value} is not one the connector documents (0, 1, 2 or 5)"
                        ),
                    ));
                }
            }
        }
    };
    let ca_origin = folder
        .ssl
        .as_ref()
        .map(|s| match &s.ca_file {
            Some(ca) => format!("CA_FILE={} of {}", ca.value, s.path.display()),
            None => s.path.display().to_string(),
        })
        .unwrap_or_default();
    let side = folder.tls.map(|(identity, peer_roots)| SideMaterial {
        identity,
        peer_roots,
    });
    Ok(Material {
        side,
        ca_origin,
        proxy_route,
        login_type,
    })
}

/// The one-component scenario the topology's builder reads: the connector, its calls, SSL.
fn as_scenario(
    file: &ConfigFile,
    c: &ConnectorFile,
    tls_on: bool,
    options: &certs::TlsOptions,
) -> Result<Scenario, ScenarioError> {
    let mut s = config::base_scenario(file)?;
    s.run.seed = c.seed;
    s.server = c.server.clone();
    s.tls = TlsSection {
        enabled: tls_on,
        versions: options.versions,
        key_exchange: options.key_exchange,
        events: c.events.mode,
        ..s.tls
    };
    s.connector = ConnectorSection {
        config_dir: c.config_dir.clone(),
        wrap_up_timer: c.acd.wrap_up_timer,
        wrap_up: c.acd.wrap_up,
        ring_no_answer: c.acd.ring_no_answer,
        ring_no_answer_reason: c.acd.ring_no_answer_reason,
        session_timeout: c.acd.session_timeout,
        event_retries: c.events.retries,
        event_timeout: c.events.timeout,
        event_connections: c.events.connections,
        ..s.connector
    };
    s.calls = c.calls.clone();
    if let Some(path) = &c.dialect {
        let d = config::load_dialect(file, path)?;
        s.dialects.crm = d.clone();
        s.dialects.connector = d;
    }
    Ok(s)
}

fn default_name() -> String {
    "connector".to_owned()
}
