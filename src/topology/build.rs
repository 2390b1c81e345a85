//! Building the three deployments of the connector guide on loopback addresses.
//!
//! Everything that listens is bound first, so that every address is known before anything
//! starts: the proxy's static route must listen on the CRM's port, the connectors must know the
//! route, the CRM must know the proxy's port. Then components start in an order where each finds
//! its peers: connectors, proxy, relays, CRMs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use certs::TlsOptions;
use proxy::{
    BackendConfig, CheckKind, FrontendConfig, HealthCheck, ProxyConfig, Relay, RouteConfig,
    ServerSpec,
};
use rustls_pki_types::ServerName;
use sim_connector::Connector;
use sim_crm::{CmsProfile, Crm};
use tokio::net::TcpListener;

use super::configs::{connector_config, crm_config};
use super::engine::{CheckerPem, EngineSpec};
use super::material::{self, Names};
use super::{BuildError, ConnectorSlot, CrmSlot, Loopback, ProxySlot, Topology};
use scenario::{self, Deployment, LoadedScenario, Scenario};

/// The frontend the CRM dials, the backend of connector sides, the static route.
pub const FRONTEND: &str = "ici";
pub const BACKEND: &str = "connectors";
pub const ROUTE: &str = "events";

/// Builds and starts the scenario's deployment. `keep_pki`: write the generated certificates
/// there (as `crmsim certs new` would) instead of a scratch folder.
pub async fn build(
    loaded: &LoadedScenario,
    keep_pki: Option<&Path>,
) -> Result<Topology, BuildError> {
    let s = &loaded.scenario;
    let proxied = s.run.deployment != Deployment::Direct;
    let static_route = s.run.deployment == Deployment::ProxyStaticRoute;
    if static_route && s.crm.instances > 1 {
        return Err(BuildError::Unsupported(
            "the static route forwards one port to one CRM (TpiDllParameter has one PROXY=); use one CRM instance".to_owned(),
        ));
    }
    let side_names: Vec<String> = if proxied {
        vec!["connector-a".to_owned(), "connector-b".to_owned()]
    } else {
        vec!["connector".to_owned()]
    };
    let side_hosts: Vec<String> = if proxied {
        s.connector.side_hosts.clone()
    } else {
        vec![s.connector.host.clone()]
    };
    let names = Names {
        crm_host: &s.crm.host,
        side_hosts: &side_hosts,
        service_host: proxied.then_some(s.connector.host.as_str()),
        proxy_host: &s.proxy.host,
    };
    let (pki, mut settings) = material::load(loaded, &names, keep_pki)?;
    match (&settings.proxy_route, static_route) {
        (Some((host, port)), false) => {
            return Err(BuildError::Unsupported(format!(
                "the connector folder routes events via a proxy (TpiDllParameter ... PROXY={host}:{port}); the {} deployment sends them directly: use proxy-static-route or remove PROXY=",
                s.run.deployment.as_str()
            )));
        }
        (Some((host, port)), true) => settings.warnings.push(format!(
            "TpiDllParameter's PROXY={host}:{port} is replaced by the in-process proxy's static route"
        )),
        _ => {}
    }
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let login_type = settings.login_type.unwrap_or(s.crm.login_type);
    let tls = TlsOptions {
        versions: s.tls.versions,
        key_exchange: s.tls.key_exchange,
        resumption: true,
    };
    // A server whose clients do a full handshake per message issues no tickets.
    let full = |mode| mode == transport::ConnectionMode::NewConnectionFull;
    let crm_tls = match &pki {
        Some(p) if s.crm.client_certificate => Some(p.crm.configs("crm", &tls)?),
        Some(p) => Some(
            p.crm
                .configs("crm", &tls)?
                .anonymous_client("crm", &p.crm, &tls)?,
        ),
        None => None,
    }
    .map(|t| {
        if full(s.tls.events) {
            t.without_server_resumption()
        } else {
            t
        }
    });
    let mut side_tls = Vec::new();
    for (i, name) in side_names.iter().enumerate() {
        side_tls.push(
            match &pki {
                Some(p) => Some(p.connectors[i].configs(name, &tls)?),
                None => None,
            }
            .map(|t| {
                if full(s.tls.requests) {
                    t.without_server_resumption()
                } else {
                    t
                }
            }),
        );
    }

    // Addresses: bind everything that listens.
    let mut loopback = Loopback::new();
    let crm_ip = loopback.next_ip();
    let mut crm_listeners = Vec::new();
    for i in 0..s.crm.instances {
        crm_listeners.push(bind(&format!("crm {}", i + 1), SocketAddr::new(crm_ip, 0)).await?);
    }
    let crm_ports: Vec<u16> = crm_listeners.iter().map(|(_, a)| a.port()).collect();
    let mut side_listeners = Vec::new();
    for name in &side_names {
        side_listeners.push(bind(name, loopback.next_addr()).await?);
    }
    let proxy_ip = loopback.next_ip();
    let faulted: Vec<&str> = s.faults.iter().map(|f| f.target.as_str()).collect();
    let mut relays: BTreeMap<String, Vec<Relay>> = BTreeMap::new();

    // Connectors.
    let mut sides = Vec::new();
    for (i, name) in side_names.iter().enumerate() {
        let (listener, addr) = side_listeners.remove(0);
        // Events go to the CRM, through a relay when a fault names this hop.
        let direct_hop = if proxied {
            format!("{name}->crm")
        } else {
            "connector->crm".to_owned()
        };
        let mut crm_target = SocketAddr::new(crm_ip, 0);
        if !static_route && faulted.contains(&direct_hop.as_str()) {
            let relay_ip = loopback.next_ip();
            let mut hop = Vec::new();
            for port in &crm_ports {
                hop.push(
                    relay(
                        &direct_hop,
                        SocketAddr::new(relay_ip, *port),
                        SocketAddr::new(crm_ip, *port),
                    )
                    .await?,
                );
            }
            relays.insert(direct_hop.clone(), hop);
            crm_target = SocketAddr::new(relay_ip, 0);
        }
        let mut route = None;
        if static_route {
            let port = crm_ports[0];
            let to_proxy = format!("{name}->proxy");
            let mut target = SocketAddr::new(proxy_ip, port);
            if faulted.contains(&to_proxy.as_str()) {
                let relay_ip = loopback.next_ip();
                let r = relay(&to_proxy, SocketAddr::new(relay_ip, port), target).await?;
                target = r.local_addr();
                relays.insert(to_proxy, vec![r]);
            }
            route = Some(target);
        }
        let mut config = connector_config(
            s,
            name,
            addr,
            side_tls[i].as_ref(),
            login_type,
            vec![(s.crm.host.clone(), crm_target)],
            route,
        );
        config.listen = addr;
        let connector = Connector::start_on(listener, config.clone())
            .await
            .map_err(|e| start_error(name, e))?;
        sides.push(ConnectorSlot {
            name: name.clone(),
            config,
            running: Some(connector),
            past: Vec::new(),
            past_metrics: Vec::new(),
        });
    }

    // The proxy in front of the sides.
    let proxy = if proxied {
        let config = proxy_config(s, &pki, &sides, proxy_ip, crm_ip, &crm_ports, &tls)?;
        let engine = match s.proxy.engine {
            scenario::ProxyEngine::Embedded => EngineSpec::Embedded,
            scenario::ProxyEngine::Haproxy => {
                let tls12 = s.tls.versions != certs::TlsVersions::Tls13;
                let checker = pki.as_ref().map(|p| CheckerPem::new(&p.checker));
                EngineSpec::haproxy(checker.as_ref(), tls12).map_err(|e| start_error("proxy", e))?
            }
        };
        let running = engine
            .start(&config)
            .await
            .map_err(|e| start_error("proxy", e))?;
        // Fixed addresses from now on, so that a restart comes back on the same ports.
        let mut config = running.config().cloned().unwrap_or(config);
        for f in &mut config.frontends {
            if let Some(addr) = running.frontend_addr(&f.name) {
                f.listen = addr;
            }
        }
        Some(ProxySlot {
            config,
            engine,
            running: Some(running),
            changes: Vec::new(),
            last: None,
        })
    } else {
        None
    };

    // What the CRM dials: the proxy's frontend, or the connector (through a relay if faulted).
    let mut dial = match &proxy {
        Some(slot) => slot
            .running
            .as_ref()
            .and_then(|p| p.frontend_addr(FRONTEND))
            .ok_or_else(|| start_error("proxy", "no frontend address"))?,
        None => sides[0].config.listen,
    };
    if !proxied && faulted.contains(&"crm->connector") {
        let r = relay(
            "crm->connector",
            SocketAddr::new(loopback.next_ip(), dial.port()),
            dial,
        )
        .await?;
        dial = r.local_addr();
        relays.insert("crm->connector".to_owned(), vec![r]);
    }

    // CRMs.
    let mut crms = Vec::new();
    for (i, (listener, addr)) in crm_listeners.into_iter().enumerate() {
        let name = if s.crm.instances == 1 {
            "crm".to_owned()
        } else {
            format!("crm-{}", i + 1)
        };
        let cms = CmsProfile::for_connector(
            &s.connector.host,
            dial.port(),
            s.tls.enabled,
            s.dialects.crm.connector_path(),
        );
        let resolve = vec![(s.connector.host.clone(), dial)];
        let (mut config, logon) = crm_config(
            s,
            &name,
            i,
            addr,
            crm_tls.as_ref(),
            login_type,
            cms,
            resolve,
        );
        config.listen = addr;
        let crm = Crm::start_on(listener, config.clone(), logon)
            .await
            .map_err(|e| start_error(&name, e))?;
        crms.push(CrmSlot {
            name,
            config,
            logon,
            running: Some(crm),
            past: Vec::new(),
            past_metrics: Vec::new(),
        });
    }
    Ok(Topology {
        crms,
        sides,
        proxy,
        relays,
        pki,
        warnings: settings.warnings,
        working: false,
    })
}

/// The reverse proxy of a proxy deployment, in HAProxy's terms.
#[allow(clippy::too_many_arguments)]
fn proxy_config(
    s: &Scenario,
    pki: &Option<material::RunPki>,
    sides: &[ConnectorSlot],
    proxy_ip: std::net::IpAddr,
    crm_ip: std::net::IpAddr,
    crm_ports: &[u16],
    tls: &TlsOptions,
) -> Result<ProxyConfig, BuildError> {
    let kind = match (s.proxy.check, pki) {
        (scenario::ProxyCheck::Tls, Some(pki)) => {
            let checker = pki.checker.configs("proxy checker", tls)?;
            let server_name = ServerName::try_from(s.connector.host.clone()).map_err(|e| {
                BuildError::Unsupported(format!("connector host {:?}: {e}", s.connector.host))
            })?;
            CheckKind::Tls {
                config: Arc::new(checker.client.config),
                server_name,
            }
        }
        _ => CheckKind::Tcp,
    };
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
        kind,
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
        crm_ports
            .iter()
            .map(|port| RouteConfig {
                name: ROUTE.to_owned(),
                listen: SocketAddr::new(proxy_ip, *port),
                target: SocketAddr::new(crm_ip, *port),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ProxyConfig {
        name: "proxy".to_owned(),
        frontends: vec![FrontendConfig {
            name: FRONTEND.to_owned(),
            listen: SocketAddr::new(proxy_ip, 0),
            backend: BACKEND.to_owned(),
        }],
        backends: vec![backend],
        routes,
    })
}

async fn bind(name: &str, addr: SocketAddr) -> Result<(TcpListener, SocketAddr), BuildError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| start_error(name, format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| start_error(name, e))?;
    Ok((listener, bound))
}

async fn relay(hop: &str, listen: SocketAddr, target: SocketAddr) -> Result<Relay, BuildError> {
    Relay::start(hop, listen, target)
        .await
        .map_err(|e| start_error(&format!("relay {hop}"), e))
}

fn start_error(name: &str, e: impl std::fmt::Display) -> BuildError {
    BuildError::Start {
        name: name.to_owned(),
        message: e.to_string(),
    }
}
