//! The plan's promise: a component's value written to a file and read back (what
//! `run --processes` and `serve` do) starts the very simulator the in-process topology starts
//! from the value itself, and that simulator carries the scenario's workload.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use sim_connector::ConnectorConfig;
use sim_crm::CrmConfig;

use crate::{ConnectorFile, CrmFile, CrmPlace, Hosts, SidePlace};

const SCENARIO: &str = r#"
[run]
deployment = "direct"
warmup = "2s"
steady = "7s"
drain = "9s"
seed = 42
logon = 50

[tls]
enabled = false
requests = "full"
events = "resume"

[crm]
agents = 7
instances = 2
ring_delay = "250ms"
talk_time = "uniform(3s, 5s)"
wrap_up = "1500ms"
not_ready_ratio = 0.25
not_ready_reasons = [1001, 1002]
heartbeat = "4s"
request_timeout = "6s"
connections = 9

[calls]
rate = 3.5
patience = "40s"

[connector]
wrap_up_timer = "3s"
ring_no_answer = "11s"
event_retries = 4
event_timeout = "2500ms"
event_connections = 3
"#;

fn scenario() -> scenario::Scenario {
    match scenario::parse(Path::new("plan.toml"), SCENARIO) {
        Ok(loaded) => loaded.scenario,
        Err(e) => panic!("the test scenario: {e}"),
    }
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn crm_place(instance: usize) -> CrmPlace {
    CrmPlace {
        name: format!("crm-{}", instance + 1),
        instance,
        listen: addr("127.0.0.2:9443"),
        host: "crm.crmsim.test".to_owned(),
        dial_host: "connector.crmsim.test".to_owned(),
        dial_port: 8443,
        hosts: Hosts::from([("connector.crmsim.test".to_owned(), addr("127.0.0.3:0").ip())]),
        material_dir: None,
        dialect: None,
        login_type: 2,
    }
}

fn side_place() -> SidePlace {
    SidePlace {
        name: "connector".to_owned(),
        listen: addr("127.0.0.3:8443"),
        hosts: Hosts::from([("crm.crmsim.test".to_owned(), addr("127.0.0.2:0").ip())]),
        proxy_route: None,
        config_dir: None,
        dialect: None,
        login_type: 2,
    }
}

/// What a launcher does: the value as TOML, read back as `serve` reads it.
fn through_a_file<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    let text = match crate::to_toml("component", value) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The parts of a CRM config that say what it does (the TLS and tap handles have no `Debug`).
fn crm_view(c: &CrmConfig) -> String {
    format!(
        "{} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {:?}",
        c.name,
        c.listen,
        c.sink_url,
        c.event_path,
        c.cms.connector_url(),
        c.agents,
        c.heartbeat,
        c.user_header,
        c.client.mode,
        c.client.request_timeout,
        c.client.max_connections,
        c.client.resolve,
        c.server_limits.max_connections,
        c.server_limits.handshake_timeout,
    )
}

fn connector_view(c: &ConnectorConfig) -> String {
    format!(
        "{} {} {} {:?} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {}",
        c.name,
        c.listen,
        c.path,
        c.acd,
        c.arrivals,
        c.events.client.mode,
        c.events.client.request_timeout,
        c.events.client.resolve,
        c.events.client.max_connections,
        c.events.retries,
        c.events.proxy_route,
        c.server_limits.max_connections,
        c.events.lanes,
    )
}

#[test]
fn a_crm_read_back_from_its_file_is_the_crm_the_plan_starts() {
    let s = scenario();
    for instance in 0..2 {
        let file = CrmFile::for_scenario(&s, crm_place(instance));
        let (direct, logon) = file.start(None, s.dialects.crm.clone());
        let (read_back, logon_back) = through_a_file(&file).start(None, s.dialects.crm.clone());
        assert_eq!(crm_view(&direct), crm_view(&read_back));
        assert_eq!(format!("{logon:?}"), format!("{logon_back:?}"));
    }
}

#[test]
fn a_connector_read_back_from_its_file_is_the_connector_the_plan_starts() {
    let s = scenario();
    let file = ConnectorFile::for_scenario(&s, side_place());
    let start =
        |f: &ConnectorFile| f.start(None, s.dialects.connector.clone(), 2, f.events.proxy_route);
    assert_eq!(
        connector_view(&start(&file)),
        connector_view(&start(&through_a_file(&file)))
    );
}

#[test]
fn the_crm_carries_the_scenarios_workload() {
    let s = scenario();
    let (c, _) = CrmFile::for_scenario(&s, crm_place(1)).start(None, s.dialects.crm.clone());
    let a = &c.agents;
    assert_eq!(a.count, 7);
    // Instance 2 of 2 has users, ids and devices of its own, and its own seed.
    assert_eq!(a.user_prefix, "C2AGENT");
    assert_eq!((a.first_agent_id, a.first_device), (20_001, 40_001));
    assert_eq!(a.seed, 42 + 1 + 100);
    assert_eq!(a.login_type, 2);
    assert_eq!(
        format!("{:?}", a.ring_delay),
        format!("{:?}", s.crm.ring_delay)
    );
    assert_eq!(
        a.talk_time.map(|t| format!("{t:?}")),
        Some(format!("{:?}", s.crm.talk_time))
    );
    assert_eq!(format!("{:?}", a.wrap_up), format!("{:?}", s.crm.wrap_up));
    assert_eq!(a.not_ready_ratio, 0.25);
    assert_eq!(a.not_ready_reasons.len(), 2);
    assert_eq!(c.heartbeat.interval, Some(Duration::from_secs(4)));
    assert_eq!(c.client.mode, transport::ConnectionMode::NewConnectionFull);
    assert_eq!(c.client.request_timeout, Duration::from_secs(6));
    assert_eq!(c.client.max_connections, 9);
    assert_eq!(
        c.sink_url,
        format!("http://crm.crmsim.test:{{port}}{}", c.event_path)
    );
    assert_eq!(
        c.cms.connector_url().ok(),
        Some(format!(
            "http://connector.crmsim.test:8443{}",
            s.dialects.crm.connector_path()
        ))
    );
}

#[test]
fn the_connector_carries_the_scenarios_workload() {
    let s = scenario();
    let file = ConnectorFile::for_scenario(&s, side_place());
    let c = file.start(None, s.dialects.connector.clone(), 2, None);
    assert_eq!(c.acd.wrap_up_timer, Some(Duration::from_secs(3)));
    assert_eq!(c.acd.ring_no_answer, Duration::from_secs(11));
    assert_eq!(c.acd.patience, Duration::from_secs(40));
    assert_eq!(c.acd.seed, 42);
    assert_eq!(c.arrivals.seed, 43);
    assert_eq!(
        c.events.client.mode,
        transport::ConnectionMode::NewConnectionResumed
    );
    assert_eq!(c.events.retries, 4);
    assert_eq!(c.events.client.request_timeout, Duration::from_millis(2500));
    assert_eq!((c.events.lanes, c.events.client.max_connections), (3, 3));
    // The call rate is the contact center's (in process) or the file's `calls.rate` (serve).
    assert_eq!(file.calls.rate, 3.5);
    assert_eq!(c.path, s.dialects.connector.connector_path());
}
