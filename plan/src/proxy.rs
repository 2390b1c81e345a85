//! The config file of `crmsim serve proxy`, key by key (a commented example ships as
//! `examples/serve-proxy.toml`), built from a scenario, and read into the proxy's config.
//!
//! It says in TOML what an HAProxy `haproxy.cfg` says for the connector guide's failover
//! deployments, with HAProxy's names: `[[frontend]]` (listen, default backend), `[[backend]]`
//! (servers with `backup`, a health check with `inter`/`fall`/`rise`, `on_marked_down`,
//! `on_marked_up`, fail-back) and `[[route]]` (the static route for events: listen on port xy,
//! forward to port xy of the CRM host).
//!
//! Servers and route targets are `host:port`: in a container network, or behind a customer's
//! DNS, names are what operators know. Resolving them is the launcher's (`serve proxy` retries
//! until `resolve_timeout`, because in a topology that starts all at once the peers' names may
//! appear a moment after the proxy's); [`ProxyFile::config`] takes them resolved.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use proxy::{
    BackendConfig, CheckKind, Failback, FrontendConfig, HealthCheck, OnMarkedDown, OnMarkedUp,
    ProxyConfig, RouteConfig, ServerSpec,
};
use rustls_pki_types::ServerName;
use serde::{Deserialize, Serialize};

use crate::common::TlsTable;
use scenario::duration;
use scenario::{Deployment, ProxyCheck, ProxyEngine, Scenario};

/// The frontend the CRM dials.
pub const FRONTEND: &str = "ici";
/// The backend of connector sides (A active, B backup).
pub const BACKEND: &str = "connectors";
/// The static route of events.
pub const ROUTE: &str = "events";

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

/// Where the proxy listens and what it forwards to: what its launcher decides, not the
/// scenario.
#[derive(Debug, Clone)]
pub struct ProxyPlace {
    /// Where the frontend the CRM dials listens.
    pub frontend: SocketAddr,
    /// The connector sides in order (A, then B as backup): name and `host:port`.
    pub servers: Vec<(String, String)>,
    /// The static route (proxy-static-route only): where it listens ("port xy") and the CRM's
    /// `host:port` it forwards to.
    pub route: Option<(SocketAddr, String)>,
    /// The checker's certificate, key and CA as files, for a launcher that works from files
    /// (`None`: SSL off, or material handed over in memory).
    pub checker: Option<TlsTable>,
    /// The name the sides' certificates must carry for a TLS check: the one the CRM dials.
    pub server_name: String,
}

impl ProxyFile {
    /// The proxy at `place` as the scenario describes it: its engine, health check and
    /// fail-over rules in front of the sides, and the static route when the deployment has one.
    pub fn for_scenario(s: &Scenario, place: ProxyPlace) -> ProxyFile {
        let p = &s.proxy;
        // A TLS check needs certificates: with SSL off the proxy can only connect.
        let kind = if s.tls.enabled && p.check == ProxyCheck::Tls {
            CheckKindName::Tls
        } else {
            CheckKindName::Tcp
        };
        let servers = place
            .servers
            .into_iter()
            .enumerate()
            .map(|(i, (name, address))| ServerTable {
                name,
                address,
                backup: i > 0,
            })
            .collect();
        let route = place
            .route
            .filter(|_| s.run.deployment == Deployment::ProxyStaticRoute)
            .map(|(listen, target)| RouteTable {
                name: ROUTE.to_owned(),
                listen,
                target,
            });
        ProxyFile {
            name: "proxy".to_owned(),
            engine: match p.engine {
                ProxyEngine::Embedded => EngineName::Embedded,
                ProxyEngine::Haproxy => EngineName::Haproxy,
            },
            duration: None,
            // Peers' names appear as their containers start, which may take a while.
            resolve_timeout: Duration::from_secs(60),
            tls: place.checker.map(|t| TlsTable { enabled: None, ..t }),
            frontend: vec![FrontendTable {
                name: FRONTEND.to_owned(),
                listen: place.frontend,
                backend: BACKEND.to_owned(),
            }],
            backend: vec![BackendTable {
                name: BACKEND.to_owned(),
                servers,
                check: CheckTable {
                    kind,
                    inter: p.inter,
                    fall: p.fall,
                    rise: p.rise,
                    timeout: p.check_timeout,
                    server_name: (kind == CheckKindName::Tls).then_some(place.server_name),
                },
                on_marked_down: match p.on_marked_down {
                    scenario::OnMarkedDown::Keep => OnMarkedDown::Keep,
                    scenario::OnMarkedDown::ShutdownSessions => OnMarkedDown::ShutdownSessions,
                },
                on_marked_up: match p.on_marked_up {
                    scenario::OnMarkedUp::Keep => OnMarkedUp::Keep,
                    scenario::OnMarkedUp::ShutdownBackupSessions => {
                        OnMarkedUp::ShutdownBackupSessions
                    }
                },
                failback: match p.failback {
                    scenario::Failback::Auto => Failback::Auto,
                    scenario::Failback::Manual => Failback::Manual,
                },
                // A side that does not accept within 2 s is as good as down for a CRM waiting.
                connect_timeout: Duration::from_secs(2),
            }],
            route: route.into_iter().collect(),
        }
    }

    /// The proxy's config this file says, with what its launcher resolved: `checker`, the
    /// health checker's TLS client (used by `check.kind = "tls"`; without it checks only
    /// connect), and `address`, the socket address of each server's and route target's
    /// `host:port` as written.
    pub fn config(
        &self,
        checker: Option<&Arc<rustls::ClientConfig>>,
        mut address: impl FnMut(&str) -> Result<SocketAddr, String>,
    ) -> Result<ProxyConfig, String> {
        let mut backends = Vec::new();
        for b in &self.backend {
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
                    addr: address(&s.address)?,
                    backup: s.backup,
                    host,
                });
            }
            let mut backend = BackendConfig::new(b.name.clone(), servers);
            backend.check = HealthCheck {
                kind: check_kind(b, checker)?,
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
        for r in &self.route {
            routes.push(RouteConfig {
                name: r.name.clone(),
                listen: r.listen,
                target: address(&r.target)?,
            });
        }
        let frontends = self
            .frontend
            .iter()
            .map(|f| FrontendConfig {
                name: f.name.clone(),
                listen: f.listen,
                backend: f.backend.clone(),
            })
            .collect();
        Ok(ProxyConfig {
            name: self.name.clone(),
            frontends,
            backends,
            routes,
        })
    }
}

/// A TLS check handshakes as the checker and verifies the servers' name, as HAProxy's
/// `check-ssl verifyhost` does; without a checker only the port is probed.
fn check_kind(
    b: &BackendTable,
    checker: Option<&Arc<rustls::ClientConfig>>,
) -> Result<CheckKind, String> {
    let (CheckKindName::Tls, Some(config)) = (b.check.kind, checker) else {
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

/// `host:port` → (host, port), with a message saying what is wrong.
pub fn split_host_port(address: &str) -> Result<(&str, u16), String> {
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

fn default_name() -> String {
    "proxy".to_owned()
}
fn default_resolve() -> Duration {
    Duration::from_secs(30)
}
fn default_connect() -> Duration {
    Duration::from_secs(5)
}
