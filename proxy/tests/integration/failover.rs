//! Active/backup failover: side A dies, the checks mark it DOWN within `fall × inter + timeout`,
//! new connections go to side B; A comes back, and traffic returns to it by itself (`Auto`) or
//! only on `fail_back` (`Manual`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::{Echo, any_port, who};
use proxy::{
    BackendConfig, Failback, FrontendConfig, HealthCheck, OnMarkedDown, Proxy, ProxyConfig,
    ServerSpec, ServerState,
};
use tokio::time::Instant;

const INTER: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_millis(200);
const FALL: u32 = 3;
const RISE: u32 = 2;
/// Scheduling and polling slack on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(300);

pub fn config(a: SocketAddr, b: SocketAddr, failback: Failback, down: OnMarkedDown) -> ProxyConfig {
    let mut backend = BackendConfig::new(
        "connectors",
        vec![
            ServerSpec::primary("connector-a", a),
            ServerSpec::backup("connector-b", b),
        ],
    );
    backend.check = HealthCheck {
        inter: INTER,
        fall: FALL,
        rise: RISE,
        timeout: TIMEOUT,
        ..HealthCheck::default()
    };
    backend.failback = failback;
    backend.on_marked_down = down;
    ProxyConfig {
        name: "proxy".into(),
        frontends: vec![FrontendConfig {
            name: "ici".into(),
            listen: any_port(),
            backend: "connectors".into(),
        }],
        backends: vec![backend],
        routes: vec![],
    }
}

fn state_of(proxy: &Proxy, server: &str) -> ServerState {
    proxy.snapshot().backends[0]
        .servers
        .iter()
        .find(|s| s.name == server)
        .unwrap()
        .state
}

async fn failover_and_back(failback: Failback) {
    let a = Echo::start("A", any_port()).await;
    let b = Echo::start("B", any_port()).await;
    let a_addr = a.addr;
    let proxy = Proxy::start(config(a.addr, b.addr, failback, OnMarkedDown::Keep))
        .await
        .unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    assert_eq!(who(fe).await, "A");
    assert!(proxy.state_changes().is_empty());

    // Side A dies.
    let killed = Instant::now();
    a.stop_listening().await;
    let bound = INTER * FALL + TIMEOUT + SLACK;
    crate::common::wait_until("A marked DOWN", bound, || {
        state_of(&proxy, "connector-a") == ServerState::Down
    })
    .await;
    let changes = proxy.state_changes();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let down = &changes[0];
    let detection = down.at_instant.duration_since(killed.into_std());
    assert!(
        detection >= INTER * (FALL - 1) && detection <= INTER * FALL + TIMEOUT + SLACK,
        "detection took {detection:?}"
    );
    assert_eq!(
        (down.server.as_str(), down.from, down.to),
        ("connector-a", ServerState::Up, ServerState::Down)
    );
    assert_eq!(
        down.reason,
        "3 consecutive failed checks (last: connection refused)"
    );
    let snap = proxy.snapshot();
    assert_eq!(
        snap.backends[0].active_server.as_deref(),
        Some("connector-b")
    );
    assert_eq!(
        snap.backends[0].servers[0].last_check_error.as_deref(),
        Some("connection refused")
    );
    assert_eq!(who(fe).await, "B");

    // Side A comes back on the same address.
    let restarted = Instant::now();
    let _a = Echo::start("A", a_addr).await;
    crate::common::wait_until("A marked UP", INTER * RISE + TIMEOUT + SLACK, || {
        state_of(&proxy, "connector-a") == ServerState::Up
    })
    .await;
    let changes = proxy.state_changes();
    let up = changes.last().unwrap();
    assert_eq!((up.from, up.to), (ServerState::Down, ServerState::Up));
    assert_eq!(up.reason, "2 consecutive passed checks");
    let recovery = up.at_instant.duration_since(restarted.into_std());
    assert!(recovery <= INTER * RISE + TIMEOUT + SLACK, "{recovery:?}");
    assert!(changes[1].since_start > changes[0].since_start);

    match failback {
        Failback::Auto => {
            assert_eq!(who(fe).await, "A");
            assert!(proxy.fail_back("connectors"));
        }
        Failback::Manual => {
            assert_eq!(who(fe).await, "B", "manual fail-back: traffic stays on B");
            tokio::time::sleep(INTER * 3).await;
            assert_eq!(who(fe).await, "B");
            assert_eq!(
                proxy.snapshot().backends[0].active_server.as_deref(),
                Some("connector-b")
            );
            assert!(proxy.fail_back("connectors"));
            assert_eq!(who(fe).await, "A");
        }
    }
    assert!(!proxy.fail_back("nope"));
    let snap = proxy.snapshot();
    let servers = &snap.backends[0].servers;
    assert!(servers[0].connections >= 2 && servers[1].connections >= 1);
    assert_eq!(servers[0].state_changes, 2);
    assert_eq!(snap.frontends[0].no_server, 0);
    proxy.shutdown().await;
}

#[tokio::test]
async fn auto_failback_returns_to_a_when_it_is_up_again() {
    failover_and_back(Failback::Auto).await;
}

#[tokio::test]
async fn manual_failback_stays_on_b_until_told() {
    failover_and_back(Failback::Manual).await;
}
