//! What a proxy consists of, in HAProxy's terms: frontends (listeners) that hand each connection
//! to a backend, backends with primary and backup servers and a health check, and static routes.
//!
//! The names and meanings follow HAProxy on purpose: integrators know `inter`, `fall`, `rise`,
//! `backup` and `on-marked-down shutdown-sessions`, and a scenario written with them can be
//! checked against a real HAProxy configuration.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::ServerName;

use crate::error::ProxyError;

/// A whole proxy: its name (logs, errors) and its parts.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Used in logs and error messages (`proxy`).
    pub name: String,
    /// Listeners that send each connection to a backend.
    pub frontends: Vec<FrontendConfig>,
    /// Groups of servers with one health check and fail-over policy.
    pub backends: Vec<BackendConfig>,
    /// Fixed port forwards that bypass backends and health checks.
    pub routes: Vec<RouteConfig>,
}

/// A listener whose connections go to one backend (HAProxy `frontend … default_backend`).
#[derive(Debug, Clone)]
pub struct FrontendConfig {
    /// Name of the frontend (`ici`).
    pub name: String,
    /// Where to listen; port 0 picks a free port (see [`crate::Proxy::frontend_addr`]).
    pub listen: SocketAddr,
    /// Name of the [`BackendConfig`] that serves this frontend.
    pub backend: String,
}

/// Servers tried in order, primaries before backups (HAProxy `balance first` with `backup`).
#[derive(Debug, Clone)]
pub struct BackendConfig {
    /// Name of the backend (`connectors`).
    pub name: String,
    /// In order of preference; at least one.
    pub servers: Vec<ServerSpec>,
    /// How every server of this backend is checked.
    pub check: HealthCheck,
    /// What happens to a server's open sessions when it is marked DOWN.
    pub on_marked_down: OnMarkedDown,
    /// What happens to the backups' open sessions when a primary is marked UP.
    pub on_marked_up: OnMarkedUp,
    /// Whether traffic returns to a primary by itself once it is UP again.
    pub failback: Failback,
    /// How long the proxy waits for a server to accept a forwarded connection.
    pub connect_timeout: Duration,
}

impl BackendConfig {
    /// A backend with HAProxy-like defaults: TCP checks ([`HealthCheck::default`]), sessions kept
    /// when a server goes DOWN, automatic fail-back, 5 s connect timeout.
    pub fn new(name: impl Into<String>, servers: Vec<ServerSpec>) -> BackendConfig {
        BackendConfig {
            name: name.into(),
            servers,
            check: HealthCheck::default(),
            on_marked_down: OnMarkedDown::Keep,
            on_marked_up: OnMarkedUp::Keep,
            failback: Failback::Auto,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// One server of a backend: a connector side.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// Name of the server (`connector-a`); unique within its backend.
    pub name: String,
    /// Where the server listens.
    pub addr: SocketAddr,
    /// A backup gets new connections only when no primary can take them (see [`Failback`]).
    pub backup: bool,
    /// A DNS name to resolve again before every health check (HAProxy's `resolvers`): in a
    /// container network a restarted server may come back on another address. `addr` is then
    /// the address found at start, and its port is the one dialled.
    pub host: Option<String>,
}

impl ServerSpec {
    /// A primary (non-backup) server.
    pub fn primary(name: impl Into<String>, addr: SocketAddr) -> ServerSpec {
        ServerSpec {
            name: name.into(),
            addr,
            backup: false,
            host: None,
        }
    }

    /// A backup server.
    pub fn backup(name: impl Into<String>, addr: SocketAddr) -> ServerSpec {
        ServerSpec {
            name: name.into(),
            addr,
            backup: true,
            host: None,
        }
    }
}

/// A server's health check, with HAProxy's names and semantics.
///
/// Every `inter` one probe runs (at most `timeout` long). An UP server goes DOWN after `fall`
/// consecutive failed probes, a DOWN server goes UP after `rise` consecutive passed ones. So a
/// server that dies is marked DOWN at most about `fall × inter + timeout` later.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// What a probe does.
    pub kind: CheckKind,
    /// Time between the starts of two probes.
    pub inter: Duration,
    /// Consecutive failures that take an UP server DOWN (at least 1).
    pub fall: u32,
    /// Consecutive successes that bring a DOWN server UP (at least 1).
    pub rise: u32,
    /// A probe that has not succeeded after this long has failed (`timeout`).
    pub timeout: Duration,
}

impl Default for HealthCheck {
    /// HAProxy's defaults: TCP connect every 2 s, `fall 3`, `rise 2`; the probe timeout is `inter`
    /// as in HAProxy when no `timeout check` is set.
    fn default() -> Self {
        HealthCheck {
            kind: CheckKind::Tcp,
            inter: Duration::from_secs(2),
            fall: 3,
            rise: 2,
            timeout: Duration::from_secs(2),
        }
    }
}

/// What one health probe does.
#[derive(Debug, Clone)]
pub enum CheckKind {
    /// Passes when a TCP connection is accepted (HAProxy `check`).
    Tcp,
    /// Passes when a full TLS handshake completes with the checker's own client certificate and
    /// the server does not refuse it afterwards (HAProxy `check check-ssl` with a `crt`).
    ///
    /// In TLS 1.3 a server announces that it rejects the client certificate only *after* the
    /// client has finished its handshake (alert `certificate_required` or `unknown_ca` on the
    /// first read). So the probe, after the handshake, sends `close_notify` and reads until the
    /// server closes: an alert arriving there fails the probe and is named in the reason.
    ///
    /// Session resumption is switched off for probes whatever `config` says: a resumed session
    /// skips the certificate checks, and a probe must find out whether *this* certificate is still
    /// accepted.
    Tls {
        /// The checker's client configuration: its certificate and key, and the CA(s) it trusts
        /// for the server. Built by the caller; the proxy itself holds no key.
        config: Arc<rustls::ClientConfig>,
        /// The name the server's certificate must carry (SNI and verification).
        server_name: ServerName<'static>,
    },
}

/// HAProxy's `on-marked-down`: what happens to a server's open sessions when it is marked DOWN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnMarkedDown {
    /// Open sessions stay; they end when either end closes them (HAProxy's default).
    #[default]
    Keep,
    /// `shutdown-sessions`: every open session to the server is cut at once, with a TCP reset
    /// toward the client and toward the server, so both ends learn immediately instead of waiting
    /// on a dead peer.
    ShutdownSessions,
}

/// HAProxy's `on-marked-up`: what happens to the backups' open sessions when a primary server
/// is marked UP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnMarkedUp {
    /// Sessions on backups stay until an end closes them (HAProxy's default): clients with
    /// kept-alive connections keep talking to the backup while new ones go to the primary.
    #[default]
    Keep,
    /// `shutdown-backup-sessions`: when a non-backup server is marked UP, every open session to
    /// a backup server is cut (reset), so that all clients move back to the primary together.
    ShutdownBackupSessions,
}

/// Whether traffic goes back to a primary server by itself.
///
/// In both modes a new connection goes to the first UP primary (config order), else to the
/// first UP backup, else nowhere (the client connection is closed). The modes differ only once a
/// backup has become the active server:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Failback {
    /// HAProxy's behaviour: as soon as a primary is UP again, new connections go to it.
    #[default]
    Auto,
    /// Once a backup has become the active server (because no primary was UP), it stays active
    /// for new connections even after a primary is UP again, until [`crate::Proxy::fail_back`] is
    /// called for the backend or that backup goes DOWN. Then the choice is made afresh (and may
    /// stick to a backup again if still no primary is UP). Open sessions are never moved.
    Manual,
}

/// A static route: "the proxy sends data packages, which it receives on port xy, to port xy of
/// the CRM host". No health check, no choice: one fixed target.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    /// Name of the route (`events`).
    pub name: String,
    /// Where the proxy listens.
    pub listen: SocketAddr,
    /// Where it forwards every connection.
    pub target: SocketAddr,
}

impl ProxyConfig {
    /// Checks what [`crate::Proxy::start`] relies on: unique names, every frontend's backend
    /// exists, every backend has servers, and the check settings make sense.
    pub fn validate(&self) -> Result<(), ProxyError> {
        let invalid = |message: String| ProxyError::Config {
            proxy: self.name.clone(),
            message,
        };
        let mut listeners = HashSet::new();
        for f in &self.frontends {
            if !listeners.insert(f.name.as_str()) {
                return Err(invalid(format!(
                    "two frontends or routes are named `{}`",
                    f.name
                )));
            }
            if !self.backends.iter().any(|b| b.name == f.backend) {
                return Err(invalid(format!(
                    "frontend `{}` uses backend `{}`, which is not configured",
                    f.name, f.backend
                )));
            }
        }
        for r in &self.routes {
            if !listeners.insert(r.name.as_str()) {
                return Err(invalid(format!(
                    "two frontends or routes are named `{}`",
                    r.name
                )));
            }
        }
        let mut backends = HashSet::new();
        for b in &self.backends {
            if !backends.insert(b.name.as_str()) {
                return Err(invalid(format!("two backends are named `{}`", b.name)));
            }
            validate_backend(b).map_err(|m| invalid(format!("backend `{}`: {m}", b.name)))?;
        }
        Ok(())
    }
}

fn validate_backend(b: &BackendConfig) -> Result<(), String> {
    if b.servers.is_empty() {
        return Err("has no servers".to_string());
    }
    let mut names = HashSet::new();
    for s in &b.servers {
        if !names.insert(s.name.as_str()) {
            return Err(format!("two servers are named `{}`", s.name));
        }
    }
    let c = &b.check;
    if c.fall == 0 || c.rise == 0 {
        return Err(format!(
            "fall and rise must be at least 1 (fall {}, rise {})",
            c.fall, c.rise
        ));
    }
    if c.inter.is_zero() || c.timeout.is_zero() || b.connect_timeout.is_zero() {
        return Err(format!(
            "inter, check timeout and connect timeout must be above zero (inter {:?}, timeout {:?}, connect timeout {:?})",
            c.inter, c.timeout, b.connect_timeout
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn config() -> ProxyConfig {
        ProxyConfig {
            name: "proxy".into(),
            frontends: vec![FrontendConfig {
                name: "ici".into(),
                listen: addr(0),
                backend: "connectors".into(),
            }],
            backends: vec![BackendConfig::new(
                "connectors",
                vec![
                    ServerSpec::primary("connector-a", addr(1)),
                    ServerSpec::backup("connector-b", addr(2)),
                ],
            )],
            routes: vec![RouteConfig {
                name: "events".into(),
                listen: addr(0),
                target: addr(3),
            }],
        }
    }

    #[test]
    fn a_sound_config_passes() {
        config().validate().unwrap();
    }

    #[test]
    fn an_unknown_backend_is_named() {
        let mut c = config();
        c.frontends[0].backend = "nope".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("frontend `ici` uses backend `nope`"), "{e}");
    }

    #[test]
    fn duplicate_names_and_bad_checks_are_refused() {
        let mut c = config();
        c.routes[0].name = "ici".into();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("named `ici`")
        );

        let mut c = config();
        c.backends[0].servers[1].name = "connector-a".into();
        assert!(c.validate().is_err());

        let mut c = config();
        c.backends[0].check.fall = 0;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("backend `connectors`: fall and rise"), "{e}");

        let mut c = config();
        c.backends[0].servers.clear();
        assert!(c.validate().unwrap_err().to_string().contains("no servers"));
    }
}
