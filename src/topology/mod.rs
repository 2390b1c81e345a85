//! Building a deployment in one process: PKI, connector(s), CRM(s), wired by host names.
//!
//! Components find each other by the names their certificates carry (`crm.crmsim.test`,
//! `connector.crmsim.test`); each client maps those names to the loopback address of the
//! component, as `/etc/hosts` would, so TLS verifies names exactly as in a real installation.

mod loopback;
mod material;

use std::net::SocketAddr;
use std::time::Duration;

use certs::{PartySpec, PkiSpec, TlsOptions};
use sim_connector::acd::AcdConfig;
use sim_connector::arrivals::ArrivalConfig;
use sim_connector::events::EventDelivery;
use sim_connector::{Connector, ConnectorConfig};
use sim_crm::{AgentsConfig, CmsProfile, Crm, CrmConfig, HeartbeatConfig, LogonPlan};
use transport::ClientOptions;

pub use loopback::Loopback;
pub use material::{MaterialError, SideMaterial, SideTls};

use crate::scenario::{Hangup, LoadedScenario, Logon, Scenario};

/// A running deployment.
pub struct Topology {
    pub crms: Vec<Crm>,
    pub connectors: Vec<Connector>,
    /// The run's TLS material (None with SSL off), e.g. for tests that dial the components.
    pub pki: Option<RunPki>,
}

/// The deployment could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("generating the run's PKI failed: {0}")]
    Pki(#[source] Box<certs::CertError>),
    #[error("{0}")]
    Material(#[from] MaterialError),
    #[error("starting {name} failed: {message}")]
    Start { name: String, message: String },
    #[error("{0}")]
    Unsupported(String),
}

/// TLS material for the CRM side and each connector side, in the scenario's model.
pub struct RunPki {
    pub crm: SideMaterial,
    pub connectors: Vec<SideMaterial>,
}

/// Generates the throw-away PKI of a run: one CRM certificate (with every CRM instance's name),
/// one certificate per connector side.
pub fn generate_pki(
    s: &Scenario,
    crm_hosts: &[String],
    connector_hosts: &[String],
) -> Result<RunPki, BuildError> {
    let party = |name: &str, hosts: &[String]| {
        let mut spec = PartySpec::new(name, &hosts[0]);
        spec.extra_sans = hosts[1..].to_vec();
        spec
    };
    let spec = PkiSpec {
        layout: s.tls.layout,
        key: s.tls.key,
        validity_days: 30,
        crm: party("crm", crm_hosts),
        connectors: connector_hosts
            .iter()
            .enumerate()
            .map(|(i, h)| party(&format!("connector-{i}"), std::slice::from_ref(h)))
            .collect(),
    };
    let pki = certs::generate(&spec).map_err(|e| BuildError::Pki(Box::new(e)))?;
    Ok(RunPki {
        crm: SideMaterial::from(&pki.crm),
        connectors: pki.connectors.iter().map(SideMaterial::from).collect(),
    })
}

/// Host name of CRM instance `i`: the configured name, then `crm-2.<domain>`…
pub fn crm_host(base: &str, instance: usize) -> String {
    if instance == 0 {
        return base.to_owned();
    }
    match base.split_once('.') {
        Some((first, rest)) => format!("{first}-{}.{rest}", instance + 1),
        None => format!("{base}-{}", instance + 1),
    }
}

/// Builds and starts the scenario's deployment on loopback addresses.
pub async fn build(loaded: &LoadedScenario) -> Result<Topology, BuildError> {
    let s = &loaded.scenario;
    if loaded.scenario.connector.config_dir.is_some() {
        return Err(BuildError::Unsupported(
            "connector.config_dir is not supported by this build yet".to_owned(),
        ));
    }
    let mut loopback = Loopback::new();
    let crm_hosts: Vec<String> = (0..s.crm.instances)
        .map(|i| crm_host(&s.crm.host, i))
        .collect();
    let connector_hosts = vec![s.connector.host.clone()];
    let tls_options = TlsOptions {
        versions: s.tls.versions,
        key_exchange: s.tls.key_exchange,
        resumption: true,
    };
    let pki = if s.tls.enabled {
        Some(generate_pki(s, &crm_hosts, &connector_hosts)?)
    } else {
        None
    };
    let crm_tls = match &pki {
        Some(p) => Some(p.crm.configs("crm", &tls_options)?),
        None => None,
    };
    let connector_tls = match &pki {
        Some(p) => Some(p.connectors[0].configs("connector", &tls_options)?),
        None => None,
    };

    let crm_ips: Vec<SocketAddr> = crm_hosts.iter().map(|_| loopback.next_addr()).collect();
    let connector_listen = loopback.next_addr();
    let connector = start_connector(
        s,
        "connector",
        connector_listen,
        connector_tls.as_ref(),
        crm_hosts
            .iter()
            .cloned()
            .zip(crm_ips.iter().copied())
            .collect(),
    )
    .await?;
    let connector_addr = connector.local_addr();

    let mut crms = Vec::with_capacity(crm_hosts.len());
    for (i, (host, listen)) in crm_hosts.iter().zip(&crm_ips).enumerate() {
        let name = if crm_hosts.len() == 1 {
            "crm".to_owned()
        } else {
            format!("crm-{}", i + 1)
        };
        let cms =
            CmsProfile::for_connector(&s.connector.host, connector_addr.port(), s.tls.enabled);
        let resolve = vec![(s.connector.host.clone(), connector_addr)];
        crms.push(start_crm(s, &name, i, host, *listen, crm_tls.as_ref(), cms, resolve).await?);
    }
    Ok(Topology {
        crms,
        connectors: vec![connector],
        pki,
    })
}

async fn start_connector(
    s: &Scenario,
    name: &str,
    listen: SocketAddr,
    tls: Option<&SideTls>,
    crm_addrs: Vec<(String, SocketAddr)>,
) -> Result<Connector, BuildError> {
    let mut client = ClientOptions::new(
        format!("{name} → crm"),
        tls.map(|t| t.client.clone()),
        s.tls.events,
    );
    client.request_timeout = s.connector.event_timeout;
    client.resolve = crm_addrs;
    let acd = AcdConfig {
        side: name.to_owned(),
        login_type: s.crm.login_type,
        wrap_up: s.connector.wrap_up,
        wrap_up_timer: (!s.connector.wrap_up_timer.is_zero()).then_some(s.connector.wrap_up_timer),
        ring_no_answer: s.connector.ring_no_answer,
        ring_no_answer_reason: s
            .connector
            .ring_no_answer_reason
            .and_then(|c| ici::ReasonCode::new(c).ok()),
        patience: s.calls.patience,
        caller_talk_time: (s.calls.hangup == Hangup::Caller).then_some(s.calls.caller_talk_time),
        outbound_answer: stats::DurationDist::Constant(Duration::from_secs(2)),
        ani_prefix: s.calls.ani_prefix.clone(),
        seed: s.run.seed,
    };
    let config = ConnectorConfig {
        name: name.to_owned(),
        listen,
        path: ici::catalog::CONNECTOR_PATH.to_owned(),
        tls: tls.map(|t| t.server.clone()),
        events: EventDelivery {
            client,
            proxy_route: None,
            retries: s.connector.event_retries,
            retry_backoff: Duration::from_millis(200),
        },
        acd,
        arrivals: ArrivalConfig {
            process: s.calls.arrival,
            only_with_agents: true,
            late_tolerance: s.calls.late_tolerance,
            seed: s.run.seed.wrapping_add(1),
        },
    };
    Connector::start(config)
        .await
        .map_err(|e| BuildError::Start {
            name: name.to_owned(),
            message: e.to_string(),
        })
}

#[allow(clippy::too_many_arguments)]
async fn start_crm(
    s: &Scenario,
    name: &str,
    instance: usize,
    host: &str,
    listen: SocketAddr,
    tls: Option<&SideTls>,
    cms: CmsProfile,
    resolve: Vec<(String, SocketAddr)>,
) -> Result<Crm, BuildError> {
    let scheme = if s.tls.enabled { "https" } else { "http" };
    let mut client = ClientOptions::new(
        format!("{name} → connector"),
        tls.map(|t| t.client.clone()),
        s.tls.requests,
    );
    client.request_timeout = s.crm.request_timeout;
    client.resolve = resolve;
    let offset = instance as u32 * 10_000;
    let agents = AgentsConfig {
        count: s.crm.agents,
        user_prefix: if s.crm.instances == 1 {
            "AGENT".to_owned()
        } else {
            format!("C{}AGENT", instance + 1)
        },
        first_agent_id: 10_001 + offset,
        first_device: 30_001 + offset,
        password: "crmsim".to_owned(),
        login_type: s.crm.login_type,
        ring_delay: s.crm.ring_delay,
        talk_time: (s.calls.hangup == Hangup::Agent).then_some(s.crm.talk_time),
        wrap_up: s.crm.wrap_up,
        not_ready_ratio: s.crm.not_ready_ratio,
        not_ready_reasons: s
            .crm
            .not_ready_reasons
            .iter()
            .filter_map(|c| ici::ReasonCode::new(*c).ok())
            .collect(),
        not_ready_time: s.crm.not_ready_time,
        outbound_ratio: s.crm.outbound_ratio,
        relogon_backoff: Duration::from_secs(1),
        seed: s.run.seed.wrapping_add(100 + instance as u64),
    };
    let config = CrmConfig {
        name: name.to_owned(),
        listen,
        sink_url: format!("{scheme}://{host}:{{port}}{}", ici::catalog::CRM_EVENT_PATH),
        event_path: ici::catalog::CRM_EVENT_PATH.to_owned(),
        tls: tls.map(|t| t.server.clone()),
        cms,
        client,
        user_header: s.crm.user_header.clone(),
        agents,
        heartbeat: HeartbeatConfig {
            interval: (!s.crm.heartbeat.is_zero()).then_some(s.crm.heartbeat),
            watchdog: s.crm.watchdog,
            failures_to_lose: 2,
        },
    };
    let logon = match s.run.logon {
        Logon::Rate(per_second) => LogonPlan::Ramp { per_second },
        Logon::Storm(_) => LogonPlan::Storm,
    };
    Crm::start(config, logon)
        .await
        .map_err(|e| BuildError::Start {
            name: name.to_owned(),
            message: e.to_string(),
        })
}
