//! Starting, stopping and freezing a proxy: errors that name the listener, graceful shutdown
//! (FIN) versus kill (RST), the whole proxy paused like a stopped process, reports as JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::{Echo, ReadOutcome, any_port, greet, read_within, round_trip};
use proxy::{
    BackendConfig, FrontendConfig, HealthCheck, Leg, Proxy, ProxyConfig, ProxyError, ServerSpec,
};
use tokio::net::TcpStream;

fn config(listen: SocketAddr, server: SocketAddr) -> ProxyConfig {
    let mut backend = BackendConfig::new(
        "connectors",
        vec![ServerSpec::primary("connector-a", server)],
    );
    backend.check = HealthCheck {
        inter: Duration::from_millis(100),
        timeout: Duration::from_millis(200),
        ..HealthCheck::default()
    };
    ProxyConfig {
        name: "proxy".into(),
        frontends: vec![FrontendConfig {
            name: "ici".into(),
            listen,
            backend: "connectors".into(),
        }],
        backends: vec![backend],
        routes: vec![],
    }
}

#[tokio::test]
async fn a_taken_address_is_named_with_its_listener() {
    let taken = tokio::net::TcpListener::bind(any_port()).await.unwrap();
    let addr = taken.local_addr().unwrap();
    let err = Proxy::start(config(addr, addr)).await.err().unwrap();
    assert!(matches!(err, ProxyError::Bind { .. }));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "proxy `proxy`: frontend `ici` cannot listen on {addr}: "
        )),
        "{text}"
    );
    let mut bad = config(any_port(), addr);
    bad.frontends[0].backend = "missing".into();
    let err = Proxy::start(bad).await.err().unwrap();
    assert!(err.to_string().contains("backend `missing`"), "{err}");
}

#[tokio::test]
async fn shutdown_closes_sessions_with_fin_and_stops_listening() {
    let server = Echo::start("A", any_port()).await;
    let proxy = Proxy::start(config(any_port(), server.addr)).await.unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    let (mut session, _) = greet(fe).await;
    proxy.shutdown().await;
    let outcome = read_within(&mut session, Duration::from_secs(1)).await;
    assert!(matches!(outcome, ReadOutcome::Eof), "{outcome:?}");
    assert!(TcpStream::connect(fe).await.is_err(), "still listening");
}

#[tokio::test]
async fn kill_resets_sessions() {
    let server = Echo::start("A", any_port()).await;
    let proxy = Proxy::start(config(any_port(), server.addr)).await.unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    let (mut session, _) = greet(fe).await;
    proxy.kill().await;
    let outcome = read_within(&mut session, Duration::from_secs(1)).await;
    assert!(
        matches!(
            outcome,
            ReadOutcome::Error(std::io::ErrorKind::ConnectionReset)
        ),
        "{outcome:?}"
    );
    assert!(TcpStream::connect(fe).await.is_err(), "still listening");
}

#[tokio::test]
async fn a_paused_proxy_accepts_forwards_and_checks_nothing_until_resumed() {
    let server = Echo::start("A", any_port()).await;
    let proxy = Proxy::start(config(any_port(), server.addr)).await.unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    let (mut open, _) = greet(fe).await;
    proxy.pause();
    let checks = proxy.snapshot().backends[0].servers[0].checks_passed;
    // The kernel completes the TCP handshake (backlog); the proxy does not pick it up.
    let mut waiting = TcpStream::connect(fe).await.unwrap();
    let outcome = read_within(&mut waiting, Duration::from_millis(300)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    tokio::io::AsyncWriteExt::write_all(&mut open, b"held")
        .await
        .unwrap();
    let outcome = read_within(&mut open, Duration::from_millis(100)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    let paused_checks = proxy.snapshot().backends[0].servers[0].checks_passed;
    assert!(paused_checks <= checks + 1, "{checks} → {paused_checks}");

    proxy.resume();
    let greeting = crate::common::read_line(&mut waiting).await.unwrap();
    assert_eq!(greeting, "A");
    let outcome = read_within(&mut open, Duration::from_secs(1)).await;
    assert!(
        matches!(&outcome, ReadOutcome::Data(d) if d == b"held"),
        "{outcome:?}"
    );
    round_trip(&mut open, b"on").await;
    assert_eq!(proxy.reset_connections(), 2);
    let outcome = read_within(&mut open, Duration::from_secs(1)).await;
    assert!(matches!(outcome, ReadOutcome::Error(_)), "{outcome:?}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_blackholed_frontend_swallows_new_connections_without_dialling() {
    let server = Echo::start("A", any_port()).await;
    let proxy = Proxy::start(config(any_port(), server.addr)).await.unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();
    let leg = proxy.leg(&Leg::Frontend("ici".into())).unwrap();
    leg.set_blackhole(true);
    let mut client = TcpStream::connect(fe).await.unwrap();
    let outcome = read_within(&mut client, Duration::from_millis(300)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    let snap = proxy.snapshot();
    assert_eq!(snap.frontends[0].connections, 1);
    assert_eq!(snap.backends[0].servers[0].connections, 0);
    assert!(snap.frontends[0].faults.blackhole);
    assert_eq!(leg.live_connections(), 1);
    proxy.shutdown().await;
}

#[tokio::test]
async fn snapshots_and_state_changes_serialize_for_reports() {
    let gone = Echo::start("A", any_port()).await;
    let addr = gone.addr;
    gone.stop_listening().await;
    let proxy = Proxy::start(config(any_port(), addr)).await.unwrap();
    let json = serde_json::to_value(proxy.snapshot()).unwrap();
    let server = &json["backends"][0]["servers"][0];
    assert_eq!(server["state"], "DOWN");
    assert_eq!(server["last_check_error"], "connection refused");
    assert!(json["backends"][0]["active_server"].is_null());
    let changes = serde_json::to_value(proxy.state_changes()).unwrap();
    assert_eq!(changes[0]["server"], "connector-a");
    assert_eq!(changes[0]["from"], "UP");
    assert_eq!(changes[0]["to"], "DOWN");
    assert!(changes[0].get("at_instant").is_none());
    // Times as the reports write them: milliseconds, and RFC 3339.
    assert!(changes[0]["since_start_ms"].is_f64(), "{changes}");
    assert!(
        changes[0]["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{changes}"
    );
    let faults = &json["frontends"][0]["faults"];
    assert_eq!(faults["latency_ms"], 0.0, "{faults}");
    proxy.shutdown().await;
}
