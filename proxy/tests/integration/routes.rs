//! A static route: "the proxy sends data packages, which it receives on port xy, to port xy of
//! the CRM host". Bytes both ways, counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::common::{Echo, any_port, greet};
use proxy::{Proxy, ProxyConfig, RouteConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_static_route_forwards_both_ways_and_counts() {
    let crm = Echo::start("crm", any_port()).await;
    let proxy = Proxy::start(ProxyConfig {
        name: "proxy".into(),
        frontends: vec![],
        backends: vec![],
        routes: vec![RouteConfig {
            name: "events".into(),
            listen: any_port(),
            target: crm.addr,
        }],
    })
    .await
    .unwrap();
    let route = proxy.route_addr("events").unwrap();
    assert_eq!(proxy.route_addr("nope"), None);

    let (mut stream, server) = greet(route).await;
    assert_eq!(server, "crm");
    let event: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let (mut reader, mut writer) = stream.split();
    let send = async {
        writer.write_all(&event).await.unwrap();
        writer.shutdown().await.unwrap();
    };
    let mut back = Vec::new();
    let receive = async { reader.read_to_end(&mut back).await.unwrap() };
    tokio::join!(send, receive);
    assert_eq!(back, event, "echoed through the route, then half-closed");

    crate::common::wait_until("route connection closed", Duration::from_secs(1), || {
        proxy.snapshot().routes[0].active == 0
    })
    .await;
    let snap = proxy.snapshot();
    let r = &snap.routes[0];
    assert_eq!(
        (r.name.as_str(), r.addr, r.target),
        ("events", route, crm.addr)
    );
    assert_eq!((r.connections, r.connect_failures), (1, 0));
    assert_eq!(r.bytes_in, event.len() as u64);
    assert_eq!(r.bytes_out, "crm\n".len() as u64 + event.len() as u64);
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["routes"][0]["bytes_in"], 100_000);
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_route_whose_target_is_gone_resets_the_client() {
    let gone = Echo::start("crm", any_port()).await;
    let target = gone.addr;
    gone.stop_listening().await;
    let proxy = Proxy::start(ProxyConfig {
        name: "proxy".into(),
        frontends: vec![],
        backends: vec![],
        routes: vec![RouteConfig {
            name: "events".into(),
            listen: any_port(),
            target,
        }],
    })
    .await
    .unwrap();
    let mut client = tokio::net::TcpStream::connect(proxy.route_addr("events").unwrap())
        .await
        .unwrap();
    let outcome = crate::common::read_within(&mut client, Duration::from_secs(1)).await;
    assert!(
        matches!(
            outcome,
            crate::common::ReadOutcome::Error(std::io::ErrorKind::ConnectionReset)
        ),
        "{outcome:?}"
    );
    assert_eq!(proxy.snapshot().routes[0].connect_failures, 1);
    proxy.shutdown().await;
}
