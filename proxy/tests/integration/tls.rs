//! TLS through the proxy: passthrough (the client sees the *server's* certificate; the proxy has
//! no key), and TLS health checks with the checker's own client certificate against a server
//! that requires one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::common::any_port;
use certs::{Pki, PkiSpec, TlsOptions};
use proxy::{
    BackendConfig, CheckKind, FrontendConfig, HealthCheck, Proxy, ProxyConfig, ServerSpec,
    ServerState,
};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// RSA key generation is slow: one PKI for the whole test binary.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| certs::generate(&PkiSpec::direct()).unwrap())
}

fn no_resumption() -> TlsOptions {
    TlsOptions {
        resumption: false,
        ..TlsOptions::default()
    }
}

fn connector_name() -> ServerName<'static> {
    ServerName::try_from("connector.crmsim.test").unwrap()
}

/// A TLS echo server with the connector's certificate, requiring a client certificate.
async fn tls_echo_server() -> SocketAddr {
    let pki = pki();
    let connector = pki.connector("connector").unwrap();
    let config =
        certs::server_config(&connector.identity, &connector.peer_roots, &no_resumption()).unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(any_port()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 || tls.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn proxy_config(server: SocketAddr, kind: CheckKind) -> ProxyConfig {
    let mut backend =
        BackendConfig::new("connectors", vec![ServerSpec::primary("connector", server)]);
    backend.check = HealthCheck {
        kind,
        inter: Duration::from_millis(100),
        fall: 2,
        rise: 2,
        timeout: Duration::from_secs(1),
    };
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

/// The checker's client config: the CRM's certificate stands in for the proxy's own here.
fn checker(with_certificate: bool) -> CheckKind {
    let crm = &pki().crm;
    let config = if with_certificate {
        certs::client_config(&crm.identity, &crm.peer_roots, &no_resumption()).unwrap()
    } else {
        certs::tls::anonymous_client_config(&crm.peer_roots, &no_resumption()).unwrap()
    };
    CheckKind::Tls {
        config: Arc::new(config),
        server_name: connector_name(),
    }
}

#[tokio::test]
async fn the_client_sees_the_servers_certificate_through_the_proxy() {
    let server = tls_echo_server().await;
    let proxy = Proxy::start(proxy_config(server, CheckKind::Tcp))
        .await
        .unwrap();
    let fe = proxy.frontend_addr("ici").unwrap();

    let crm = &pki().crm;
    let client = certs::client_config(&crm.identity, &crm.peer_roots, &no_resumption()).unwrap();
    let tcp = TcpStream::connect(fe).await.unwrap();
    let mut tls = TlsConnector::from(Arc::new(client))
        .connect(connector_name(), tcp)
        .await
        .unwrap();
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let connector = pki().connector("connector").unwrap();
    assert_eq!(&presented, connector.identity.leaf());

    tls.write_all(b"<soap/>").await.unwrap();
    let mut back = [0u8; 7];
    tls.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"<soap/>");

    // The proxy carried the whole handshake, encrypted: far more than the 7 plaintext bytes.
    let snap = proxy.snapshot();
    assert!(snap.frontends[0].bytes_in > 500, "{:?}", snap.frontends[0]);
    assert_eq!(
        snap.frontends[0].bytes_in,
        snap.backends[0].servers[0].bytes_to_server
    );
    drop(tls);
    proxy.shutdown().await;
}

#[test]
fn the_proxy_has_no_code_that_could_load_or_use_a_private_key() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let forbidden = [
        "PrivateKeyDer",
        "PrivatePkcs",
        "with_single_cert",
        "with_client_auth_cert",
        "ServerConfig",
        "TlsAcceptor",
        "rustls_pemfile",
    ];
    let mut checked = 0;
    let mut folders = vec![src];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for word in forbidden {
                assert!(!text.contains(word), "{} mentions {word}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} source files found");
}

#[tokio::test]
async fn a_tls_check_with_the_checkers_certificate_passes() {
    let server = tls_echo_server().await;
    let proxy = Proxy::start(proxy_config(server, checker(true)))
        .await
        .unwrap();
    crate::common::wait_until("three passed checks", Duration::from_secs(3), || {
        proxy.snapshot().backends[0].servers[0].checks_passed >= 3
    })
    .await;
    let snap = proxy.snapshot();
    let s = &snap.backends[0].servers[0];
    assert_eq!(s.state, ServerState::Up);
    assert_eq!((s.checks_failed, s.last_check_error.as_deref()), (0, None));
    assert!(proxy.state_changes().is_empty());
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_tls_check_without_a_client_certificate_marks_the_server_down_and_says_why() {
    let server = tls_echo_server().await;
    let proxy = Proxy::start(proxy_config(server, checker(false)))
        .await
        .unwrap();
    // The first check has run when `start` returns, and failed.
    let changes = proxy.state_changes();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let down = &changes[0];
    assert_eq!(down.to, ServerState::Down);
    // TLS 1.3: the refusal arrives after the client's handshake, as an alert.
    assert_eq!(
        down.reason,
        "first check failed (TLS refused after the handshake: received fatal alert: CertificateRequired)"
    );
    let snap = proxy.snapshot();
    assert_eq!(snap.backends[0].active_server, None);

    // With no server UP, a client is turned away at once.
    let mut client = TcpStream::connect(proxy.frontend_addr("ici").unwrap())
        .await
        .unwrap();
    let outcome = crate::common::read_within(&mut client, Duration::from_secs(1)).await;
    assert!(
        matches!(
            outcome,
            crate::common::ReadOutcome::Eof | crate::common::ReadOutcome::Error(_)
        ),
        "{outcome:?}"
    );
    crate::common::wait_until("no_server counted", Duration::from_secs(1), || {
        proxy.snapshot().frontends[0].no_server == 1
    })
    .await;
    proxy.shutdown().await;
}
