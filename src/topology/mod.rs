//! Building a deployment in one process: PKI, connector(s), CRM(s), wired by host names.
//!
//! Components find each other by the names their certificates carry (`crm.crmsim.test`,
//! `connector.crmsim.test`); each client maps those names to the loopback address of the
//! component, as `/etc/hosts` would, so TLS verifies names exactly as in a real installation.

mod loopback;
mod material;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use certs::TlsOptions;
use sim_connector::acd::AcdConfig;
use sim_connector::arrivals::ArrivalConfig;
use sim_connector::events::EventDelivery;
use sim_connector::{Connector, ConnectorConfig};
use sim_crm::{AgentsConfig, CmsProfile, Crm, CrmConfig, HeartbeatConfig, LogonPlan};
use transport::ClientOptions;

pub use loopback::Loopback;
pub use material::{ConnectorSettings, MaterialError, RunPki, SideMaterial, SideTls};

use crate::scenario::{Hangup, LoadedScenario, Logon, Scenario};

/// A running deployment.
pub struct Topology {
    pub crms: Vec<Crm>,
    pub connectors: Vec<Connector>,
    /// The run's TLS material (None with SSL off), e.g. for tests that dial the components.
    pub pki: Option<RunPki>,
    /// Problems found while setting up (e.g. a certificate without the dialled name).
    pub warnings: Vec<String>,
}

/// The deployment could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Material(#[from] MaterialError),
    #[error("starting {name} failed: {message}")]
    Start { name: String, message: String },
    #[error("{0}")]
    Unsupported(String),
}

/// Builds and starts the scenario's deployment on loopback addresses. `keep_pki`: write the
/// generated certificates there (as `crmsim certs new` would) instead of a scratch folder.
pub async fn build(
    loaded: &LoadedScenario,
    keep_pki: Option<&Path>,
) -> Result<Topology, BuildError> {
    let s = &loaded.scenario;
    if s.run.deployment != crate::scenario::Deployment::Direct {
        return Err(BuildError::Unsupported(format!(
            "the {} deployment cannot be built yet",
            s.run.deployment.as_str()
        )));
    }
    let mut loopback = Loopback::new();
    let connector_hosts = vec![s.connector.host.clone()];
    let (pki, settings) = material::load(loaded, &s.crm.host, &connector_hosts, keep_pki)?;
    if let Some((host, port)) = &settings.proxy_route {
        return Err(BuildError::Unsupported(format!(
            "the connector folder routes events via a proxy (TpiDllParameter ... PROXY={host}:{port}); the {} deployment sends them directly: use a proxy deployment or remove PROXY=",
            s.run.deployment.as_str()
        )));
    }
    let login_type = settings.login_type.unwrap_or(s.crm.login_type);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let tls_options = TlsOptions {
        versions: s.tls.versions,
        key_exchange: s.tls.key_exchange,
        resumption: true,
    };
    let crm_tls = match &pki {
        Some(p) if s.crm.client_certificate => Some(p.crm.configs("crm", &tls_options)?),
        Some(p) => {
            let tls = p.crm.configs("crm", &tls_options)?;
            Some(tls.anonymous_client("crm", &p.crm, &tls_options)?)
        }
        None => None,
    };
    let connector_tls = match &pki {
        Some(p) => Some(p.connectors[0].configs("connector", &tls_options)?),
        None => None,
    };

    // CRM instances share the host name and address, each on its own port.
    let crm_ip = loopback.next_addr();
    let connector_listen = loopback.next_addr();
    let connector = start_connector(
        s,
        "connector",
        connector_listen,
        connector_tls.as_ref(),
        login_type,
        vec![(s.crm.host.clone(), crm_ip)],
    )
    .await?;
    let connector_addr = connector.local_addr();

    let mut crms = Vec::with_capacity(s.crm.instances);
    for i in 0..s.crm.instances {
        let name = if s.crm.instances == 1 {
            "crm".to_owned()
        } else {
            format!("crm-{}", i + 1)
        };
        let cms =
            CmsProfile::for_connector(&s.connector.host, connector_addr.port(), s.tls.enabled);
        let resolve = vec![(s.connector.host.clone(), connector_addr)];
        let crm = start_crm(
            s,
            &name,
            i,
            crm_ip,
            crm_tls.as_ref(),
            login_type,
            cms,
            resolve,
        )
        .await?;
        crms.push(crm);
    }
    Ok(Topology {
        crms,
        connectors: vec![connector],
        pki,
        warnings: settings.warnings,
    })
}

async fn start_connector(
    s: &Scenario,
    name: &str,
    listen: SocketAddr,
    tls: Option<&SideTls>,
    login_type: u8,
    crm_addrs: Vec<(String, SocketAddr)>,
) -> Result<Connector, BuildError> {
    let mut client = ClientOptions::new(
        format!("{name} → crm"),
        tls.map(|t| t.client.clone()),
        s.tls.events,
    );
    client.request_timeout = s.connector.event_timeout;
    client.max_connections = s.connector.event_connections;
    client.resolve = crm_addrs;
    let acd = AcdConfig {
        side: name.to_owned(),
        login_type,
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
        crm_session_timeout: (!s.connector.session_timeout.is_zero())
            .then_some(s.connector.session_timeout),
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
            lanes: s.connector.event_connections,
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
    listen: SocketAddr,
    tls: Option<&SideTls>,
    login_type: u8,
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
    client.max_connections = s.crm.connections;
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
        login_type,
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
        sink_url: format!(
            "{scheme}://{}:{{port}}{}",
            s.crm.host,
            ici::catalog::CRM_EVENT_PATH
        ),
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
