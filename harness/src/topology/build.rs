//! Building the three deployments of the connector guide on loopback addresses.
//!
//! Everything that listens is bound first, so that every address is known before anything
//! starts: the proxy's static route must listen on the CRM's port, the connectors must know the
//! route, the CRM must know the proxy's port. Then components start in an order where each finds
//! its peers: connectors, proxy, relays, CRMs.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use certs::TlsOptions;
use plan::{ConnectorFile, CrmFile, CrmPlace, Hosts, SidePlace};
use proxy::Relay;
use sim_connector::Connector;
use sim_crm::Crm;
use tokio::net::TcpListener;

use super::SideTls;
use super::engine::{CheckerPem, EngineSpec};
use super::material::{self, ConnectorSettings, Names, RunPki};
use super::proxy_plan::{FRONTEND, ProxyAddrs, proxy_config};
use super::{BuildError, ConnectorSlot, CrmSlot, Loopback, ProxySlot, Topology};
use scenario::{self, Deployment, LoadedScenario, Scenario};

/// Builds and starts the scenario's deployment. `keep_pki`: write the generated certificates
/// there (as `crmsim certs new` would) instead of a scratch folder.
pub async fn build(
    loaded: &LoadedScenario,
    keep_pki: Option<&Path>,
) -> Result<Topology, BuildError> {
    let s = &loaded.scenario;
    let shape = Shape::of(s)?;
    let (pki, settings) = material_for(loaded, &shape, keep_pki)?;
    let login_type = settings.login_type.unwrap_or(s.crm.login_type);
    let tls = TlsOptions {
        versions: s.tls.versions,
        key_exchange: s.tls.key_exchange,
        resumption: true,
    };
    let crm_tls = crm_tls(s, &pki, &tls)?;
    let mut wiring = Wiring::bind(s, &shape).await?;
    let sides = start_sides(s, &shape, &mut wiring, &pki, &tls, login_type).await?;
    let proxy = if shape.proxied {
        Some(start_proxy(s, &pki, &sides, &wiring, &tls).await?)
    } else {
        None
    };
    let dial = wiring.crm_dial(&shape, proxy.as_ref(), &sides).await?;
    let crm_listeners = std::mem::take(&mut wiring.crm_listeners);
    let crms = start_crms(s, crm_listeners, dial, crm_tls.as_ref(), login_type).await?;
    Ok(Topology {
        crms,
        sides,
        proxy,
        relays: wiring.relays,
        pki,
        warnings: settings.warnings,
        working: false,
    })
}

/// Which deployment: the connector sides' names and hosts, and whether a proxy stands in front.
struct Shape {
    proxied: bool,
    static_route: bool,
    side_names: Vec<String>,
    side_hosts: Vec<String>,
}

impl Shape {
    fn of(s: &Scenario) -> Result<Shape, BuildError> {
        let proxied = s.run.deployment != Deployment::Direct;
        let static_route = s.run.deployment == Deployment::ProxyStaticRoute;
        if static_route && s.crm.instances > 1 {
            return Err(BuildError::Unsupported(
                "the static route forwards one port to one CRM (TpiDllParameter has one PROXY=); use one CRM instance".to_owned(),
            ));
        }
        let (side_names, side_hosts) = if proxied {
            (
                vec!["connector-a".to_owned(), "connector-b".to_owned()],
                s.connector.side_hosts.clone(),
            )
        } else {
            (vec!["connector".to_owned()], vec![s.connector.host.clone()])
        };
        Ok(Shape {
            proxied,
            static_route,
            side_names,
            side_hosts,
        })
    }
}

/// The run's certificates (generated, or the customer's folders) and what the connector's ini
/// files say; a `PROXY=` route that contradicts the deployment is refused.
fn material_for(
    loaded: &LoadedScenario,
    shape: &Shape,
    keep_pki: Option<&Path>,
) -> Result<(Option<RunPki>, ConnectorSettings), BuildError> {
    let s = &loaded.scenario;
    let names = Names {
        crm_host: &s.crm.host,
        side_hosts: &shape.side_hosts,
        service_host: shape.proxied.then_some(s.connector.host.as_str()),
        proxy_host: &s.proxy.host,
    };
    let (pki, mut settings) = material::load(loaded, &names, keep_pki)?;
    match (&settings.proxy_route, shape.static_route) {
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
    Ok((pki, settings))
}

/// The CRM's TLS: its event sink's server side, and its client side with or without a
/// certificate (`crm.client_certificate = false` is the one-way TLS of a misconfigured CRM).
fn crm_tls(
    s: &Scenario,
    pki: &Option<RunPki>,
    tls: &TlsOptions,
) -> Result<Option<SideTls>, BuildError> {
    let Some(p) = pki else { return Ok(None) };
    let configs = p.crm.configs("crm", tls)?;
    let configs = if s.crm.client_certificate {
        configs
    } else {
        p.crm.anonymous_client(&configs, "crm", tls)?
    };
    Ok(Some(configs.for_clients(s.tls.events)))
}

/// Every address the deployment listens on, bound before anything starts, and the fault relays
/// created on the way.
struct Wiring {
    loopback: Loopback,
    crm_ip: IpAddr,
    crm_listeners: Vec<(TcpListener, SocketAddr)>,
    crm_ports: Vec<u16>,
    side_listeners: Vec<(TcpListener, SocketAddr)>,
    proxy_ip: IpAddr,
    /// The hops a fault names: each gets a relay the fault can act on.
    faulted: Vec<String>,
    relays: BTreeMap<String, Vec<Relay>>,
}

impl Wiring {
    async fn bind(s: &Scenario, shape: &Shape) -> Result<Wiring, BuildError> {
        let mut loopback = Loopback::new();
        let crm_ip = loopback.next_ip();
        let mut crm_listeners = Vec::new();
        for i in 0..s.crm.instances {
            crm_listeners.push(bind(&format!("crm {}", i + 1), SocketAddr::new(crm_ip, 0)).await?);
        }
        let crm_ports = crm_listeners.iter().map(|(_, a)| a.port()).collect();
        let mut side_listeners = Vec::new();
        for name in &shape.side_names {
            side_listeners.push(bind(name, loopback.next_addr()).await?);
        }
        let proxy_ip = loopback.next_ip();
        Ok(Wiring {
            loopback,
            crm_ip,
            crm_listeners,
            crm_ports,
            side_listeners,
            proxy_ip,
            faulted: s.faults.iter().map(|f| f.target.clone()).collect(),
            relays: BTreeMap::new(),
        })
    }

    fn is_faulted(&self, hop: &str) -> bool {
        self.faulted.iter().any(|f| f == hop)
    }

    /// Where side `name` sends events directly: the CRMs, or a relay in front of each CRM port
    /// when a fault names the hop.
    async fn events_target(&mut self, name: &str, shape: &Shape) -> Result<SocketAddr, BuildError> {
        let hop = if shape.proxied {
            format!("{name}->crm")
        } else {
            "connector->crm".to_owned()
        };
        if shape.static_route || !self.is_faulted(&hop) {
            return Ok(SocketAddr::new(self.crm_ip, 0));
        }
        let relay_ip = self.loopback.next_ip();
        let mut relays = Vec::new();
        for port in &self.crm_ports {
            let listen = SocketAddr::new(relay_ip, *port);
            relays.push(relay(&hop, listen, SocketAddr::new(self.crm_ip, *port)).await?);
        }
        self.relays.insert(hop, relays);
        Ok(SocketAddr::new(relay_ip, 0))
    }

    /// The static route side `name` sends events to: the proxy on the CRM's port, through a
    /// relay when a fault names the hop.
    async fn route_target(&mut self, name: &str) -> Result<SocketAddr, BuildError> {
        let port = self.crm_ports[0];
        let hop = format!("{name}->proxy");
        let target = SocketAddr::new(self.proxy_ip, port);
        if !self.is_faulted(&hop) {
            return Ok(target);
        }
        let r = relay(&hop, SocketAddr::new(self.loopback.next_ip(), port), target).await?;
        let addr = r.local_addr();
        self.relays.insert(hop, vec![r]);
        Ok(addr)
    }

    /// What the CRM dials: the proxy's frontend, or the connector (through a relay if faulted).
    async fn crm_dial(
        &mut self,
        shape: &Shape,
        proxy: Option<&ProxySlot>,
        sides: &[ConnectorSlot],
    ) -> Result<SocketAddr, BuildError> {
        let dial = match proxy {
            Some(slot) => slot
                .running
                .as_ref()
                .and_then(|p| p.frontend_addr(FRONTEND))
                .ok_or_else(|| start_error("proxy", "no frontend address"))?,
            None => sides[0].config.listen,
        };
        const HOP: &str = "crm->connector";
        if shape.proxied || !self.is_faulted(HOP) {
            return Ok(dial);
        }
        let listen = SocketAddr::new(self.loopback.next_ip(), dial.port());
        let r = relay(HOP, listen, dial).await?;
        let addr = r.local_addr();
        self.relays.insert(HOP.to_owned(), vec![r]);
        Ok(addr)
    }
}

/// Starts the connector sides on their bound listeners, each knowing where to send events.
async fn start_sides(
    s: &Scenario,
    shape: &Shape,
    wiring: &mut Wiring,
    pki: &Option<RunPki>,
    tls: &TlsOptions,
    login_type: u8,
) -> Result<Vec<ConnectorSlot>, BuildError> {
    let mut sides = Vec::new();
    let listeners = std::mem::take(&mut wiring.side_listeners);
    for (i, (name, (listener, addr))) in shape.side_names.iter().zip(listeners).enumerate() {
        let side_tls = match pki {
            Some(p) => Some(
                p.connectors[i]
                    .configs(name, tls)?
                    .for_clients(s.tls.requests),
            ),
            None => None,
        };
        let crm_target = wiring.events_target(name, shape).await?;
        let route = if shape.static_route {
            Some(wiring.route_target(name).await?)
        } else {
            None
        };
        let place = SidePlace {
            name: name.clone(),
            listen: addr,
            hosts: Hosts::from([(s.crm.host.clone(), crm_target.ip())]),
            proxy_route: route,
            config_dir: None,
            dialect: None,
            login_type,
        };
        // The side starts from its value in the plan, as `serve connector` does from its file.
        let file = ConnectorFile::for_scenario(s, place);
        let config = file.start(
            side_tls.as_ref(),
            s.dialects.connector.clone(),
            login_type,
            file.events.proxy_route,
        );
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
    Ok(sides)
}

/// Starts the proxy (embedded or HAProxy) in front of the sides.
async fn start_proxy(
    s: &Scenario,
    pki: &Option<RunPki>,
    sides: &[ConnectorSlot],
    wiring: &Wiring,
    tls: &TlsOptions,
) -> Result<ProxySlot, BuildError> {
    let at = ProxyAddrs {
        ip: wiring.proxy_ip,
        crm_ip: wiring.crm_ip,
        crm_ports: &wiring.crm_ports,
    };
    let config = proxy_config(s, pki, sides, &at, tls)?;
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
    Ok(ProxySlot {
        config,
        engine,
        running: Some(running),
        changes: Vec::new(),
        last: None,
    })
}

/// Starts the CRM instances on their bound listeners, each dialling `dial`.
async fn start_crms(
    s: &Scenario,
    listeners: Vec<(TcpListener, SocketAddr)>,
    dial: SocketAddr,
    crm_tls: Option<&SideTls>,
    login_type: u8,
) -> Result<Vec<CrmSlot>, BuildError> {
    let mut crms = Vec::new();
    for (i, (listener, addr)) in listeners.into_iter().enumerate() {
        let name = if s.crm.instances == 1 {
            "crm".to_owned()
        } else {
            format!("crm-{}", i + 1)
        };
        let place = CrmPlace {
            name: name.clone(),
            instance: i,
            listen: addr,
            host: s.crm.host.clone(),
            dial_host: s.connector.host.clone(),
            dial_port: dial.port(),
            hosts: Hosts::from([(s.connector.host.clone(), dial.ip())]),
            material_dir: None,
            dialect: None,
            login_type,
        };
        // The instance starts from its value in the plan, as `serve crm` does from its file.
        let (config, logon) =
            CrmFile::for_scenario(s, place).start(crm_tls, s.dialects.crm.clone());
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
    Ok(crms)
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
