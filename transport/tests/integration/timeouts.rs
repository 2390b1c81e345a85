//! The client's timeouts say which one ran out: a peer that accepts the TCP connection and
//! never answers the TLS handshake is a connect timeout (after `connect_timeout`), one that
//! completes the exchange's connection and never answers the request is a request timeout.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::{Duration, Instant};

use certs::{PkiSpec, TlsOptions};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use transport::{CallError, ClientOptions, ClientTls, ConnectionMode, SoapClient};

/// Accepts every connection, reads what comes and never writes a byte.
async fn mute_peer() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

fn client(addr: std::net::SocketAddr, tls: bool) -> SoapClient {
    let tls = tls.then(|| {
        let pki = certs::generate(&PkiSpec::direct()).unwrap();
        let opts = TlsOptions::default();
        let verifier = certs::server_verifier(&pki.crm.peer_roots).unwrap();
        let config =
            certs::tls::client_config_with_verifier(&pki.crm.identity, verifier.clone(), &opts)
                .unwrap();
        ClientTls { config, verifier }
    });
    let mut opts = ClientOptions::new("test client", tls, ConnectionMode::KeepAlive);
    opts.connect_timeout = Duration::from_millis(400);
    opts.request_timeout = Duration::from_secs(3);
    opts.resolve = vec![("connector.crmsim.test".to_owned(), addr)];
    SoapClient::new(opts).unwrap()
}

async fn post(client: &SoapClient, url: &str) -> (CallError, Duration) {
    let started = Instant::now();
    match client.post(url, "text/xml", None, "<x/>", &[]).await {
        Err(e) => (e, started.elapsed()),
        Ok(reply) => panic!("a mute peer answered HTTP {}", reply.status),
    }
}

#[tokio::test]
async fn a_handshake_that_never_comes_is_a_connect_timeout() {
    let addr = mute_peer().await;
    let c = client(addr, true);
    let (e, took) = post(
        &c,
        &format!("https://connector.crmsim.test:{}/ici", addr.port()),
    )
    .await;
    match &e {
        CallError::Timeout {
            connecting: true,
            after,
            ..
        } => assert_eq!(*after, Duration::from_millis(400)),
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let text = e.to_string();
    assert!(
        text.contains("no connection to") && text.contains("400ms"),
        "{text}"
    );
}

#[tokio::test]
async fn an_answer_that_never_comes_is_a_request_timeout() {
    let addr = mute_peer().await;
    let c = client(addr, false);
    let (e, took) = post(
        &c,
        &format!("http://connector.crmsim.test:{}/ici", addr.port()),
    )
    .await;
    match &e {
        CallError::Timeout {
            connecting: false,
            after,
            ..
        } => assert_eq!(*after, Duration::from_secs(3)),
        other => panic!("expected a request timeout, got {other:?}"),
    }
    assert!(took >= Duration::from_secs(3), "took {took:?}");
    assert!(e.to_string().contains("no answer from"), "{e}");
}
