//! `certs new` for the guide's four models → the doctor finds no error → the folders load → mTLS works
//! both ways; and OpenSSL agrees with what was written (verify, x509 -text, pkcs12).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use certs::handshake::handshake;
use certs::layout::{EN_DASH, NewOptions, PemStyle, Sides, Written, write_new};
use certs::{
    CheckOptions, Layout, TlsOptions, TpiParameter, client_config, load_connector_folder,
    load_crm_folder, server_config,
};

const MODELS: [(Layout, PemStyle); 4] = [
    (Layout::OneCa, PemStyle::Single),
    (Layout::OneCa, PemStyle::Split),
    (Layout::CaPerSide, PemStyle::Single),
    (Layout::CaPerSide, PemStyle::Split),
];

/// A folder of this test process's own: tests run as threads of one process or (nextest) as
/// processes side by side, and a fixed path would let one remove what another is reading.
fn scratch(name: &str) -> PathBuf {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let root = ROOT.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("certs-layout-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
    });
    root.path().join(name)
}

/// The four models, written once per test binary (RSA key generation is the slow part).
fn models() -> &'static Vec<Written> {
    static W: OnceLock<Vec<Written>> = OnceLock::new();
    W.get_or_init(|| {
        MODELS
            .iter()
            .map(|(layout, pem)| {
                let opts = NewOptions {
                    layout: *layout,
                    pem: *pem,
                    ..NewOptions::default()
                };
                write_new(&scratch(&format!("{layout:?}-{pem:?}")), &opts).unwrap()
            })
            .collect()
    })
}

fn rel(w: &Written) -> Vec<String> {
    let mut v: Vec<String> = w
        .files
        .iter()
        .map(|f| {
            f.strip_prefix(&w.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_files_have_the_guides_names() {
    let w = models();
    let one_single = rel(&w[0]);
    for expected in [
        "connector/ssl.ini",
        "connector/CRMConnectorSAP_SAP1.ini",
        "connector/ssl/(Company CA Certificate).pem",
        "connector/ssl/(Connects for SAP Certificate).pem",
        "crm/crm.crt.pem",
        "crm/crm.key.pem",
        "crm/trust-ca.pem",
        "crm/trust-ca.cer",
        "crm/crm.p12",
        "README.txt",
        "manifest.json",
    ] {
        assert!(
            one_single.contains(&expected.to_string()),
            "{expected} missing in {one_single:?}"
        );
    }
    let split = rel(&w[3]);
    assert!(split.contains(&format!(
        "connector/ssl/(Connects for SAP Certificate {EN_DASH} cert file).pem"
    )));
    assert!(split.contains(&format!(
        "connector/ssl/(Connects for SAP Certificate {EN_DASH} key file).pem"
    )));
    assert!(split.contains(&"connector/ssl/(CRM Side CA Certificate).pem".to_string()));
    let ini = certs::SslIni::load(&w[3].connector_dirs[0].join("ssl.ini")).unwrap();
    assert_eq!(ini.method.unwrap().value, "0");
    assert_eq!(
        ini.ca_file.unwrap().value,
        "./ssl/(CRM Side CA Certificate).pem"
    );
    assert_eq!(
        ini.crt_file.unwrap().value,
        format!("./ssl/(Connects for SAP Certificate {EN_DASH} cert file).pem")
    );
    let readme = std::fs::read_to_string(w[0].root.join("README.txt")).unwrap();
    for word in ["STRUST", "SM59", "CRMM_BCB_ADM", "changeit"] {
        assert!(readme.contains(word), "README lacks {word}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w[0].root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["layout"], "one-ca");
    assert_eq!(manifest["connectors"][0]["host"], "connector.crmsim.test");
    assert_eq!(manifest["connectors"][0]["tpi_dll_parameter"], "SSL");
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 95)
    );
}

#[test]
fn every_model_checks_clean_loads_and_handshakes_both_ways() {
    for (w, (layout, pem)) in models().iter().zip(MODELS) {
        let model = format!("{layout:?}/{pem:?}");
        let conn_dir = &w.connector_dirs[0];
        let opts = CheckOptions {
            layout: Some(layout),
            expected_host: Some("connector.crmsim.test".to_string()),
            ..CheckOptions::default()
        };
        let report = certs::check(conn_dir, &opts);
        assert_eq!(
            report.exit_code(),
            0,
            "{model} connector:\n{}",
            report.render_human()
        );
        assert_eq!(
            report.warnings(),
            0,
            "{model} connector:\n{}",
            report.render_human()
        );
        // Also without being told the model: no error.
        assert_eq!(
            certs::check(conn_dir, &CheckOptions::default()).errors(),
            0,
            "{model}"
        );
        let crm_opts = CheckOptions {
            layout: Some(layout),
            expected_host: Some("crm.crmsim.test".to_string()),
            ..CheckOptions::default()
        };
        let report = certs::check(&w.crm_dir, &crm_opts);
        assert_eq!(
            report.exit_code(),
            0,
            "{model} crm:\n{}",
            report.render_human()
        );

        let folder = load_connector_folder(conn_dir).unwrap();
        assert_eq!(folder.name, "SAP1");
        assert_eq!(folder.tpi, TpiParameter::ssl());
        let (conn_id, conn_trust) = folder.tls.unwrap();
        let crm = load_crm_folder(&w.crm_dir).unwrap();
        let tls = TlsOptions {
            resumption: false,
            ..TlsOptions::default()
        };
        let requests = handshake(
            Arc::new(client_config(&crm.identity, &crm.trust, &tls).unwrap()),
            Arc::new(server_config(&conn_id, &conn_trust, &tls).unwrap()),
            "connector.crmsim.test",
        );
        assert!(requests.ok(), "{model} crm -> connector: {requests:?}");
        let events = handshake(
            Arc::new(client_config(&conn_id, &conn_trust, &tls).unwrap()),
            Arc::new(server_config(&crm.identity, &crm.trust, &tls).unwrap()),
            "crm.crmsim.test",
        );
        assert!(events.ok(), "{model} connector -> crm: {events:?}");
    }
}

#[test]
fn ca_per_side_peer_ca_check_passes_with_the_right_peer_and_fails_with_the_wrong_one() {
    let w = &models()[2];
    let conn_dir = &w.connector_dirs[0];
    let with_peer = |peer: PathBuf| CheckOptions {
        peer_ca: Some(peer),
        ..CheckOptions::default()
    };
    // The connector's peer is the CRM: its certificate must chain to the connector's CA_FILE.
    let ok = certs::check(conn_dir, &with_peer(w.crm_dir.join("crm.crt.pem")));
    assert_eq!(ok.errors(), 0, "{}", ok.render_human());
    assert!(ok.has(certs::doctor::codes::ISSUED_BY_OTHER_SIDE_CA));
    // The connector side's own CA (what the CRM trusts) is not what the connector trusts.
    let bad = certs::check(conn_dir, &with_peer(w.crm_dir.join("trust-ca.pem")));
    assert!(
        bad.has(certs::doctor::codes::PEER_CA_NOT_TRUSTED),
        "{}",
        bad.render_human()
    );
}

#[test]
fn sides_a_and_b_with_a_proxy_route() {
    let opts = NewOptions {
        proxy: Some(("10.0.0.5".to_string(), 8443)),
        pem: PemStyle::Split,
        key: certs::KeyAlgorithm::EcdsaP256,
        ..NewOptions::sides_ab()
    };
    let w = write_new(&scratch("ab-proxy"), &opts).unwrap();
    let files = rel(&w);
    assert!(files.contains(
        &"connector-a/ssl/(Connects for SAP Certificate Side A \u{2013} cert file).pem".to_string()
    ));
    assert!(files.contains(
        &"connector-b/ssl/(Connects for SAP Certificate Side B \u{2013} key file).pem".to_string()
    ));
    for (dir, host) in w
        .connector_dirs
        .iter()
        .zip(["connector-a.crmsim.test", "connector-b.crmsim.test"])
    {
        let f = load_connector_folder(dir).unwrap();
        assert_eq!(f.tpi, TpiParameter::ssl_via_proxy("10.0.0.5", 8443));
        let raw = std::fs::read(dir.join("CRMConnectorSAP_SAP1.ini")).unwrap();
        assert_eq!(
            raw,
            b"[Config]\r\nTpiDllParameter=SSL PROXY=10.0.0.5:8443\r\n"
        );
        let (id, _) = f.tls.unwrap();
        assert_eq!(
            certs::inspect::inspect(id.leaf())
                .unwrap()
                .common_name
                .as_deref(),
            Some(host)
        );
    }
    assert_eq!(w.manifest.sides, Sides::AB);
    // A second write into the same, now non-empty folder is refused.
    assert!(write_new(&w.root, &opts).is_err());
}

#[test]
fn ini_files_are_written_as_ansi_with_crlf_so_windows_finds_the_en_dash_names() {
    let w = &models()[1];
    let raw = std::fs::read(w.connector_dirs[0].join("ssl.ini")).unwrap();
    assert!(raw.windows(2).any(|p| p == b"\r\n"));
    assert!(raw.contains(&0x96), "en dash as Windows-1252 0x96");
    assert!(std::str::from_utf8(&raw).is_err());
}

// ---- OpenSSL agrees --------------------------------------------------------------------------

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("/usr/bin/openssl")
        .args(args)
        .output()
        .expect("openssl runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn openssl_verifies_and_reads_what_was_written() {
    for (w, (layout, pem)) in models().iter().zip(MODELS) {
        let model = format!("{layout:?}/{pem:?}");
        let ssl = w.connector_dirs[0].join("ssl");
        let cert = match pem {
            PemStyle::Single => ssl.join("(Connects for SAP Certificate).pem"),
            PemStyle::Split => ssl.join(format!(
                "(Connects for SAP Certificate {EN_DASH} cert file).pem"
            )),
        };
        // The CRM trusts the connector's issuer; the connector trusts the CRM's issuer.
        let trust_of_crm = w.crm_dir.join("trust-ca.pem");
        let out = openssl(&["verify", "-CAfile", s(&trust_of_crm), s(&cert)]);
        assert!(
            out.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let connector_ca = std::fs::read_dir(&ssl)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains("CA Certificate"))
            .unwrap();
        let out = openssl(&[
            "verify",
            "-CAfile",
            s(&connector_ca),
            s(&w.crm_dir.join("crm.crt.pem")),
        ]);
        assert!(
            out.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let text = openssl(&["x509", "-text", "-noout", "-in", s(&cert)]);
        assert!(text.status.success());
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("Signature Algorithm: sha256WithRSAEncryption"),
            "{text}"
        );
        assert!(text.contains("DNS:connector.crmsim.test"), "{text}");
        assert!(
            text.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
            "{text}"
        );
        assert!(
            text.contains("Subject: CN = connector.crmsim.test"),
            "{text}"
        );
        assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    }
    let ca_text = openssl(&[
        "x509",
        "-text",
        "-noout",
        "-in",
        s(&models()[0].crm_dir.join("trust-ca.pem")),
    ]);
    let ca_text = String::from_utf8_lossy(&ca_text.stdout);
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");
}

#[test]
fn openssl_reads_the_pkcs12_bundle() {
    let p12 = models()[0].crm_dir.join("crm.p12");
    let plain = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        s(&p12),
        "-passin",
        "pass:changeit",
        "-noout",
    ]);
    // OpenSSL 3 needs its legacy provider for RC2-40, which old SAP releases expect.
    let out = if plain.status.success() {
        plain
    } else {
        openssl(&[
            "pkcs12",
            "-legacy",
            "-info",
            "-in",
            s(&p12),
            "-passin",
            "pass:changeit",
            "-noout",
        ])
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wrong = openssl(&[
        "pkcs12",
        "-legacy",
        "-info",
        "-in",
        s(&p12),
        "-passin",
        "pass:wrong",
        "-noout",
    ]);
    assert!(!wrong.status.success());
    let bytes = std::fs::read(&p12).unwrap();
    assert_eq!(
        certs::p12::certificates(&bytes, "changeit").unwrap().len(),
        2
    );
}
