//! Every doctor finding, triggered by generated bad material, reported with its code and a fix hint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use certs::doctor::codes;
use certs::pki::{Ca, CaOptions, IssuedCert, LeafKey, LeafOptions, SignatureHash};
use certs::{CheckOptions, KeyAlgorithm, Layout, Report, Severity, check};

const CA: &str = "(Company CA Certificate).pem";
const PEM: &str = "(Connects for SAP Certificate).pem";

/// A connector folder to write: files under ssl/ plus the two ini files.
#[derive(Clone)]
struct Folder {
    files: Vec<(String, Vec<u8>)>,
    ssl_ini: String,
    connector_ini: Option<String>,
}

fn ssl_ini(lines: &[&str]) -> String {
    let mut s = String::from("[SSL]\r\nMETHOD=0\r\n\r\n[SSL_SERVER_CLIENT]\r\n");
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

fn good_ini() -> String {
    ssl_ini(&[
        &format!("CA_FILE=./ssl/{CA}"),
        &format!("PEM_FILE=./ssl/{PEM}"),
    ])
}

fn ca() -> &'static Ca {
    &crate::common::one_ca().crm_ca
}

impl Folder {
    fn good() -> Folder {
        let conn = &crate::common::one_ca().connectors[0];
        Folder {
            files: vec![
                (format!("ssl/{CA}"), ca().cert_pem.clone().into_bytes()),
                (
                    format!("ssl/{PEM}"),
                    format!("{}{}", conn.cert_pem, conn.key_pem).into_bytes(),
                ),
            ],
            ssl_ini: good_ini(),
            connector_ini: Some("[Config]\r\nTpiDllParameter=SSL\r\n".to_string()),
        }
    }

    /// The good folder with the connector's certificate replaced by `leaf`.
    fn with_leaf(leaf: &IssuedCert) -> Folder {
        Folder::good().file(&format!("ssl/{PEM}"), leaf.combined_pem().as_bytes())
    }

    fn file(mut self, name: &str, bytes: &[u8]) -> Folder {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), bytes.to_vec()));
        self
    }

    fn without(mut self, name: &str) -> Folder {
        self.files.retain(|(n, _)| n != name);
        self
    }

    fn ini(mut self, text: String) -> Folder {
        self.ssl_ini = text;
        self
    }

    fn write(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("certs-doctor")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ssl")).unwrap();
        for (n, bytes) in &self.files {
            let p = dir.join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        std::fs::write(dir.join("ssl.ini"), &self.ssl_ini).unwrap();
        if let Some(c) = &self.connector_ini {
            std::fs::write(dir.join("CRMConnectorSAP_SAP1.ini"), c).unwrap();
        }
        dir
    }
}

fn leaf() -> LeafOptions {
    LeafOptions::for_host("connector.crmsim.test", &[], KeyAlgorithm::EcdsaP256, 365)
}

fn issue(opts: LeafOptions) -> IssuedCert {
    ca().issue(&opts).unwrap()
}

fn one_ca_opts() -> CheckOptions {
    CheckOptions {
        layout: Some(Layout::OneCa),
        expected_host: Some("connector.crmsim.test".to_string()),
        ..CheckOptions::default()
    }
}

fn run(name: &str, folder: Folder, opts: CheckOptions) -> Report {
    check(&folder.write(name), &opts)
}

fn assert_finding(report: &Report, code: &str, severity: Severity) {
    let found = report.with_code(code);
    assert!(
        !found.is_empty(),
        "expected {code}:\n{}",
        report.render_human()
    );
    for f in found {
        assert_eq!(f.severity, severity, "{code}:\n{}", report.render_human());
        assert!(!f.hint.trim().is_empty(), "{code} has no hint");
        assert!(!f.message.trim().is_empty(), "{code} has no message");
        assert!(f.file.is_some(), "{code} names no file");
    }
    let human = report.render_human();
    assert!(
        human.contains(code) && (human.contains("fix: ") || human.contains("note: ")),
        "{human}"
    );
}

#[test]
fn a_good_folder_has_no_error_and_no_warning() {
    let r = run("good", Folder::good(), one_ca_opts());
    assert_eq!(r.errors() + r.warnings(), 0, "{}", r.render_human());
    assert_eq!(r.exit_code(), 0);
    assert!(r.has(codes::CERT_SUMMARY));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["findings"][0]["severity"], "info");
}

#[test]
fn file_missing_names_the_resolved_path_and_where_the_file_is() {
    // The guide's own inconsistency: files under SAP\, ssl.ini pointing at ./ssl/.
    let good = Folder::good();
    let mut folder = good.clone();
    folder.files = good
        .files
        .iter()
        .map(|(n, b)| (n.replace("ssl/", "SAP/"), b.clone()))
        .collect();
    let dir = folder.write("file-missing");
    let r = check(&dir, &one_ca_opts());
    assert_finding(&r, codes::FILE_MISSING, Severity::Error);
    let f = r.with_code(codes::FILE_MISSING)[0];
    assert!(
        f.message
            .contains(&dir.join("ssl").join(CA).display().to_string()),
        "{}",
        f.message
    );
    assert!(
        f.hint
            .contains(&dir.join("SAP").join(CA).display().to_string()),
        "{}",
        f.hint
    );
    assert!(
        f.hint.contains(&format!("CA_FILE=./SAP/{CA}")),
        "{}",
        f.hint
    );
    assert_eq!(f.line, Some(5), "the ini line of CA_FILE");
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn a_file_found_only_ignoring_case_is_fine_but_reported() {
    // The guide writes "(CRM side CA Certificate).pem" in ssl.ini and "(CRM Side CA Certificate).pem" elsewhere.
    let folder = Folder::good().ini(ssl_ini(&[
        "CA_FILE=.\\ssl\\(company ca certificate).PEM",
        &format!("PEM_FILE=./ssl/{PEM}"),
    ]));
    let r = run("case", folder, one_ca_opts());
    assert_finding(&r, codes::FILE_NAME_CASE, Severity::Info);
    assert_eq!(r.errors(), 0, "{}", r.render_human());
}

#[test]
fn absolute_windows_paths_are_mapped_onto_the_folder() {
    let folder = Folder::good().ini(ssl_ini(&[
        &format!(
            "CA_FILE=C:\\Program Files (x86)\\BucherSuter\\MCAforSAP\\CRMConnectorSAP\\ssl\\{CA}"
        ),
        &format!("PEM_FILE=./ssl/{PEM}"),
    ]));
    let r = run("winabs", folder, one_ca_opts());
    assert_finding(&r, codes::WINDOWS_ABSOLUTE_PATH, Severity::Info);
    assert_eq!(r.errors(), 0, "{}", r.render_human());
}

#[test]
fn der_cer_instead_of_pem_says_how_to_convert() {
    let folder = Folder::good()
        .without(&format!("ssl/{CA}"))
        .file("ssl/company-ca.cer", ca().cert.as_ref())
        .ini(ssl_ini(&[
            "CA_FILE=./ssl/company-ca.cer",
            &format!("PEM_FILE=./ssl/{PEM}"),
        ]));
    let r = run("der", folder, one_ca_opts());
    assert_finding(&r, codes::DER_NOT_PEM, Severity::Error);
    let hint = &r.with_code(codes::DER_NOT_PEM)[0].hint;
    assert!(
        hint.contains("crmsim certs convert") && hint.contains("openssl x509 -inform DER"),
        "{hint}"
    );
}

#[test]
fn a_cer_file_holding_pem_is_accepted() {
    let folder = Folder::good()
        .file("ssl/ca.cer", ca().cert_pem.as_bytes())
        .ini(ssl_ini(&[
            "CA_FILE=./ssl/ca.cer",
            &format!("PEM_FILE=./ssl/{PEM}"),
        ]));
    let r = run("cer-pem", folder, one_ca_opts());
    assert_finding(&r, codes::CER_HOLDS_PEM, Severity::Info);
    assert_eq!(r.errors(), 0);
}

#[test]
fn encrypted_keys_are_recognised_in_both_pem_forms() {
    let conn = &crate::common::one_ca().connectors[0];
    let pkcs8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END RSA PRIVATE KEY-----\n";
    for (name, key) in [("enc-pkcs8", pkcs8), ("enc-legacy", legacy)] {
        let folder = Folder::good().file(
            &format!("ssl/{PEM}"),
            format!("{}{key}", conn.cert_pem).as_bytes(),
        );
        let r = run(name, folder, one_ca_opts());
        assert_finding(&r, codes::KEY_ENCRYPTED, Severity::Error);
        assert!(
            r.with_code(codes::KEY_ENCRYPTED)[0]
                .hint
                .contains("openssl pkey")
        );
    }
}

#[test]
fn key_not_matching_the_certificate() {
    let pki = crate::common::one_ca();
    let mixed = format!("{}{}", pki.connectors[0].cert_pem, pki.crm.key_pem);
    let r = run(
        "mismatch",
        Folder::good().file(&format!("ssl/{PEM}"), mixed.as_bytes()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::KEY_MISMATCH, Severity::Error);
}

#[test]
fn pem_file_without_key() {
    let conn = &crate::common::one_ca().connectors[0];
    let r = run(
        "nokey",
        Folder::good().file(&format!("ssl/{PEM}"), conn.cert_pem.as_bytes()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::KEY_MISSING, Severity::Error);
}

#[test]
fn certificate_not_issued_by_ca_file() {
    let other = crate::common::other_ca().issue(&leaf()).unwrap();
    let r = run("other-ca", Folder::with_leaf(&other), one_ca_opts());
    assert_finding(&r, codes::NOT_ISSUED_BY_CA_FILE, Severity::Error);
    // Without knowing the model it is a warning that explains both models.
    let r = run(
        "other-ca-unknown",
        Folder::with_leaf(&other),
        CheckOptions::default(),
    );
    assert_finding(&r, codes::NOT_ISSUED_BY_CA_FILE, Severity::Warning);
}

#[test]
fn expired_not_yet_valid_and_expiring_soon() {
    let r = run(
        "expired",
        Folder::with_leaf(&issue(leaf().expired(2))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CERT_EXPIRED, Severity::Error);
    let r = run(
        "future",
        Folder::with_leaf(&issue(leaf().not_yet_valid(2))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CERT_NOT_YET_VALID, Severity::Error);
    let r = run(
        "soon",
        Folder::with_leaf(&issue(leaf().expiring_in(10))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CERT_EXPIRING_SOON, Severity::Warning);
    assert_eq!(r.exit_code(), 0, "warnings alone pass");
    // The clock can be overridden: the good folder, one year and a day from now.
    let later = CheckOptions {
        now: Some(time::OffsetDateTime::now_utc() + time::Duration::days(400)),
        ..one_ca_opts()
    };
    assert_finding(
        &run("later", Folder::good(), later),
        codes::CERT_EXPIRED,
        Severity::Error,
    );
}

#[test]
fn signature_other_than_sha256_rsa_is_a_warning() {
    // rcgen cannot sign with SHA-1; SHA-512 with RSA is "not sha256RSA" just the same.
    let r = run(
        "sha512",
        Folder::with_leaf(&issue(leaf().with_signature(SignatureHash::Sha512))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::SIGNATURE_NOT_SHA256_RSA, Severity::Warning);
    assert!(
        r.with_code(codes::SIGNATURE_NOT_SHA256_RSA)[0]
            .message
            .contains("sha512WithRSAEncryption")
    );
}

#[test]
fn rsa_key_under_2048_bits() {
    let r = run(
        "rsa1024",
        Folder::with_leaf(&issue(leaf().with_key(LeafKey::WeakRsa1024))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::RSA_KEY_TOO_SMALL, Severity::Error);
    assert!(
        r.with_code(codes::RSA_KEY_TOO_SMALL)[0]
            .message
            .contains("1024")
    );
    assert!(
        !r.has(codes::KEY_MISMATCH),
        "the weak key does belong to its certificate"
    );
}

#[test]
fn subject_not_host_domain() {
    let r = run(
        "cn",
        Folder::with_leaf(&issue(leaf().with_common_name("connector"))),
        one_ca_opts(),
    );
    assert_finding(&r, codes::SUBJECT_NOT_HOST_DOMAIN, Severity::Warning);
}

#[test]
fn no_san_and_san_not_matching_the_host() {
    let r = run(
        "nosan",
        Folder::with_leaf(&issue(leaf().without_san())),
        one_ca_opts(),
    );
    assert_finding(&r, codes::SAN_MISSING, Severity::Error);
    let other_host = CheckOptions {
        expected_host: Some("connector2.crmsim.test".to_string()),
        ..one_ca_opts()
    };
    let r = run("sanhost", Folder::good(), other_host);
    assert_finding(&r, codes::SAN_HOST_MISMATCH, Severity::Error);
    let ip = CheckOptions {
        expected_host: Some("127.0.0.1".to_string()),
        ..one_ca_opts()
    };
    assert!(run("sanip", Folder::good(), ip).has(codes::SAN_HOST_MISMATCH));
}

#[test]
fn eku_without_server_auth_or_client_auth() {
    let r = run(
        "noclient",
        Folder::with_leaf(&issue(leaf().without_client_auth())),
        one_ca_opts(),
    );
    assert_finding(&r, codes::EKU_NO_CLIENT_AUTH, Severity::Error);
    let r = run(
        "noserver",
        Folder::with_leaf(&issue(leaf().without_server_auth())),
        one_ca_opts(),
    );
    assert_finding(&r, codes::EKU_NO_SERVER_AUTH, Severity::Error);
}

#[test]
fn ca_certificate_without_the_ca_flag() {
    let not_ca = Ca::with_options(&CaOptions {
        ca_flag: false,
        ..CaOptions::new("crmsim Company CA", KeyAlgorithm::EcdsaP256, 365)
    })
    .unwrap();
    let leaf = not_ca.issue(&leaf()).unwrap();
    let folder = Folder::with_leaf(&leaf).file(&format!("ssl/{CA}"), not_ca.cert_pem.as_bytes());
    let r = run("notca", folder, one_ca_opts());
    assert_finding(&r, codes::CA_NOT_CA, Severity::Error);
    // The connector's own certificate as CA_FILE: the classic mix-up.
    let conn = &crate::common::one_ca().connectors[0];
    let r = run(
        "leaf-as-ca",
        Folder::good().file(&format!("ssl/{CA}"), conn.cert_pem.as_bytes()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CA_NOT_CA, Severity::Error);
}

#[test]
fn a_ca_certificate_presented_as_own_certificate() {
    let ca = ca();
    let pem = format!("{}{}", ca.cert_pem, ca.key_pem());
    let r = run(
        "leafisca",
        Folder::good().file(&format!("ssl/{PEM}"), pem.as_bytes()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::LEAF_IS_CA, Severity::Error);
}

#[test]
fn ssl_ini_structure_problems() {
    let conn = &crate::common::one_ca().connectors[0];
    let both = Folder::good()
        .file("ssl/c.pem", conn.cert_pem.as_bytes())
        .file("ssl/k.pem", conn.key_pem.as_bytes())
        .ini(ssl_ini(&[
            &format!("CA_FILE=./ssl/{CA}"),
            &format!("PEM_FILE=./ssl/{PEM}"),
            "CRT_FILE=./ssl/c.pem",
            "KEY_FILE=./ssl/k.pem",
        ]));
    let r = run("both", both, one_ca_opts());
    assert_finding(&r, codes::PEM_AND_CRT_BOTH_SET, Severity::Error);
    assert_eq!(r.with_code(codes::PEM_AND_CRT_BOTH_SET)[0].line, Some(7));

    let r = run(
        "method",
        Folder::good().ini(good_ini().replace("METHOD=0", "METHOD=1")),
        one_ca_opts(),
    );
    assert_finding(&r, codes::METHOD_NOT_0, Severity::Warning);
    assert_eq!(r.with_code(codes::METHOD_NOT_0)[0].line, Some(2));

    let r = run(
        "nomethod",
        Folder::good().ini(good_ini().replace("METHOD=0\r\n", "")),
        one_ca_opts(),
    );
    assert_finding(&r, codes::METHOD_MISSING, Severity::Info);

    let r = run(
        "noca",
        Folder::good().ini(ssl_ini(&[&format!("PEM_FILE=./ssl/{PEM}")])),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CA_FILE_NOT_SET, Severity::Error);

    let r = run(
        "nocert",
        Folder::good().ini(ssl_ini(&[&format!("CA_FILE=./ssl/{CA}")])),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CERT_FILE_NOT_SET, Severity::Error);

    let crt_only = Folder::good()
        .file("ssl/c.pem", conn.cert_pem.as_bytes())
        .ini(ssl_ini(&[
            &format!("CA_FILE=./ssl/{CA}"),
            "CRT_FILE=./ssl/c.pem",
        ]));
    assert_finding(
        &run("crtonly", crt_only, one_ca_opts()),
        codes::KEY_FILE_NOT_SET,
        Severity::Error,
    );

    let r = run(
        "nosection",
        Folder::good().ini("[SSL]\r\nMETHOD=0\r\n".to_string()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::SECTION_MISSING, Severity::Error);

    let dup = good_ini() + &format!("CA_FILE=./ssl/{CA}\r\nthis is junk\r\n");
    let r = run("dup", Folder::good().ini(dup), one_ca_opts());
    assert_finding(&r, codes::DUPLICATE_KEY, Severity::Warning);
    assert_finding(&r, codes::INI_UNPARSED_LINE, Severity::Warning);
}

#[test]
fn peer_ca_not_trusted_in_the_ca_per_side_model() {
    let pki = crate::common::ca_per_side();
    let conn = &pki.connectors[0];
    // Wrong: the connector trusts its own side's CA instead of the CRM side's.
    let folder = Folder::good()
        .file(&format!("ssl/{CA}"), pki.connector_ca.cert_pem.as_bytes())
        .file(
            &format!("ssl/{PEM}"),
            format!("{}{}", conn.cert_pem, conn.key_pem).as_bytes(),
        );
    let dir = folder.write("peerca");
    std::fs::write(dir.join("peer-ca.pem"), &pki.crm_ca.cert_pem).unwrap();
    std::fs::write(dir.join("peer-cert.pem"), &pki.crm.cert_pem).unwrap();
    for peer in ["peer-ca.pem", "peer-cert.pem"] {
        let opts = CheckOptions {
            peer_ca: Some(dir.join(peer)),
            layout: Some(Layout::CaPerSide),
            ..CheckOptions::default()
        };
        let r = check(&dir, &opts);
        assert_finding(&r, codes::PEER_CA_NOT_TRUSTED, Severity::Error);
    }
    // Right: CA_FILE = the CRM side's CA.
    std::fs::write(dir.join("ssl").join(CA), &pki.crm_ca.cert_pem).unwrap();
    let opts = CheckOptions {
        peer_ca: Some(dir.join("peer-ca.pem")),
        ..CheckOptions::default()
    };
    let r = check(&dir, &opts);
    assert_eq!(r.errors(), 0, "{}", r.render_human());
    assert_finding(&r, codes::ISSUED_BY_OTHER_SIDE_CA, Severity::Info);
}

#[test]
fn connector_ini_problems() {
    let mut folder = Folder::good();
    folder.connector_ini = Some(
        "[Config]\r\nAgentLoginType=1\r\nTpiDllParameter=SSL PROXY=(Proxy Ip Adress):xy\r\n"
            .to_string(),
    );
    let r = run("proxy", folder, one_ca_opts());
    assert_finding(&r, codes::TPI_PROXY_UNPARSABLE, Severity::Error);
    assert_eq!(r.with_code(codes::TPI_PROXY_UNPARSABLE)[0].line, Some(3));

    let mut folder = Folder::good();
    folder.connector_ini = Some("[Config]\r\nTpiDllParameter=\r\n".to_string());
    assert_finding(
        &run("plain", folder, one_ca_opts()),
        codes::TPI_NOT_SSL,
        Severity::Warning,
    );

    let mut folder = Folder::good();
    folder.connector_ini = Some("[Config]\r\nTpiDllParameter=SSL FAST\r\n".to_string());
    assert_finding(
        &run("token", folder, one_ca_opts()),
        codes::TPI_UNKNOWN_TOKEN,
        Severity::Warning,
    );

    let mut folder = Folder::good();
    folder.connector_ini = None;
    assert_finding(
        &run("noconn", folder, one_ca_opts()),
        codes::CONNECTOR_INI_MISSING,
        Severity::Info,
    );
}

#[test]
fn ssl_on_but_no_ssl_ini() {
    let dir = Folder::good().write("nosslini");
    std::fs::remove_file(dir.join("ssl.ini")).unwrap();
    assert_finding(
        &check(&dir, &one_ca_opts()),
        codes::SSL_INI_MISSING,
        Severity::Error,
    );
}

#[test]
fn single_pem_files_and_ssl_ini_paths_can_be_checked_directly() {
    let dir = Folder::with_leaf(&issue(leaf().without_client_auth())).write("direct");
    let r = check(&dir.join("ssl.ini"), &one_ca_opts());
    assert_finding(&r, codes::EKU_NO_CLIENT_AUTH, Severity::Error);
    let r = check(&dir.join("ssl").join(PEM), &CheckOptions::default());
    assert_finding(&r, codes::EKU_NO_CLIENT_AUTH, Severity::Error);
    let r = certs::doctor::check_pem_files(
        &dir.join("ssl").join(PEM),
        None,
        Some(&dir.join("ssl").join(CA)),
        &CheckOptions::default(),
    );
    assert_finding(&r, codes::EKU_NO_CLIENT_AUTH, Severity::Error);
    let r = check(&dir.join("nope.pem"), &CheckOptions::default());
    assert_finding(&r, codes::FILE_MISSING, Severity::Error);
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_finding(
        &check(&empty, &CheckOptions::default()),
        codes::NOTHING_TO_CHECK,
        Severity::Error,
    );
}

#[test]
fn garbage_instead_of_pem() {
    let r = run(
        "garbage",
        Folder::good().file(&format!("ssl/{CA}"), b"hello, I am not a certificate"),
        one_ca_opts(),
    );
    assert_finding(&r, codes::PEM_INVALID, Severity::Error);
}

/// Mistakes the doctor once named wrongly, each now with its own finding and nothing else.
#[test]
fn misdiagnoses_get_their_own_finding() {
    let conn = &crate::common::one_ca().connectors[0];
    let only = |r: &Report, code: &str| {
        let errors: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.code)
            .collect();
        assert_eq!(errors, vec![code], "{}", r.render_human());
    };

    // CA_FILE naming the folder the CA file is in: a folder, with the files it holds.
    let r = run(
        "ca-folder",
        Folder::good().ini(ssl_ini(&[
            "CA_FILE=./ssl",
            &format!("PEM_FILE=./ssl/{PEM}"),
        ])),
        one_ca_opts(),
    );
    assert_finding(&r, codes::FILE_IS_FOLDER, Severity::Error);
    let f = &r.with_code(codes::FILE_IS_FOLDER)[0];
    assert!(
        f.hint.contains(&format!("CA_FILE=./ssl/{CA}")),
        "{}",
        f.hint
    );
    only(&r, codes::FILE_IS_FOLDER);

    // A PEM file cut short (no END line): cut short, not "holds no certificate".
    let pem = format!("{}{}", conn.cert_pem, conn.key_pem);
    let cut = &pem[..pem.len() / 3];
    let r = run(
        "cut-short",
        Folder::good().file(&format!("ssl/{PEM}"), cut.as_bytes()),
        one_ca_opts(),
    );
    assert_finding(&r, codes::PEM_INVALID, Severity::Error);
    assert!(
        r.render_human().contains("cut short"),
        "{}",
        r.render_human()
    );
    only(&r, codes::PEM_INVALID);

    // The CA's certificate first, the leaf second: one finding saying "put the leaf first".
    let r = run(
        "leaf-second",
        Folder::good().file(
            &format!("ssl/{PEM}"),
            format!("{}{}{}", ca().cert_pem, conn.cert_pem, conn.key_pem).as_bytes(),
        ),
        one_ca_opts(),
    );
    only(&r, codes::LEAF_NOT_FIRST);

    // A junk block among the certificates: named with its line, where serve would refuse it.
    let junk = "-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
    let r = run(
        "junk-chain",
        Folder::good().file(
            &format!("ssl/{PEM}"),
            format!("{}{junk}{}", conn.cert_pem, conn.key_pem).as_bytes(),
        ),
        one_ca_opts(),
    );
    assert_finding(&r, codes::CERT_UNPARSABLE, Severity::Error);
    assert!(
        r.render_human().contains("at line "),
        "{}",
        r.render_human()
    );

    // A mistyped IPv4 address as the static route: refused, as serve refuses it.
    let mut folder = Folder::good();
    folder.connector_ini =
        Some("[Config]\r\nTpiDllParameter=SSL PROXY=999.1.1.1:8443\r\n".to_string());
    let r = run("proxy-999", folder, one_ca_opts());
    assert_finding(&r, codes::TPI_PROXY_UNPARSABLE, Severity::Error);
}
