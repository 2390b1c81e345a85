//! `on-marked-down shutdown-sessions` cuts a live session to a server when the checks mark it
//! DOWN; `Keep` leaves it running. Side A's listener dies under a live session (its accepted
//! connection keeps echoing), so only the checks can tell.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::{Echo, ReadOutcome, any_port, greet, read_within, round_trip};
use proxy::{
    BackendConfig, FrontendConfig, HealthCheck, OnMarkedDown, Proxy, ProxyConfig, ServerSpec,
    ServerState,
};

fn config(a: SocketAddr, b: SocketAddr, down: OnMarkedDown) -> ProxyConfig {
    let mut backend = BackendConfig::new(
        "connectors",
        vec![
            ServerSpec::primary("connector-a", a),
            ServerSpec::backup("connector-b", b),
        ],
    );
    backend.check = HealthCheck {
        inter: Duration::from_millis(100),
        fall: 2,
        rise: 2,
        timeout: Duration::from_millis(200),
        ..HealthCheck::default()
    };
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

/// Opens a session to A, lets A's listener die, waits until A is DOWN; returns the proxy and
/// the live session.
async fn session_when_a_is_marked_down(down: OnMarkedDown) -> (Proxy, tokio::net::TcpStream) {
    let a = Echo::start("A", any_port()).await;
    let b = Echo::start("B", any_port()).await;
    let proxy = Proxy::start(config(a.addr, b.addr, down)).await.unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    let (mut session, server) = greet(fe).await;
    assert_eq!(server, "A");
    round_trip(&mut session, b"before").await;
    assert_eq!(proxy.snapshot().backends[0].servers[0].active, 1);

    a.stop_listening().await;
    crate::common::wait_until("A marked DOWN", Duration::from_secs(2), || {
        proxy.snapshot().backends[0].servers[0].state == ServerState::Down
    })
    .await;
    (proxy, session)
}

#[tokio::test]
async fn shutdown_sessions_resets_the_live_session() {
    let (proxy, mut session) = session_when_a_is_marked_down(OnMarkedDown::ShutdownSessions).await;
    let outcome = read_within(&mut session, Duration::from_secs(1)).await;
    assert!(
        matches!(
            outcome,
            ReadOutcome::Error(std::io::ErrorKind::ConnectionReset)
        ),
        "{outcome:?}"
    );
    let snap = proxy.snapshot();
    let a = &snap.backends[0].servers[0];
    assert_eq!(a.sessions_shut_down, 1);
    crate::common::wait_until("A's session gone", Duration::from_secs(1), || {
        proxy.snapshot().backends[0].servers[0].active == 0
    })
    .await;
    assert_eq!(
        crate::common::who(proxy.frontend_addr("ici").unwrap()).await,
        "B"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn keep_leaves_the_live_session_running() {
    let (proxy, mut session) = session_when_a_is_marked_down(OnMarkedDown::Keep).await;
    round_trip(&mut session, b"after A was marked down").await;
    let snap = proxy.snapshot();
    let a = &snap.backends[0].servers[0];
    assert_eq!((a.sessions_shut_down, a.active), (0, 1));
    proxy.shutdown().await;
}
