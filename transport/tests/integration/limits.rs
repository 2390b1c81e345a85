//! The server's bounds against peers that hold connections without using them: silent TLS
//! connections, heads and bodies that trickle, and more connections than the limit. Real TLS
//! on 127.0.0.1 with certificates made per test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use certs::{KeyAlgorithm, Layout, PartySpec, PkiSpec, TlsOptions};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use transport::{HttpServer, LimitSnapshot, ServerLimits, ServerOptions};

struct Setup {
    server: HttpServer,
    connector: TlsConnector,
}

impl Setup {
    fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn limits(&self) -> LimitSnapshot {
        self.server.stats().snapshot().limits
    }

    /// A finished mutual-TLS handshake, and nothing sent.
    async fn silent(&self) -> TlsStream<TcpStream> {
        let tcp = TcpStream::connect(self.addr()).await.unwrap();
        let name = ServerName::try_from("connector.crmsim.test").unwrap();
        self.connector.connect(name, tcp).await.unwrap()
    }
}

async fn start(limits: ServerLimits) -> Setup {
    let spec = PkiSpec {
        layout: Layout::OneCa,
        key: KeyAlgorithm::EcdsaP256,
        validity_days: 30,
        crm: PartySpec::new("crm", "crm.crmsim.test"),
        connectors: vec![PartySpec::new("connector", "connector.crmsim.test")],
    };
    let pki = certs::generate(&spec).unwrap();
    let opts = TlsOptions::default();
    let connector = &pki.connectors[0];
    let server_tls =
        certs::server_config(&connector.identity, &connector.peer_roots, &opts).unwrap();
    let client_tls = certs::client_config(&pki.crm.identity, &pki.crm.peer_roots, &opts).unwrap();
    let router = axum::Router::new().route(
        "/ici",
        axum::routing::post(|body: bytes::Bytes| async move { format!("got {}", body.len()) }),
    );
    let mut options = ServerOptions::new("connector", Some(Arc::new(server_tls)));
    options.limits = limits;
    let server = HttpServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)), router, options)
        .await
        .unwrap();
    Setup {
        server,
        connector: TlsConnector::from(Arc::new(client_tls)),
    }
}

fn limits() -> ServerLimits {
    ServerLimits {
        max_connections: 64,
        handshake_timeout: Duration::from_secs(5),
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(30),
    }
}

/// Reads until the peer closes; how long that took, or `None` if it did not within `limit`.
async fn closed_within<S: AsyncRead + Unpin>(s: &mut S, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    let read_all = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_all)
        .await
        .ok()
        .map(|()| start.elapsed())
}

/// One request on `s`; the response's text.
async fn exchange<S: AsyncRead + tokio::io::AsyncWrite + Unpin>(s: &mut S) -> String {
    s.write_all(
        b"POST /ici HTTP/1.1\r\nHost: connector.crmsim.test\r\nContent-Length: 2\r\n\r\nhi",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_connection_that_never_speaks_is_closed_at_the_handshake_timeout_not_twice_that() {
    let t = start(ServerLimits {
        handshake_timeout: Duration::from_secs(1),
        ..limits()
    })
    .await;
    // Silent from the start: the first-bytes check and the handshake share one deadline.
    let mut tcp = TcpStream::connect(t.addr()).await.unwrap();
    let took = closed_within(&mut tcp, Duration::from_secs(5))
        .await
        .expect("a silent connection stayed open");
    assert!(took >= Duration::from_millis(900), "closed early: {took:?}");
    assert!(took < Duration::from_millis(1600), "held for {took:?}");
    // One byte of a TLS record just before the first check would have ended, then silence.
    let mut tcp = TcpStream::connect(t.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    tcp.write_all(&[0x16]).await.unwrap();
    let took = closed_within(&mut tcp, Duration::from_secs(5))
        .await
        .expect("a stalled handshake stayed open");
    assert!(
        took < Duration::from_millis(900),
        "held {took:?} after the byte"
    );
}

#[tokio::test]
async fn a_silent_tls_connection_is_closed_after_the_idle_timeout() {
    let t = start(ServerLimits {
        idle_timeout: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = t.silent().await;
    assert!(
        closed_within(&mut s, Duration::from_millis(300))
            .await
            .is_none(),
        "closed before idle_timeout"
    );
    let took = closed_within(&mut s, Duration::from_secs(10)).await;
    assert!(took.is_some(), "a silent connection stayed open");
    assert_eq!(t.limits().idle_closed, 1, "{:?}", t.limits());
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_the_idle_timeout_since_its_last_answer() {
    let t = start(ServerLimits {
        idle_timeout: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = t.silent().await;
    // Requests closer together than the idle timeout keep the connection.
    for _ in 0..3 {
        assert!(exchange(&mut s).await.starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    assert!(
        closed_within(&mut s, Duration::from_secs(10))
            .await
            .is_some()
    );
    assert_eq!(t.limits().idle_closed, 1, "{:?}", t.limits());
}

#[tokio::test]
async fn a_head_that_trickles_is_closed_after_the_header_timeout() {
    let t = start(ServerLimits {
        header_timeout: Duration::from_millis(500),
        ..limits()
    })
    .await;
    let mut s = t.silent().await;
    s.write_all(b"POST /ici HTTP/1.1\r\nHost: connector")
        .await
        .unwrap();
    let took = closed_within(&mut s, Duration::from_secs(10)).await;
    // Well before the 30 s idle timeout: the head's own, shorter bound closed it.
    assert!(
        took.is_some_and(|d| d < Duration::from_secs(10)),
        "{took:?}"
    );
    let l = t.limits();
    assert_eq!((l.slow_headers, l.idle_closed), (1, 0), "{l:?}");
}

#[tokio::test]
async fn a_body_that_trickles_is_answered_408_naming_the_limit() {
    let t = start(ServerLimits {
        request_timeout: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = t.silent().await;
    s.write_all(
        b"POST /ici HTTP/1.1\r\nHost: connector.crmsim.test\r\nContent-Length: 1000\r\n\r\n<soap",
    )
    .await
    .unwrap();
    let mut text = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut text)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert_eq!(t.limits().request_timeouts, 1, "{:?}", t.limits());
}

#[tokio::test]
async fn at_the_limit_a_new_client_takes_the_place_of_the_oldest_idle_connection() {
    let t = start(ServerLimits {
        max_connections: 4,
        ..limits()
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(t.silent().await);
    }
    let mut client = t.silent().await;
    let reply = exchange(&mut client).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("got 2"), "{reply}");
    // The first silent connection made room.
    assert!(
        closed_within(&mut silent[0], Duration::from_secs(5))
            .await
            .is_some()
    );
    let l = t.limits();
    assert_eq!((l.evicted, l.refused, l.peak_open), (1, 0, 4), "{l:?}");
}

#[tokio::test]
async fn when_every_connection_is_busy_a_new_one_is_refused_and_counted() {
    let t = start(ServerLimits {
        max_connections: 2,
        request_timeout: Duration::from_secs(3),
        ..limits()
    })
    .await;
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut s = t.silent().await;
        s.write_all(
            b"POST /ici HTTP/1.1\r\nHost: connector.crmsim.test\r\nContent-Length: 100\r\n\r\n<",
        )
        .await
        .unwrap();
        busy.push(s);
    }
    // Both requests are in the service before the third client knocks.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while t.server.connections_now() != (2, 2) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "two busy connections: {:?}",
            t.server.connections_now()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let tcp = TcpStream::connect(t.addr()).await.unwrap();
    let name = ServerName::try_from("connector.crmsim.test").unwrap();
    let refused = t.connector.connect(name, tcp).await;
    assert!(refused.is_err(), "a third connection was served");
    let l = t.limits();
    assert_eq!((l.refused, l.evicted), (1, 0), "{l:?}");
    // When the busy ones end (408 after request_timeout), new clients are served again.
    for mut s in busy {
        let mut text = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut text)).await;
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    }
    let mut again = t.silent().await;
    assert!(exchange(&mut again).await.starts_with("HTTP/1.1 200"));
}
