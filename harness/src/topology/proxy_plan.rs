//! The reverse proxy of a proxy deployment, in HAProxy's terms: one frontend the CRM dials, a
//! backend of the connector sides (A active, B backup) with the scenario's health checks and
//! failover rules, and the static route of events when the deployment has one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use certs::TlsOptions;
use proxy::{
    BackendConfig, CheckKind, FrontendConfig, HealthCheck, ProxyConfig, RouteConfig, ServerSpec,
};
use rustls_pki_types::ServerName;
use scenario::{self, Deployment, Scenario};

use super::material::RunPki;
use super::{BuildError, ConnectorSlot};

/// The frontend the CRM dials, the backend of connector sides, the static route.
pub const FRONTEND: &str = "ici";
pub const BACKEND: &str = "connectors";
pub const ROUTE: &str = "events";

/// Where the proxy listens and what it forwards to: known once everything is bound.
pub struct ProxyAddrs<'a> {
    /// The proxy's own loopback address (frontend, and the static route on the CRM's ports).
    pub ip: IpAddr,
    /// The CRMs' address and ports: the static route forwards each port to its CRM.
    pub crm_ip: IpAddr,
    pub crm_ports: &'a [u16],
}

/// The proxy's configuration for the scenario, in front of `sides`.
pub fn proxy_config(
    s: &Scenario,
    pki: &Option<RunPki>,
    sides: &[ConnectorSlot],
    at: &ProxyAddrs<'_>,
    tls: &TlsOptions,
) -> Result<ProxyConfig, BuildError> {
    let servers = sides
        .iter()
        .enumerate()
        .map(|(i, side)| ServerSpec {
            name: side.name.clone(),
            addr: side.config.listen,
            backup: i > 0,
            host: None,
        })
        .collect();
    let mut backend = BackendConfig::new(BACKEND, servers);
    backend.check = HealthCheck {
        kind: check_kind(s, pki, tls)?,
        inter: s.proxy.inter,
        fall: s.proxy.fall,
        rise: s.proxy.rise,
        timeout: s.proxy.check_timeout,
    };
    backend.on_marked_down = match s.proxy.on_marked_down {
        scenario::OnMarkedDown::Keep => proxy::OnMarkedDown::Keep,
        scenario::OnMarkedDown::ShutdownSessions => proxy::OnMarkedDown::ShutdownSessions,
    };
    backend.on_marked_up = match s.proxy.on_marked_up {
        scenario::OnMarkedUp::Keep => proxy::OnMarkedUp::Keep,
        scenario::OnMarkedUp::ShutdownBackupSessions => proxy::OnMarkedUp::ShutdownBackupSessions,
    };
    backend.failback = match s.proxy.failback {
        scenario::Failback::Auto => proxy::Failback::Auto,
        scenario::Failback::Manual => proxy::Failback::Manual,
    };
    backend.connect_timeout = Duration::from_secs(2);
    let routes = if s.run.deployment == Deployment::ProxyStaticRoute {
        at.crm_ports
            .iter()
            .map(|port| RouteConfig {
                name: ROUTE.to_owned(),
                listen: SocketAddr::new(at.ip, *port),
                target: SocketAddr::new(at.crm_ip, *port),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ProxyConfig {
        name: "proxy".to_owned(),
        frontends: vec![FrontendConfig {
            name: FRONTEND.to_owned(),
            listen: SocketAddr::new(at.ip, 0),
            backend: BACKEND.to_owned(),
        }],
        backends: vec![backend],
        routes,
    })
}

/// A TLS check handshakes as the checker identity and verifies the service name, as HAProxy's
/// `check-ssl` does; without certificates only the port is probed.
fn check_kind(
    s: &Scenario,
    pki: &Option<RunPki>,
    tls: &TlsOptions,
) -> Result<CheckKind, BuildError> {
    match (s.proxy.check, pki) {
        (scenario::ProxyCheck::Tls, Some(pki)) => {
            let checker = pki.checker.configs("proxy checker", tls)?;
            let server_name = ServerName::try_from(s.connector.host.clone()).map_err(|e| {
                BuildError::Unsupported(format!("connector host {:?}: {e}", s.connector.host))
            })?;
            Ok(CheckKind::Tls {
                config: Arc::new(checker.client.config),
                server_name,
            })
        }
        _ => Ok(CheckKind::Tcp),
    }
}
