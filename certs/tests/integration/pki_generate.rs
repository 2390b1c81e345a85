//! What `pki::generate` produces: the guide's certificate (CN host.domain, sha256WithRSAEncryption),
//! plus SAN and both EKUs, CA certificates with the CA flag, and deliberately bad material on demand.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use certs::inspect::{CertInfo, PublicKeyKind, inspect};
use certs::pki::{Ca, CaOptions, LeafKey, LeafOptions, PartySpec, PkiSpec, SignatureHash};
use certs::{KeyAlgorithm, Layout, generate};

fn info(pem: &str) -> CertInfo {
    let certs = certs::TrustStore::from_pem(pem).unwrap();
    inspect(&certs.certs()[0]).unwrap()
}

#[test]
fn leaves_follow_the_guide() {
    for pki in [crate::common::one_ca(), crate::common::ca_per_side()] {
        for party in std::iter::once(&pki.crm).chain(&pki.connectors) {
            let i = info(&party.cert_pem);
            assert_eq!(i.common_name.as_deref(), Some(party.host.as_str()));
            assert_eq!(i.dns_names.first(), Some(&party.host));
            assert_eq!(i.signature_name, "sha256WithRSAEncryption");
            assert!(i.is_sha256_rsa());
            assert_eq!(i.public_key, PublicKeyKind::Rsa { bits: 2048 });
            let eku = i.extended_key_usage.unwrap();
            assert!(eku.server_auth && eku.client_auth);
            assert_eq!(i.basic_constraints_ca, Some(false));
            assert!(i.not_before < time::OffsetDateTime::now_utc() - time::Duration::hours(23));
            assert!(party.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            assert!(certs::Identity::from_pem(&party.cert_pem, &party.key_pem).is_ok());
        }
    }
}

#[test]
fn cas_are_named_flagged_and_distinct_per_side() {
    let one = crate::common::one_ca();
    assert_eq!(one.crm_ca.name, "crmsim Company CA");
    assert_eq!(one.crm_ca.cert, one.connector_ca.cert);
    let per_side = crate::common::ca_per_side();
    assert_eq!(per_side.crm_ca.name, "crmsim CRM Side CA");
    assert_eq!(per_side.connector_ca.name, "crmsim Connector Side CA");
    for ca in [&one.crm_ca, &per_side.crm_ca, &per_side.connector_ca] {
        let i = info(&ca.cert_pem);
        assert!(i.is_ca(), "{}", ca.name);
        assert_eq!(i.key_cert_sign, Some(true));
        assert!(i.is_self_issued());
        assert_eq!(i.common_name.as_deref(), Some(ca.name.as_str()));
    }
}

#[test]
fn serials_are_random_and_extra_sans_include_ip_literals() {
    let pki = crate::common::one_ca();
    let a = info(&pki.crm.cert_pem);
    let b = info(&pki.connectors[0].cert_pem);
    assert_ne!(a.serial_hex, b.serial_hex);
    let ca = Ca::new("t", KeyAlgorithm::EcdsaP256, 1).unwrap();
    let extra = vec!["127.0.0.1".to_string(), "alias.crmsim.test".to_string()];
    let issued = ca
        .issue(&LeafOptions::for_host(
            "h.crmsim.test",
            &extra,
            KeyAlgorithm::EcdsaP256,
            1,
        ))
        .unwrap();
    let i = inspect(&issued.cert).unwrap();
    assert_eq!(i.dns_names, vec!["h.crmsim.test", "alias.crmsim.test"]);
    assert_eq!(
        i.ip_addresses,
        vec!["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(i.signature_name, "ecdsa-with-SHA256");
}

#[test]
fn bad_material_can_be_made_on_purpose() {
    let ca = &crate::common::one_ca().crm_ca;
    let base = LeafOptions::for_host("bad.crmsim.test", &[], KeyAlgorithm::EcdsaP256, 30);
    let i = inspect(
        &ca.issue(&base.clone().with_key(LeafKey::WeakRsa1024))
            .unwrap()
            .cert,
    )
    .unwrap();
    assert_eq!(i.public_key, PublicKeyKind::Rsa { bits: 1024 });
    let weak = ca
        .issue(&base.clone().with_key(LeafKey::WeakRsa1024))
        .unwrap();
    // The weak key matches its certificate, but no loader takes it: the TLS library would
    // refuse it later without saying why, so loading says so (with the key's file).
    match weak.identity() {
        Err(e) => assert!(e.to_string().contains("RSA key of 1024 bits"), "{e}"),
        Ok(_) => panic!("a 1024-bit RSA identity was accepted"),
    }
    let i = inspect(
        &ca.issue(&base.clone().with_signature(SignatureHash::Sha512))
            .unwrap()
            .cert,
    )
    .unwrap();
    assert_eq!(i.signature_name, "sha512WithRSAEncryption");
    let i = inspect(&ca.issue(&base.clone().without_san()).unwrap().cert).unwrap();
    assert!(!i.has_san);
    let i = inspect(
        &ca.issue(&base.clone().with_common_name("bad"))
            .unwrap()
            .cert,
    )
    .unwrap();
    assert_eq!(i.common_name.as_deref(), Some("bad"));
    let no_flag = Ca::with_options(&CaOptions {
        ca_flag: false,
        ..CaOptions::new("not a CA", KeyAlgorithm::EcdsaP256, 30)
    })
    .unwrap();
    assert_eq!(
        inspect(&no_flag.cert).unwrap().basic_constraints_ca,
        Some(false)
    );
}

#[test]
fn generate_refuses_empty_specs() {
    let spec = PkiSpec {
        layout: Layout::OneCa,
        key: KeyAlgorithm::EcdsaP256,
        validity_days: 10,
        crm: PartySpec::new("crm", "crm.crmsim.test"),
        connectors: vec![],
    };
    assert!(generate(&spec).is_err());
}

#[test]
fn side_a_and_b_get_their_own_certificates() {
    let mut spec = crate::common::spec(Layout::OneCa, KeyAlgorithm::EcdsaP256);
    spec.connectors = vec![
        PartySpec::new("connector-a", "connector-a.crmsim.test"),
        PartySpec::new("connector-b", "connector-b.crmsim.test"),
    ];
    let pki = generate(&spec).unwrap();
    let a = pki.connector("connector-a").unwrap();
    let b = pki.connector("connector-b").unwrap();
    assert_ne!(a.cert_pem, b.cert_pem);
    assert_eq!(
        info(&b.cert_pem).common_name.as_deref(),
        Some("connector-b.crmsim.test")
    );
}

#[test]
fn identity_debug_does_not_print_the_key() {
    let party = &crate::common::one_ca().crm;
    let dbg = format!("{:?}", party.identity);
    assert!(
        dbg.contains("redacted") && dbg.contains("crm.crmsim.test"),
        "{dbg}"
    );
    assert!(!dbg.contains(&party.key_pem[30..60]));
}
