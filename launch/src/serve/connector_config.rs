//! The config file of `crmsim serve connector`, key by key. A commented example ships as
//! `examples/serve-connector.toml`.
//!
//! TLS comes from EITHER `config_dir`, a connector install folder exactly as the connector
//! guide lays it out (`CRMConnectorSAP_<name>.ini` with `TpiDllParameter=SSL` or
//! `SSL PROXY=<ip>:<port>`, `ssl.ini`, the PEM files), OR a `[tls]` table naming PEM files.
//! With a folder, `[tls]` may still set the protocol (versions, key exchange, resumption),
//! which `ssl.ini` does not say.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use sim_connector::ConnectorConfig;

use super::config::{self, ConfigFile, TlsTable};
use super::tls;
use harness::topology::SideMaterial;
pub use plan::connector::{AcdTable, ConnectorFile, EventsTable};
use scenario::ScenarioError;

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
    let dialect = match &c.dialect {
        Some(path) => config::load_dialect(file, path)?,
        None => ici::Dialect::builtin(),
    };
    let config = c.start(side_tls.as_ref(), dialect, login_type, material.proxy_route);
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
