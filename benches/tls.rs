//! What mutual TLS costs: a full handshake (RSA-2048 as the connector guide asks, and ECDSA
//! P-256 for comparison), a resumed one ("session caching"), both ends in one thread in memory;
//! and one ICI request over a kept-alive mTLS connection on real sockets (127.0.0.1).
//!
//! The handshake times are the "raw handshake rate" the capacity benchmark compares the
//! harness's new-connection-per-message mode with (see benches/README.md).

use std::sync::Arc;
use std::time::Duration;

use certs::{KeyAlgorithm, Layout, PartySpec, PkiSpec, TlsOptions};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ici::{Message, Operation, Request};
use rustls::HandshakeKind;
use transport::{ClientOptions, ClientTls, ConnectionMode, HttpServer, ServerOptions, SoapClient};

fn pki(key: KeyAlgorithm) -> certs::Pki {
    let spec = PkiSpec {
        layout: Layout::OneCa,
        key,
        validity_days: 30,
        crm: PartySpec::new("crm", "crm.crmsim.test"),
        connectors: vec![PartySpec::new("connector", "connector.crmsim.test")],
    };
    match certs::generate(&spec) {
        Ok(pki) => pki,
        Err(e) => panic!("bench PKI: {e}"),
    }
}

fn configs(
    pki: &certs::Pki,
    resumption: bool,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let opts = TlsOptions {
        resumption,
        ..TlsOptions::default()
    };
    let connector = &pki.connectors[0];
    let (Ok(server), Ok(client)) = (
        certs::server_config(&connector.identity, &connector.peer_roots, &opts),
        certs::client_config(&pki.crm.identity, &pki.crm.peer_roots, &opts),
    ) else {
        panic!("bench TLS configs")
    };
    (Arc::new(client), Arc::new(server))
}

fn handshakes(c: &mut Criterion) {
    let mut group = c.benchmark_group("mtls-handshake");
    group.measurement_time(Duration::from_secs(8));
    for (name, key) in [
        ("rsa2048", KeyAlgorithm::Rsa2048),
        ("ecdsa-p256", KeyAlgorithm::EcdsaP256),
    ] {
        let pki = pki(key);
        let (client, server) = configs(&pki, false);
        let first =
            certs::handshake::handshake(client.clone(), server.clone(), "connector.crmsim.test");
        assert!(
            first.ok() && first.kind == Some(HandshakeKind::Full),
            "{first:?}"
        );
        group.bench_function(BenchmarkId::new("full", name), |b| {
            b.iter(|| {
                certs::handshake::handshake(client.clone(), server.clone(), "connector.crmsim.test")
            })
        });
        let (client, server) = configs(&pki, true);
        let _prime =
            certs::handshake::handshake(client.clone(), server.clone(), "connector.crmsim.test");
        let again =
            certs::handshake::handshake(client.clone(), server.clone(), "connector.crmsim.test");
        assert_eq!(again.kind, Some(HandshakeKind::Resumed), "{again:?}");
        group.bench_function(BenchmarkId::new("resumed", name), |b| {
            b.iter(|| {
                certs::handshake::handshake(client.clone(), server.clone(), "connector.crmsim.test")
            })
        });
    }
    group.finish();
}

/// One `answer` request and its response over a kept-alive mTLS connection: encode, send,
/// decode on the server, answer, decode on the client.
fn request_over_keep_alive(c: &mut Criterion) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let pki = pki(KeyAlgorithm::Rsa2048);
    let opts = TlsOptions::default();
    let connector = &pki.connectors[0];
    let (Ok(server_tls), Ok(client_config), Ok(verifier)) = (
        certs::server_config(&connector.identity, &connector.peer_roots, &opts),
        certs::client_config(&pki.crm.identity, &pki.crm.peer_roots, &opts),
        certs::server_verifier(&pki.crm.peer_roots),
    ) else {
        panic!("bench TLS configs")
    };
    let router = axum::Router::new().route(
        "/ici",
        axum::routing::post(|body: bytes::Bytes| async move {
            let d = ici::Dialect::builtin();
            let reply = match d.decode(&body) {
                Ok(Message::Request(r)) => d.encode_response(&ici::Response::Ack(r.operation())),
                _ => {
                    Ok(d.encode_fault(&ici::Fault::client(ici::IciError::MalformedRequest, "bad")))
                }
            };
            reply.unwrap_or_default()
        }),
    );
    let server = runtime.block_on(async {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        HttpServer::bind(
            addr,
            router,
            ServerOptions::new("bench", Some(Arc::new(server_tls))),
        )
        .await
    });
    let server = match server {
        Ok(s) => s,
        Err(e) => panic!("bench server: {e}"),
    };
    let mut options = ClientOptions::new(
        "bench",
        Some(ClientTls {
            config: client_config,
            verifier,
        }),
        ConnectionMode::KeepAlive,
    );
    options.resolve = vec![("connector.crmsim.test".into(), server.local_addr())];
    let client = match SoapClient::new(options) {
        Ok(c) => c,
        Err(e) => panic!("bench client: {e}"),
    };
    let url = format!(
        "https://connector.crmsim.test:{}/ici",
        server.local_addr().port()
    );
    let request = Request::Answer {
        user: "AGENT00042".into(),
        call_id: "connector-a-k3x9-0001234".into(),
    };
    let d = ici::Dialect::builtin();
    let op = Operation::Answer;
    let once = || async {
        let xml = d.encode_request(&request).unwrap_or_default();
        match client
            .post(&url, d.content_type(op), d.soap_action(op), xml, &[])
            .await
        {
            Ok(reply) => d.decode(&reply.body).is_ok(),
            Err(e) => panic!("bench request: {e}"),
        }
    };
    assert!(runtime.block_on(once()));
    c.bench_function("ici-request/keep-alive-mtls", |b| {
        b.iter(|| runtime.block_on(once()))
    });
    runtime.block_on(server.shutdown(Duration::from_secs(1)));
}

criterion_group!(benches, handshakes, request_over_keep_alive);
criterion_main!(benches);
