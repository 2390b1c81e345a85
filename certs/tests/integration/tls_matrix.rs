//! mTLS between the CRM and a connector for both CA models and both directions, the refusals the
//! guide's setup must produce, version selection and session resumption; all in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use crate::common::{arc, no_resumption};
use certs::handshake::{HandshakeOutcome, handshake};
use certs::pki::{LeafOptions, Party};
use certs::{KeyAlgorithm, KeyExchange, TlsOptions, TlsVersions, client_config, server_config};
use rustls::{
    AlertDescription, CertificateError, Error, HandshakeKind, NamedGroup, ProtocolVersion,
};

/// `client` dials `server`, expecting the server's host name.
fn dial(client: &Party, server: &Party, opts: &TlsOptions) -> HandshakeOutcome {
    let c = client_config(&client.identity, &client.peer_roots, opts).unwrap();
    let s = server_config(&server.identity, &server.peer_roots, opts).unwrap();
    handshake(arc(c), arc(s), &server.host)
}

#[test]
fn both_models_handshake_in_both_directions() {
    for (model, pki) in [
        ("one-ca", crate::common::one_ca()),
        ("ca-per-side", crate::common::ca_per_side()),
    ] {
        let conn = &pki.connectors[0];
        for versions in [TlsVersions::Tls12, TlsVersions::Tls13] {
            let opts = TlsOptions {
                versions,
                ..no_resumption()
            };
            let requests = dial(&pki.crm, conn, &opts);
            assert!(
                requests.ok(),
                "{model} {versions:?} crm -> connector: {requests:?}"
            );
            let events = dial(conn, &pki.crm, &opts);
            assert!(
                events.ok(),
                "{model} {versions:?} connector -> crm: {events:?}"
            );
        }
    }
}

#[test]
fn ca_per_side_parties_trust_the_other_sides_ca_only() {
    let pki = crate::common::ca_per_side();
    assert_ne!(pki.crm_ca.cert, pki.connector_ca.cert);
    assert_eq!(
        pki.crm.peer_roots.certs(),
        std::slice::from_ref(&pki.connector_ca.cert)
    );
    assert_eq!(
        pki.connectors[0].peer_roots.certs(),
        std::slice::from_ref(&pki.crm_ca.cert)
    );
    // A connector presenting to another connector (same CA, but connectors trust the CRM side CA) is refused.
    let conn = &pki.connectors[0];
    let out = dial(conn, conn, &no_resumption());
    assert!(
        matches!(
            out.client_error,
            Some(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        ),
        "{out:?}"
    );
}

#[test]
fn ecdsa_pki_handshakes() {
    let pki = crate::common::ecdsa();
    let out = dial(&pki.crm, &pki.connectors[0], &no_resumption());
    assert!(out.ok(), "{out:?}");
}

fn client_without_cert(opts: &TlsOptions) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(certs::tls::provider(opts))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .unwrap()
        .with_webpki_verifier(
            certs::server_verifier(&crate::common::one_ca().crm.peer_roots).unwrap(),
        )
        .with_no_client_auth()
}

#[test]
fn no_client_certificate_is_refused_with_certificate_required() {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    for versions in [TlsVersions::Tls12, TlsVersions::Tls13] {
        let opts = TlsOptions {
            versions,
            ..no_resumption()
        };
        let s = server_config(&conn.identity, &conn.peer_roots, &opts).unwrap();
        let out = handshake(arc(client_without_cert(&opts)), arc(s), &conn.host);
        assert_eq!(
            out.server_error,
            Some(Error::NoCertificatesPresented),
            "{versions:?} {out:?}"
        );
        // In TLS 1.3 the refusal shows late, after the client finished (STACK-NOTES trap 7); rustls
        // sends alert 116 certificate_required for both versions.
        assert_eq!(
            out.client_error,
            Some(Error::AlertReceived(AlertDescription::CertificateRequired)),
            "{versions:?} {out:?}"
        );
    }
}

/// A client with `leaf` (issued by `ca`) dialing the one-CA connector.
fn dial_with_client_cert(leaf: &certs::pki::IssuedCert) -> HandshakeOutcome {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    let opts = no_resumption();
    let c = client_config(&leaf.identity().unwrap(), &pki.crm.peer_roots, &opts).unwrap();
    let s = server_config(&conn.identity, &conn.peer_roots, &opts).unwrap();
    handshake(arc(c), arc(s), &conn.host)
}

fn leaf() -> LeafOptions {
    LeafOptions::for_host("crm.crmsim.test", &[], KeyAlgorithm::EcdsaP256, 30)
}

#[test]
fn client_certificate_from_another_ca_is_refused_with_unknown_ca() {
    let out = dial_with_client_cert(&crate::common::other_ca().issue(&leaf()).unwrap());
    assert_eq!(
        out.server_error,
        Some(Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        "{out:?}"
    );
    assert_eq!(
        out.client_error,
        Some(Error::AlertReceived(AlertDescription::UnknownCA))
    );
}

#[test]
fn expired_client_certificate_is_refused_with_certificate_expired() {
    let ca = &crate::common::one_ca().crm_ca;
    let out = dial_with_client_cert(&ca.issue(&leaf().expired(3)).unwrap());
    assert!(
        matches!(
            out.server_error,
            Some(Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ),
        "{out:?}"
    );
    assert_eq!(
        out.client_error,
        Some(Error::AlertReceived(AlertDescription::CertificateExpired))
    );
}

#[test]
fn client_certificate_without_client_auth_eku_is_refused() {
    let ca = &crate::common::one_ca().crm_ca;
    let out = dial_with_client_cert(&ca.issue(&leaf().without_client_auth()).unwrap());
    assert!(
        matches!(
            out.server_error,
            Some(Error::InvalidCertificate(
                CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. }
            ))
        ),
        "{out:?}"
    );
    assert_eq!(
        out.client_error,
        Some(Error::AlertReceived(
            AlertDescription::UnsupportedCertificate
        ))
    );
}

#[test]
fn server_name_mismatch_is_refused_by_the_client() {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    let opts = no_resumption();
    let c = client_config(&pki.crm.identity, &pki.crm.peer_roots, &opts).unwrap();
    let s = server_config(&conn.identity, &conn.peer_roots, &opts).unwrap();
    let out = handshake(arc(c), arc(s), "proxy.crmsim.test");
    assert!(
        matches!(
            out.client_error,
            Some(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{out:?}"
    );
    assert_eq!(
        out.server_error,
        Some(Error::AlertReceived(AlertDescription::BadCertificate))
    );
}

#[test]
fn tls_versions_are_selectable_per_side() {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    let with = |v| TlsOptions {
        versions: v,
        ..no_resumption()
    };
    let mk = |cv, sv| {
        let c = client_config(&pki.crm.identity, &pki.crm.peer_roots, &with(cv)).unwrap();
        let s = server_config(&conn.identity, &conn.peer_roots, &with(sv)).unwrap();
        handshake(arc(c), arc(s), &conn.host)
    };
    assert_eq!(
        mk(TlsVersions::Tls12, TlsVersions::Both).version,
        Some(ProtocolVersion::TLSv1_2)
    );
    assert_eq!(
        mk(TlsVersions::Both, TlsVersions::Tls12).version,
        Some(ProtocolVersion::TLSv1_2)
    );
    assert_eq!(
        mk(TlsVersions::Both, TlsVersions::Both).version,
        Some(ProtocolVersion::TLSv1_3)
    );
    assert_eq!(
        mk(TlsVersions::Tls13, TlsVersions::Tls13).version,
        Some(ProtocolVersion::TLSv1_3)
    );
    let refused = mk(TlsVersions::Tls13, TlsVersions::Tls12);
    assert!(!refused.ok());
    assert!(
        matches!(refused.server_error, Some(Error::PeerIncompatible(_))),
        "{refused:?}"
    );
}

#[test]
fn resumption_works_when_enabled_and_not_when_disabled() {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    for versions in [TlsVersions::Tls12, TlsVersions::Tls13] {
        for resumption in [true, false] {
            let opts = TlsOptions {
                versions,
                resumption,
                ..TlsOptions::default()
            };
            let c = Arc::new(client_config(&pki.crm.identity, &pki.crm.peer_roots, &opts).unwrap());
            let s = Arc::new(server_config(&conn.identity, &conn.peer_roots, &opts).unwrap());
            let first = handshake(c.clone(), s.clone(), &conn.host);
            assert_eq!(first.kind, Some(HandshakeKind::Full), "{first:?}");
            let second = handshake(c, s, &conn.host);
            let expected = if resumption {
                HandshakeKind::Resumed
            } else {
                HandshakeKind::Full
            };
            assert_eq!(
                second.kind,
                Some(expected),
                "{versions:?} resumption={resumption}: {second:?}"
            );
        }
    }
}

#[test]
fn key_exchange_group_is_what_was_configured() {
    let pki = crate::common::one_ca();
    let conn = &pki.connectors[0];
    for (kx, expected) in [
        (KeyExchange::X25519, NamedGroup::X25519),
        (KeyExchange::Secp256r1, NamedGroup::secp256r1),
        (KeyExchange::X25519MlKem768, NamedGroup::X25519MLKEM768),
    ] {
        let opts = TlsOptions {
            key_exchange: kx,
            ..no_resumption()
        };
        assert_eq!(
            dial(&pki.crm, conn, &opts).key_exchange,
            Some(expected),
            "{kx:?}"
        );
    }
    // rustls' default order depends on its `prefer-post-quantum` feature, which the build may unify.
    let default = TlsOptions {
        key_exchange: KeyExchange::Default,
        ..no_resumption()
    };
    let got = dial(&pki.crm, conn, &default).key_exchange;
    assert!(
        matches!(got, Some(NamedGroup::X25519 | NamedGroup::X25519MLKEM768)),
        "{got:?}"
    );
    // The hybrid cannot be used with TLS 1.2; X25519 is the fallback.
    let tls12 = TlsOptions {
        key_exchange: KeyExchange::X25519MlKem768,
        versions: TlsVersions::Tls12,
        ..no_resumption()
    };
    assert_eq!(
        dial(&pki.crm, conn, &tls12).key_exchange,
        Some(NamedGroup::X25519)
    );
}

#[test]
fn alpn_is_http11_on_both_sides() {
    let pki = crate::common::one_ca();
    let c = client_config(
        &pki.crm.identity,
        &pki.crm.peer_roots,
        &TlsOptions::default(),
    )
    .unwrap();
    let s = server_config(
        &pki.crm.identity,
        &pki.crm.peer_roots,
        &TlsOptions::default(),
    )
    .unwrap();
    assert_eq!(c.alpn_protocols, vec![b"http/1.1".to_vec()]);
    assert_eq!(s.alpn_protocols, vec![b"http/1.1".to_vec()]);
}

#[test]
fn tls_options_deserialize_from_the_documented_words() {
    #[derive(serde::Deserialize)]
    struct W {
        tls: TlsOptions,
    }
    let w: W = serde_json::from_str(
        r#"{"tls":{"versions":"1.2","key_exchange":"x25519mlkem768","resumption":false}}"#,
    )
    .unwrap();
    assert_eq!(w.tls.versions, TlsVersions::Tls12);
    assert_eq!(w.tls.key_exchange, KeyExchange::X25519MlKem768);
    assert!(!w.tls.resumption);
}
