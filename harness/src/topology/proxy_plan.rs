//! The reverse proxy of a proxy deployment: its value in the deployment plan (one frontend the
//! CRM dials, a backend of the connector sides with the scenario's health checks and failover
//! rules, the static route when the deployment has one), placed on loopback addresses, with the
//! health checker's TLS from the run's material.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use certs::TlsOptions;
use plan::proxy::CheckKindName;
use plan::{ProxyFile, ProxyPlace};
use proxy::ProxyConfig;

use super::material::RunPki;
use super::{BuildError, ConnectorSlot};
use scenario::Scenario;

pub use plan::proxy::{BACKEND, FRONTEND, ROUTE};

/// Where the proxy listens and what it forwards to: known once everything is bound.
pub struct ProxyAddrs<'a> {
    /// The proxy's own loopback address (frontend, and the static route on the CRM's port).
    pub ip: IpAddr,
    /// The CRMs' address and ports: the static route forwards its port to the CRM.
    pub crm_ip: IpAddr,
    /// The CRMs' event ports (one when the deployment has a static route).
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
        .map(|side| (side.name.clone(), side.config.listen.to_string()))
        .collect();
    // The static route listens on the CRM's port on the proxy's address ("port xy"); the
    // builder refuses a static route to several CRMs.
    let route = at.crm_ports.first().map(|port| {
        (
            SocketAddr::new(at.ip, *port),
            SocketAddr::new(at.crm_ip, *port).to_string(),
        )
    });
    let place = ProxyPlace {
        frontend: SocketAddr::new(at.ip, 0),
        servers,
        route,
        // The checker's material is the run's, in memory.
        checker: None,
        server_name: s.connector.host.clone(),
    };
    let file = ProxyFile::for_scenario(s, place);
    // A TLS check handshakes as the checker identity; the file asks for one only with SSL on
    // and `proxy.check = "tls"`, and only then is the checker's config built.
    let wants_tls = file
        .backend
        .iter()
        .any(|b| b.check.kind == CheckKindName::Tls);
    let checker = match pki {
        Some(pki) if wants_tls => Some(Arc::new(
            pki.checker.configs("proxy checker", tls)?.client.config,
        )),
        _ => None,
    };
    // Every address here is written as an address: nothing to look up.
    file.config(checker.as_ref(), |address| {
        address
            .parse()
            .map_err(|e| format!("internal error: {address:?} is not an address: {e}"))
    })
    .map_err(BuildError::Unsupported)
}
