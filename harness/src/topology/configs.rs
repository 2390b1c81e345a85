//! The configuration of each component, as the scenario describes it. Pure: the same builders
//! serve the in-process topology and `crmsim serve`.

use std::net::SocketAddr;
use std::time::Duration;

use capture::Hop;
use sim_connector::ConnectorConfig;
use sim_connector::acd::AcdConfig;
use sim_connector::arrivals::ArrivalConfig;
use sim_connector::events::EventDelivery;
use sim_crm::{AgentsConfig, CmsProfile, CrmConfig, HeartbeatConfig, LogonPlan};
use transport::ClientOptions;

use super::SideTls;
use scenario::{Hangup, Logon, Scenario};

/// A connector side as the scenario describes it. `resolve` maps the CRM's host name to the
/// address events are sent to; `proxy_route` is the static route (`TpiDllParameter ... PROXY=`).
pub fn connector_config(
    s: &Scenario,
    name: &str,
    listen: SocketAddr,
    tls: Option<&SideTls>,
    login_type: u8,
    resolve: Vec<(String, SocketAddr)>,
    proxy_route: Option<SocketAddr>,
) -> ConnectorConfig {
    let mut client = ClientOptions::new(
        format!("{name} → crm"),
        tls.map(|t| t.client.clone()),
        s.tls.events,
    );
    client.request_timeout = s.connector.event_timeout;
    client.max_connections = s.connector.event_connections;
    client.resolve = resolve;
    client.tap = crate::wire_trace::tap(name, Hop::Events, &s.dialects.connector);
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
    ConnectorConfig {
        name: name.to_owned(),
        listen,
        path: s.dialects.connector.connector_path().to_owned(),
        tls: tls.map(|t| t.server.clone()),
        events: EventDelivery {
            client,
            proxy_route,
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
        dialect: s.dialects.connector.clone(),
        server_limits: s.server.limits(),
        server_tap: crate::wire_trace::tap(name, Hop::Requests, &s.dialects.connector),
        unknown: ici::UnknownAnswer::Fault,
    }
}

/// CRM instance `instance` as the scenario describes it, dialling the connector as `cms` says
/// (`resolve` maps the host name of its RFC destination to an address).
#[allow(clippy::too_many_arguments)]
pub fn crm_config(
    s: &Scenario,
    name: &str,
    instance: usize,
    listen: SocketAddr,
    tls: Option<&SideTls>,
    login_type: u8,
    cms: CmsProfile,
    resolve: Vec<(String, SocketAddr)>,
) -> (CrmConfig, LogonPlan) {
    let scheme = if s.tls.enabled { "https" } else { "http" };
    let mut client = ClientOptions::new(
        format!("{name} → connector"),
        tls.map(|t| t.client.clone()),
        s.tls.requests,
    );
    client.request_timeout = s.crm.request_timeout;
    client.max_connections = s.crm.connections;
    client.resolve = resolve;
    client.tap = crate::wire_trace::tap(name, Hop::Requests, &s.dialects.crm);
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
            s.dialects.crm.event_path()
        ),
        event_path: s.dialects.crm.event_path().to_owned(),
        tls: tls.map(|t| t.server.clone()),
        cms,
        client,
        user_header: s
            .crm
            .user_header
            .clone()
            .or_else(|| s.dialects.crm.user_header().map(str::to_owned)),
        agents,
        heartbeat: HeartbeatConfig {
            interval: (!s.crm.heartbeat.is_zero()).then_some(s.crm.heartbeat),
            watchdog: s.crm.watchdog,
            failures_to_lose: 2,
        },
        dialect: s.dialects.crm.clone(),
        server_limits: s.server.limits(),
        server_tap: crate::wire_trace::tap(name, Hop::Events, &s.dialects.crm),
        unknown: ici::UnknownAnswer::Fault,
    };
    let logon = match s.run.logon {
        Logon::Rate(per_second) => LogonPlan::Ramp { per_second },
        Logon::Storm(_) => LogonPlan::Storm,
    };
    (config, logon)
}
