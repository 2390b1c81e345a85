//! Every fault has its effect, on a standalone relay and on a proxy's server leg alike: latency
//! (a round trip grows by about the latency), jitter (bounded, order kept), pause/resume,
//! blackhole (clients time out, they get no error), reset (clients get an RST).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::{Echo, ReadOutcome, any_port, greet, read_within, round_trip};
use proxy::{
    BackendConfig, FrontendConfig, HealthCheck, Impairments, Leg, Proxy, ProxyConfig, Relay,
    ServerSpec,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Runs every fault against `entry` (which leads through `leg` to an echo server).
async fn every_fault_has_its_effect(entry: SocketAddr, leg: Impairments) {
    latency(entry, &leg).await;
    jitter_keeps_bounds_and_order(entry, &leg).await;
    pause_and_resume(entry, &leg).await;
    blackhole(entry, &leg).await;
    reset(entry, &leg).await;
}

async fn latency(entry: SocketAddr, leg: &Impairments) {
    let (mut s, _) = greet(entry).await;
    let mut baseline = Duration::MAX;
    for _ in 0..3 {
        baseline = baseline.min(round_trip(&mut s, b"ping").await);
    }
    leg.set_latency(MS(150), Duration::ZERO);
    let delayed = round_trip(&mut s, b"ping").await;
    assert!(
        delayed >= MS(150) && delayed < MS(150) + baseline + MS(100),
        "round trip {delayed:?} with 150 ms latency (baseline {baseline:?})"
    );
    leg.set_latency(Duration::ZERO, Duration::ZERO);
    assert!(round_trip(&mut s, b"ping").await < MS(100));
}

async fn jitter_keeps_bounds_and_order(entry: SocketAddr, leg: &Impairments) {
    let (mut s, _) = greet(entry).await;
    leg.set_latency(MS(50), MS(30));
    for _ in 0..5 {
        let rtt = round_trip(&mut s, b"j").await;
        assert!(rtt >= MS(20) && rtt < MS(80) + MS(100), "{rtt:?}");
    }
    // Many small writes, each its own chunk with its own random delay: nothing overtakes.
    let (mut reader, mut writer) = s.split();
    let send = async {
        for i in 0..100u32 {
            writer.write_all(&i.to_be_bytes()).await.unwrap();
            tokio::time::sleep(MS(1)).await;
        }
    };
    let mut back = vec![0u8; 400];
    let receive = async { reader.read_exact(&mut back).await.unwrap() };
    tokio::join!(send, receive);
    let expected: Vec<u8> = (0..100u32).flat_map(u32::to_be_bytes).collect();
    assert_eq!(back, expected, "jitter reordered data");
    leg.clear();
}

async fn pause_and_resume(entry: SocketAddr, leg: &Impairments) {
    let (mut s, _) = greet(entry).await;
    leg.pause();
    assert!(leg.faults().paused);
    s.write_all(b"held").await.unwrap();
    let outcome = read_within(&mut s, MS(250)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    leg.resume();
    let mut back = [0u8; 4];
    tokio::time::timeout(MS(500), s.read_exact(&mut back))
        .await
        .expect("data held by the pause arrives after resume")
        .unwrap();
    assert_eq!(&back, b"held");
}

async fn blackhole(entry: SocketAddr, leg: &Impairments) {
    let (mut open, _) = greet(entry).await;
    leg.set_blackhole(true);
    // An open connection: what it sends vanishes, no answer, no error.
    open.write_all(b"lost").await.unwrap();
    let outcome = read_within(&mut open, MS(300)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    // A new connection: TCP connects (the hop accepts), then nothing ever comes.
    let mut fresh = TcpStream::connect(entry).await.unwrap();
    fresh.write_all(b"hello?").await.unwrap();
    let outcome = read_within(&mut fresh, MS(300)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
    // Off again: new connections work; the one that lost data stays dead.
    leg.set_blackhole(false);
    let (mut after, _) = greet(entry).await;
    round_trip(&mut after, b"back").await;
    open.write_all(b"still lost?").await.unwrap();
    let outcome = read_within(&mut open, MS(200)).await;
    assert!(matches!(outcome, ReadOutcome::TimedOut), "{outcome:?}");
}

async fn reset(entry: SocketAddr, leg: &Impairments) {
    let (mut one, _) = greet(entry).await;
    let (mut two, _) = greet(entry).await;
    round_trip(&mut one, b"1").await;
    let reset = leg.reset_connections();
    assert!(reset >= 2, "reset {reset}");
    for s in [&mut one, &mut two] {
        let outcome = read_within(s, MS(1000)).await;
        assert!(
            matches!(
                outcome,
                ReadOutcome::Error(std::io::ErrorKind::ConnectionReset)
            ),
            "{outcome:?}"
        );
    }
    let (mut after, _) = greet(entry).await;
    round_trip(&mut after, b"fine").await;
}

#[tokio::test]
async fn faults_on_a_relay() {
    let server = Echo::start("connector", any_port()).await;
    let relay = Relay::start("crm->connector", any_port(), server.addr)
        .await
        .unwrap();
    assert_eq!(relay.target(), server.addr);
    every_fault_has_its_effect(relay.local_addr(), relay.impairments()).await;
    let snap = relay.snapshot();
    assert!(snap.connections >= 8 && snap.bytes_in > 400, "{snap:?}");
    assert_eq!(snap.connect_failures, 0);
    relay.shutdown().await;
}

#[tokio::test]
async fn faults_on_a_proxy_server_leg() {
    let server = Echo::start("connector-a", any_port()).await;
    let mut backend = BackendConfig::new(
        "connectors",
        vec![ServerSpec::primary("connector-a", server.addr)],
    );
    // Checks cross the leg too; keep them out of this test's way (only the first one runs).
    backend.check = HealthCheck {
        inter: Duration::from_secs(60),
        ..HealthCheck::default()
    };
    backend.connect_timeout = Duration::from_secs(5);
    let proxy = Proxy::start(ProxyConfig {
        name: "proxy".into(),
        frontends: vec![FrontendConfig {
            name: "ici".into(),
            listen: any_port(),
            backend: "connectors".into(),
        }],
        backends: vec![backend],
        routes: vec![],
    })
    .await
    .unwrap();
    let leg = proxy
        .leg(&Leg::Backend {
            backend: "connectors".into(),
            server: "connector-a".into(),
        })
        .unwrap();
    assert_eq!(leg.name(), "server connectors/connector-a");
    assert!(proxy.leg(&Leg::Route("nope".into())).is_none());
    every_fault_has_its_effect(proxy.frontend_addr("ici").unwrap(), leg).await;
    let snap = proxy.snapshot();
    let a = &snap.backends[0].servers[0];
    assert!(a.connections >= 7 && a.bytes_to_server > 400, "{a:?}");
    proxy.kill().await;
}

#[tokio::test]
async fn latency_on_a_frontend_leg_adds_to_the_round_trip() {
    let server = Echo::start("connector-a", any_port()).await;
    let proxy = Proxy::start(ProxyConfig {
        name: "proxy".into(),
        frontends: vec![FrontendConfig {
            name: "ici".into(),
            listen: any_port(),
            backend: "connectors".into(),
        }],
        backends: vec![BackendConfig::new(
            "connectors",
            vec![ServerSpec::primary("connector-a", server.addr)],
        )],
        routes: vec![],
    })
    .await
    .unwrap();
    let entry = proxy.frontend_addr("ici").unwrap();
    let frontend = proxy.leg(&Leg::Frontend("ici".into())).unwrap();
    let server_leg = proxy
        .leg(&Leg::Backend {
            backend: "connectors".into(),
            server: "connector-a".into(),
        })
        .unwrap();
    let (mut s, _) = greet(entry).await;
    frontend.set_latency(MS(100), Duration::ZERO);
    server_leg.set_latency(MS(50), Duration::ZERO);
    let rtt = round_trip(&mut s, b"both legs").await;
    assert!(rtt >= MS(150) && rtt < MS(250), "{rtt:?}");
    proxy.shutdown().await;
}
