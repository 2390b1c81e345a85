//! Both TLS servers of a deployment (the connector's ICI endpoint and the CRM's event sink)
//! refuse what mutual TLS must refuse, and both ends name why: the client gets the TLS alert, the
//! server records the cause with the peer's address.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;

use certs::{KeyExchange, PkiSpec, TlsOptions, TlsVersions, TrustStore};
use harness::topology::{self, Topology};
use ici::Request;
use transport::{CallError, ClientOptions, ClientTls, ConnectionMode, SoapClient, TlsFailure};

const SCENARIO: &str = r#"
[run]
deployment = "direct"
steady = "1s"
[crm]
agents = 1
heartbeat = "0s"
"#;

fn first_connector(t: &Topology) -> &sim_connector::Connector {
    t.connectors().next().expect("a running connector")
}

fn first_crm(t: &Topology) -> &sim_crm::Crm {
    t.crms().next().expect("a running CRM")
}

async fn deployment() -> Topology {
    let loaded = scenario::parse(Path::new("mtls.toml"), SCENARIO).unwrap();
    topology::build(&loaded, None).await.unwrap()
}

/// The two servers: (name, URL, the CA that issued the server's certificate).
fn servers(t: &Topology) -> Vec<(&'static str, String, TrustStore)> {
    let pki = t.pki.as_ref().unwrap();
    let connector = first_connector(t);
    let crm = first_crm(t);
    vec![
        (
            "connector",
            format!(
                "https://connector.crmsim.test:{}/ici",
                connector.local_addr().port()
            ),
            pki.crm.peer_roots.clone(),
        ),
        (
            "crm",
            crm.sink_url().to_owned(),
            pki.connectors[0].peer_roots.clone(),
        ),
    ]
}

fn resolve(t: &Topology) -> Vec<(String, std::net::SocketAddr)> {
    vec![
        (
            "connector.crmsim.test".into(),
            first_connector(t).local_addr(),
        ),
        ("crm.crmsim.test".into(), first_crm(t).local_addr()),
    ]
}

fn options(versions: TlsVersions) -> TlsOptions {
    TlsOptions {
        versions,
        key_exchange: KeyExchange::X25519,
        // Resumption would skip the certificate check on a second handshake (trap 8).
        resumption: false,
    }
}

/// A client that trusts the server but presents no certificate.
fn no_certificate(roots: &TrustStore, versions: TlsVersions) -> ClientTls {
    let opts = options(versions);
    let verifier = certs::server_verifier(roots).unwrap();
    let versions: &[&rustls::SupportedProtocolVersion] = match versions {
        TlsVersions::Tls12 => &[&rustls::version::TLS12],
        _ => &[&rustls::version::TLS13],
    };
    let config = rustls::ClientConfig::builder_with_provider(certs::tls::provider(&opts))
        .with_protocol_versions(versions)
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    ClientTls { config, verifier }
}

/// A client with a perfectly good certificate from a CA the server does not trust. With
/// `same_name`, that CA has the name of the trusted one (a re-created CA with a new key).
fn other_ca(roots: &TrustStore, same_name: bool) -> ClientTls {
    let identity = if same_name {
        certs::generate(&PkiSpec::direct()).unwrap().crm.identity
    } else {
        let ca = certs::Ca::new("Somebody Else's CA", certs::KeyAlgorithm::EcdsaP256, 30).unwrap();
        let leaf = certs::pki::LeafOptions::for_host(
            "crm.crmsim.test",
            &[],
            certs::KeyAlgorithm::EcdsaP256,
            30,
        );
        ca.issue(&leaf).unwrap().identity().unwrap()
    };
    let opts = options(TlsVersions::Tls13);
    let verifier = certs::server_verifier(roots).unwrap();
    let config =
        certs::tls::client_config_with_verifier(&identity, verifier.clone(), &opts).unwrap();
    ClientTls { config, verifier }
}

async fn post(t: &Topology, url: &str, tls: Option<ClientTls>) -> CallError {
    let mut opts = ClientOptions::new("test client", tls, ConnectionMode::KeepAlive);
    opts.resolve = resolve(t);
    let client = SoapClient::new(opts).unwrap();
    let d = ici::Dialect::builtin();
    let op = ici::Operation::GetVersion;
    let body = d.encode_request(&Request::GetVersion).unwrap();
    match client
        .post(url, d.content_type(op), d.soap_action(op), body, &[])
        .await
    {
        Err(e) => e,
        Ok(reply) => panic!("{url} accepted the connection: HTTP {}", reply.status),
    }
}

fn server_failures(t: &Topology, server: &str) -> transport::LinkSnapshot {
    match server {
        "connector" => first_connector(t).report().requests_link,
        _ => first_crm(t).report().events_link,
    }
}

/// Waits for the server to have recorded `cause` (it records after the client has its answer).
async fn recorded(t: &Topology, server: &str, cause: &str) -> String {
    for _ in 0..100 {
        let snapshot = server_failures(t, server);
        if let Some(f) = snapshot.failures.iter().find(|f| f.cause == cause) {
            return f.example.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "{server} did not record {cause}: {:?}",
        server_failures(t, server)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_certificate_is_refused_with_the_alert_named_on_both_ends() {
    let t = deployment().await;
    for (server, url, roots) in servers(&t) {
        for versions in [TlsVersions::Tls13, TlsVersions::Tls12] {
            let err = post(&t, &url, Some(no_certificate(&roots, versions))).await;
            let CallError::Tls { failure, .. } = &err else {
                panic!("{server} {versions:?}: expected a TLS failure, got {err}")
            };
            // rustls sends certificate_required in both versions; with TLS 1.3 the client
            // sees it only on its first read (trap 7), with 1.2 during the handshake.
            let expected = "certificate_required";
            assert_eq!(
                failure,
                &TlsFailure::AlertReceived(expected.into()),
                "{server} {versions:?}: {err}"
            );
            assert!(err.to_string().contains(expected), "{err}");
            assert!(err.to_string().contains("Hint:"), "{err}");
        }
        let example = recorded(&t, server, "no-client-certificate").await;
        assert!(
            example.contains("client presented no certificate"),
            "{example}"
        );
        assert!(example.contains("127.0.0."), "names the peer: {example}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_ca_is_refused_as_unknown_ca_on_both_ends() {
    let t = deployment().await;
    for (server, url, roots) in servers(&t) {
        let err = post(&t, &url, Some(other_ca(&roots, false))).await;
        let CallError::Tls { failure, .. } = &err else {
            panic!("{server}: expected a TLS failure, got {err}")
        };
        assert_eq!(
            failure,
            &TlsFailure::AlertReceived("unknown_ca".into()),
            "{server}: {err}"
        );
        let example = recorded(&t, server, "unknown-issuer").await;
        assert!(example.contains("not issued by a trusted CA"), "{example}");

        // A CA of the same name with another key: the issuer is found, the signature fails.
        let err = post(&t, &url, Some(other_ca(&roots, true))).await;
        let CallError::Tls { failure, .. } = &err else {
            panic!("{server}: expected a TLS failure, got {err}")
        };
        assert_eq!(
            failure,
            &TlsFailure::AlertReceived("decrypt_error".into()),
            "{server}: {err}"
        );
        let example = recorded(&t, server, "bad-signature").await;
        assert!(example.contains("signature does not verify"), "{example}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_on_a_tls_port_is_refused_with_an_explanation_on_both_ends() {
    let t = deployment().await;
    for (server, url, _) in servers(&t) {
        let plain = url.replacen("https://", "http://", 1);
        let err = post(&t, &plain, None).await;
        let CallError::Status { status, body, .. } = &err else {
            panic!("{server}: expected HTTP 400, got {err}")
        };
        assert_eq!(*status, 400, "{server}: {err}");
        assert!(
            body.contains("plain HTTP request was sent"),
            "{server}: {body}"
        );
        let example = recorded(&t, server, "plaintext-on-tls-port").await;
        assert!(
            example.contains("plain HTTP request received on a TLS port"),
            "{example}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_a_plain_port_is_named_as_such() {
    let loaded = scenario::parse(
        Path::new("plain.toml"),
        &format!("{SCENARIO}[tls]\nenabled = false\n"),
    )
    .unwrap();
    let t = topology::build(&loaded, None).await.unwrap();
    let pki = certs::generate(&PkiSpec::direct()).unwrap();
    let url = format!(
        "https://connector.crmsim.test:{}/ici",
        first_connector(&t).local_addr().port()
    );
    let tls = ClientTls {
        config: certs::client_config(
            &pki.crm.identity,
            &pki.crm.peer_roots,
            &options(TlsVersions::Both),
        )
        .unwrap(),
        verifier: certs::server_verifier(&pki.crm.peer_roots).unwrap(),
    };
    let err = post(&t, &url, Some(tls)).await;
    assert!(
        matches!(
            &err,
            CallError::Tls {
                failure: TlsFailure::PlaintextPeer,
                ..
            }
        ),
        "{err}"
    );
    let example = recorded(&t, "connector", "tls-on-plain-port").await;
    assert!(
        example.contains("TLS ClientHello received on a plain HTTP port"),
        "{example}"
    );
}
