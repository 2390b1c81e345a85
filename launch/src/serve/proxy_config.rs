//! The config file of `crmsim serve proxy`, key by key. A commented example ships as
//! `examples/serve-proxy.toml`.
//!
//! It says in TOML what an HAProxy `haproxy.cfg` says for the connector guide's failover
//! deployments, with HAProxy's names: `[[frontend]]` (listen, default backend), `[[backend]]`
//! (servers with `backup`, a health check with `inter`/`fall`/`rise`, `on_marked_down`,
//! `on_marked_up`, fail-back) and `[[route]]` (the static route for events: listen on port xy,
//! forward to port xy of the CRM host).
//!
//! Servers and route targets are `host:port`: in a container network, or behind a customer's
//! DNS, names are what operators know. They are resolved when the proxy starts, retrying until
//! `resolve_timeout`, because in a topology that starts all at once the peers' names may appear
//! a moment after the proxy's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proxy::{
    BackendConfig, CheckKind, Failback, FrontendConfig, HealthCheck, OnMarkedDown, OnMarkedUp,
    ProxyConfig, RouteConfig, ServerSpec,
};
use rustls_pki_types::ServerName;
use serde::{Deserialize, Serialize};

use super::config::{ConfigFile, TlsTable};
use super::tls;
use harness::topology::engine::CheckerPem;
use scenario::ScenarioError;
use scenario::duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyFile {
    /// Names logs, errors and the report. Default `"proxy"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// `"embedded"` (crmsim's own proxy, default) or `"haproxy"`: the same config rendered to
    /// `haproxy.cfg` and run by HAProxy (on the PATH or `/usr/sbin/haproxy`; the crmsim image
    /// carries it), whose log and admin socket feed the same report.
    #[serde(default)]
    pub engine: EngineName,
    /// Stop after this long; without it, run until Ctrl-C or SIGTERM.
    #[serde(
        default,
        deserialize_with = "duration::de_opt",
        serialize_with = "duration::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
    /// How long to keep retrying the resolution of server and route host names at start.
    /// Default 30 s.
    #[serde(
        default = "default_resolve",
        deserialize_with = "duration::de",
        serialize_with = "duration::ser"
    )]
    pub resolve_timeout: Duration,
    /// The health checker's own client certificate, key and the CA it trusts for the servers
    /// (`cert`, `key`, `ca`, `versions`, `key_exchange`); needed only by `check.kind = "tls"`.
    /// The proxy never uses it for traffic: traffic is passed through, TLS end to end.
    pub tls: Option<TlsTable>,
    /// `[[frontend]]`: the listeners for requests.
    #[serde(default)]
    pub frontend: Vec<FrontendTable>,
    /// `[[backend]]`: the servers frontends hand connections to.
    #[serde(default)]
    pub backend: Vec<BackendTable>,
    /// `[[route]]`: static port routes (events via the proxy).
    #[serde(default)]
    pub route: Vec<RouteTable>,
}

/// `[[frontend]]`: a listener whose connections go to one backend.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontendTable {
    /// Names it in logs, errors and the report.
    pub name: String,
    /// `"0.0.0.0:8443"`; port 0 takes a free one (the start line says which).
    pub listen: SocketAddr,
    /// The `[[backend]]` it hands connections to.
    pub backend: String,
}

/// `[[backend]]`: servers tried in order, primaries before backups.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackendTable {
    /// What frontends name it by (`backend = …`).
    pub name: String,
    /// `{ name = "connector-a", address = "connector-a.example.com:8443" }`, and
    /// `backup = true` for side B.
    pub servers: Vec<ServerTable>,
    /// `[backend.check]`: how the servers are health-checked.
    #[serde(default)]
    pub check: CheckTable,
    /// `"keep"` (default) or `"shutdown-sessions"`.
    #[serde(default)]
    pub on_marked_down: OnMarkedDown,
    /// `"keep"` (default) or `"shutdown-backup-sessions"`.
    #[serde(default)]
    pub on_marked_up: OnMarkedUp,
    /// `"auto"` (default) or `"manual"`.
    #[serde(default)]
    pub failback: Failback,
    /// How long to wait for a server to accept a forwarded connection. Default 5 s.
    #[serde(
        default = "default_connect",
        deserialize_with = "duration::de",
        serialize_with = "duration::ser"
    )]
    pub connect_timeout: Duration,
}

/// One server of a backend.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTable {
    /// Names it in logs, state changes and the report.
    pub name: String,
    /// `host:port` or `ip:port`.
    pub address: String,
    /// A backup (side B): it gets new connections only when no primary can take them.
    #[serde(default)]
    pub backup: bool,
}

/// `[backend.check]`: HAProxy's `check` / `check-ssl`, `inter`, `fall`, `rise`, `timeout check`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckTable {
    /// `"tcp"` (connect only, default) or `"tls"` (a full handshake with the checker's
    /// certificate from `[tls]`).
    pub kind: CheckKindName,
    /// Time between the starts of two checks.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub inter: Duration,
    /// Consecutive failed checks that take an up server down.
    pub fall: u32,
    /// Consecutive successful checks that bring a down server up.
    pub rise: u32,
    /// A check that has not succeeded after this long has failed.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub timeout: Duration,
    /// With `kind = "tls"`: the name the servers' certificates must carry (HAProxy
    /// `verifyhost`). Default: the host part of the first server's address.
    pub server_name: Option<String>,
}

/// `engine`: what runs the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    /// crmsim's own layer-4 proxy; the default.
    #[default]
    Embedded,
    /// HAProxy, run with a `haproxy.cfg` rendered from this file.
    Haproxy,
}

/// `check.kind`: what a health check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKindName {
    /// Connect only; the default.
    #[default]
    Tcp,
    /// A full TLS handshake with the checker's certificate from `[tls]`.
    Tls,
}

impl Default for CheckTable {
    /// HAProxy's defaults (`inter 2s`, `fall 3`, `rise 2`, timeout = inter).
    fn default() -> Self {
        let d = HealthCheck::default();
        CheckTable {
            kind: CheckKindName::Tcp,
            inter: d.inter,
            fall: d.fall,
            rise: d.rise,
            timeout: d.timeout,
            server_name: None,
        }
    }
}

/// `[[route]]`: listen on port xy, forward every connection to `target`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// Names it in logs and the report.
    pub name: String,
    /// Where it listens, on port xy: `"0.0.0.0:9443"`.
    pub listen: SocketAddr,
    /// `host:port` of the CRM's event receiver.
    pub target: String,
}

/// A loaded, checked file: what [`super::run_proxy`] needs before names are resolved.
pub struct ProxyPlan {
    /// The file as parsed.
    pub file: ProxyFile,
    /// The checker's client config, when a backend checks with TLS.
    pub checker: Option<Arc<rustls::ClientConfig>>,
    /// One line on the checker's TLS, for the start line.
    pub tls_line: String,
    /// The checker's material as HAProxy's files hold it.
    pub checker_pem: Option<CheckerPem>,
    /// The checker speaks TLS 1.2 (HAProxy then checks with 1.2, see `check_max_tls12`).
    pub checker_tls12: bool,
    /// The file's path and text, to name it in errors.
    pub source: ConfigFile,
}

/// Reads and checks the file (no network yet).
pub fn load(path: &std::path::Path) -> Result<ProxyPlan, ScenarioError> {
    let source = ConfigFile::read(path)?;
    let file: ProxyFile = source.parse()?;
    if file.frontend.is_empty() && file.route.is_empty() {
        return Err(source.source().error(
            None,
            "nothing to serve: give at least one [[frontend]] (with a [[backend]]) or [[route]]",
        ));
    }
    for (i, b) in file.backend.iter().enumerate() {
        for (j, s) in b.servers.iter().enumerate() {
            split_host_port(&s.address).map_err(|m| {
                source.error_at(&["backend", &i.to_string(), "servers", &j.to_string()], m)
            })?;
        }
    }
    for (i, r) in file.route.iter().enumerate() {
        split_host_port(&r.target)
            .map_err(|m| source.error_at(&["route", &i.to_string(), "target"], m))?;
    }
    let wants_tls = file
        .backend
        .iter()
        .any(|b| b.check.kind == CheckKindName::Tls);
    let (checker, tls_line, checker_pem) = if wants_tls {
        let material = match file.tls {
            Some(_) => tls::from_table(&source, file.tls.as_ref(), "[tls]")?,
            None => None,
        };
        let Some((material, origin)) = material else {
            return Err(source.error_at(
                &["tls", "enabled"],
                "a backend checks with TLS (check.kind = \"tls\"): [tls] must name the checker's cert and ca",
            ));
        };
        let options = file.tls.as_ref().map(TlsTable::options).unwrap_or_default();
        let configs = tls::configs(&source, &material, "proxy checker", &options, false)?;
        let line = format!(
            "TLS checks as {}",
            tls::describe(Some(&material), &origin).trim_start_matches("TLS on ")
        );
        let pem = CheckerPem::new(&material);
        (Some(Arc::new(configs.client.config)), line, Some(pem))
    } else {
        (None, "TCP checks".to_owned(), None)
    };
    let checker_tls12 = file
        .tls
        .as_ref()
        .is_none_or(|t| t.versions != certs::TlsVersions::Tls13);
    Ok(ProxyPlan {
        file,
        checker,
        tls_line,
        checker_pem,
        checker_tls12,
        source,
    })
}

impl ProxyPlan {
    /// Resolves every name (retrying until `resolve_timeout`) and builds the proxy's config.
    pub async fn resolve(&self) -> Result<ProxyConfig, String> {
        let deadline = Instant::now() + self.file.resolve_timeout;
        let mut backends = Vec::new();
        for b in &self.file.backend {
            let mut servers = Vec::new();
            for s in &b.servers {
                let host = split_host_port(&s.address)?.0;
                // A name (not an address) is resolved again before every check.
                let host = host
                    .parse::<std::net::IpAddr>()
                    .is_err()
                    .then(|| host.to_owned());
                servers.push(ServerSpec {
                    name: s.name.clone(),
                    addr: resolve(&s.address, deadline).await?,
                    backup: s.backup,
                    host,
                });
            }
            let mut backend = BackendConfig::new(b.name.clone(), servers);
            backend.check = HealthCheck {
                kind: self.check_kind(b)?,
                inter: b.check.inter,
                fall: b.check.fall,
                rise: b.check.rise,
                timeout: b.check.timeout,
            };
            backend.on_marked_down = b.on_marked_down;
            backend.on_marked_up = b.on_marked_up;
            backend.failback = b.failback;
            backend.connect_timeout = b.connect_timeout;
            backends.push(backend);
        }
        let mut routes = Vec::new();
        for r in &self.file.route {
            routes.push(RouteConfig {
                name: r.name.clone(),
                listen: r.listen,
                target: resolve(&r.target, deadline).await?,
            });
        }
        let frontends = self
            .file
            .frontend
            .iter()
            .map(|f| FrontendConfig {
                name: f.name.clone(),
                listen: f.listen,
                backend: f.backend.clone(),
            })
            .collect();
        Ok(ProxyConfig {
            name: self.file.name.clone(),
            frontends,
            backends,
            routes,
        })
    }

    fn check_kind(&self, b: &BackendTable) -> Result<CheckKind, String> {
        let (CheckKindName::Tls, Some(config)) = (b.check.kind, &self.checker) else {
            return Ok(CheckKind::Tcp);
        };
        let name = match &b.check.server_name {
            Some(n) => n.clone(),
            None => b
                .servers
                .first()
                .and_then(|s| split_host_port(&s.address).ok())
                .map(|(host, _)| host.to_owned())
                .unwrap_or_default(),
        };
        let server_name = ServerName::try_from(name.clone()).map_err(|e| {
            format!(
                "backend `{}`: check.server_name {name:?} is not a host name: {e}",
                b.name
            )
        })?;
        Ok(CheckKind::Tls {
            config: config.clone(),
            server_name,
        })
    }
}

/// `host:port` → (host, port), with a message saying what is wrong.
fn split_host_port(address: &str) -> Result<(&str, u16), String> {
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err(format!(
            "{address:?} is not host:port (e.g. \"connector-a.example.com:8443\")"
        ));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{address:?}: port {port:?} is not a number from 0 to 65535"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("{address:?} has no host"));
    }
    Ok((host, port))
}

/// The first address `host:port` resolves to, retrying until `deadline`: a name that does not
/// resolve yet may be a peer that has not started.
async fn resolve(address: &str, deadline: Instant) -> Result<SocketAddr, String> {
    let (host, port) = split_host_port(address)?;
    loop {
        let why = match tokio::net::lookup_host((host, port)).await {
            Ok(mut addrs) => match addrs.next() {
                Some(a) => return Ok(a),
                None => "no address".to_owned(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "cannot resolve {address}: {why} (kept trying for resolve_timeout; is the name right, is the peer up?)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn default_name() -> String {
    "proxy".to_owned()
}
fn default_resolve() -> Duration {
    Duration::from_secs(30)
}
fn default_connect() -> Duration {
    Duration::from_secs(5)
}
