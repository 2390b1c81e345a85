//! Reading the customer's files as Windows writes them: ssl.ini and the connector ini in CRLF, UTF-8
//! with BOM, UTF-16LE/BE with BOM and ANSI, with the guide's exact file names (en dash included);
//! rewriting one value without disturbing anything; PEM in every key encoding; DER conversion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use certs::connector_ini::ConnectorIni;
use certs::inifile::IniFile;
use certs::text::{LineEnding, TextEncoding, encode};
use certs::{SslIni, TpiParameter};

const CERT_FILE: &str = "(Connects for SAP Certificate \u{2013} cert file).pem";
const KEY_FILE: &str = "(Connects for SAP Certificate \u{2013} key file).pem";
const CA_FILE: &str = "(CRM side CA Certificate).pem";

/// The guide's split ssl.ini for separate CAs, verbatim (including its lower-case "side").
fn guide_ssl_ini() -> String {
    format!(
        "[SSL]\r\nMETHOD=0\r\n\r\n[SSL_SERVER_CLIENT]\r\nCA_FILE=./ssl/{CA_FILE}\r\nCRT_FILE=./ssl/{CERT_FILE}\r\nKEY_FILE=./ssl/{KEY_FILE}\r\n"
    )
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("certs-ini")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("ssl")).unwrap();
    d
}

const ENCODINGS: [TextEncoding; 5] = [
    TextEncoding::Utf8,
    TextEncoding::Utf8Bom,
    TextEncoding::Utf16LeBom,
    TextEncoding::Utf16BeBom,
    TextEncoding::Windows1252,
];

#[test]
fn ssl_ini_is_read_in_every_windows_encoding_with_the_guides_names() {
    let pki = crate::common::ca_per_side();
    let conn = &pki.connectors[0];
    for enc in ENCODINGS {
        for crlf in [true, false] {
            let d = dir(&format!("ssl-{enc:?}-{crlf}"));
            let text = if crlf {
                guide_ssl_ini()
            } else {
                guide_ssl_ini().replace("\r\n", "\n")
            };
            std::fs::write(d.join("ssl.ini"), encode(&text, enc)).unwrap();
            std::fs::write(d.join("ssl").join(CA_FILE), &pki.crm_ca.cert_pem).unwrap();
            std::fs::write(d.join("ssl").join(CERT_FILE), &conn.cert_pem).unwrap();
            std::fs::write(d.join("ssl").join(KEY_FILE), &conn.key_pem).unwrap();
            let ini = SslIni::load(&d.join("ssl.ini")).unwrap();
            assert_eq!(ini.ini.encoding, enc);
            assert_eq!(
                ini.ini.line_ending,
                if crlf {
                    LineEnding::CrLf
                } else {
                    LineEnding::Lf
                }
            );
            let crt = ini.crt_file.clone().unwrap();
            assert_eq!(crt.value, format!("./ssl/{CERT_FILE}"));
            assert_eq!(crt.line, 6);
            let files = ini.resolve();
            assert_eq!(files.key_file.unwrap().path, d.join("ssl").join(KEY_FILE));
            let (identity, trust) = ini.load_tls().unwrap();
            assert_eq!(identity.leaf(), &conn.identity.leaf().clone());
            assert_eq!(trust.certs(), std::slice::from_ref(&pki.crm_ca.cert));
        }
    }
}

#[test]
fn backslashes_and_quotes_in_paths_are_accepted() {
    let pki = crate::common::one_ca();
    let d = dir("backslash");
    std::fs::write(d.join("ssl").join("ca.pem"), &pki.crm_ca.cert_pem).unwrap();
    let text = "[ssl_server_client]\r\nca_file=\".\\ssl\\ca.pem\"\r\n";
    std::fs::write(d.join("ssl.ini"), text).unwrap();
    let ini = SslIni::load(&d.join("ssl.ini")).unwrap();
    let ca = ini.resolve().ca_file.unwrap();
    assert!(ca.exists(), "{ca:?}");
    assert_eq!(ca.path, d.join("ssl").join("ca.pem"));
}

#[test]
fn missing_files_are_errors_naming_ini_and_line() {
    let d = dir("missing");
    std::fs::write(d.join("ssl.ini"), guide_ssl_ini()).unwrap();
    let err = SslIni::load(&d.join("ssl.ini"))
        .unwrap()
        .load_tls()
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("ssl.ini:5") && msg.contains(CA_FILE), "{msg}");
}

#[test]
fn connector_ini_in_every_encoding_keeps_other_keys_on_rewrite() {
    let original = "; CRMConnectorSAP configuration\r\n[Config]\r\nAgentLoginType=2\r\nTpiDllParameter = SSL\r\nUrl=http://x\r\n\r\n[Trace]\r\nLevel=5\r\n";
    for enc in ENCODINGS {
        let d = dir(&format!("conn-{enc:?}"));
        let path = d.join("CRMConnectorSAP_SAP1.ini");
        std::fs::write(&path, encode(original, enc)).unwrap();
        let mut c = ConnectorIni::load(&path).unwrap();
        assert_eq!(c.name, "SAP1");
        assert_eq!(c.tpi, TpiParameter::ssl());
        assert_eq!(c.tpi_raw.as_ref().unwrap().line, 4);
        assert_eq!(c.agent_login_type.as_ref().unwrap().value, "2");
        c.set_tpi(&TpiParameter::ssl_via_proxy("10.0.0.5", 8443));
        c.save().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let expected = original.replace(
            "TpiDllParameter = SSL",
            "TpiDllParameter = SSL PROXY=10.0.0.5:8443",
        );
        assert_eq!(bytes, encode(&expected, enc), "{enc:?}");
        assert_eq!(
            ConnectorIni::load(&path).unwrap().tpi,
            TpiParameter::ssl_via_proxy("10.0.0.5", 8443)
        );
    }
}

#[test]
fn unparsable_proxy_is_an_error_at_file_and_line() {
    let d = dir("badproxy");
    let path = d.join("CRMConnectorSAP_SAP1.ini");
    std::fs::write(
        &path,
        "[Config]\r\nTpiDllParameter=SSL PROXY=(Proxy Ip Adress):xy\r\n",
    )
    .unwrap();
    let msg = ConnectorIni::load(&path).unwrap_err().to_string();
    assert!(msg.contains("CRMConnectorSAP_SAP1.ini:2"), "{msg}");
}

#[test]
fn ssl_ini_rewrite_changes_one_line_only() {
    let d = dir("rewrite");
    let path = d.join("ssl.ini");
    std::fs::write(&path, encode(&guide_ssl_ini(), TextEncoding::Utf16LeBom)).unwrap();
    let mut ini = IniFile::load(&path).unwrap();
    ini.set(
        "SSL_SERVER_CLIENT",
        "CA_FILE",
        "./ssl/(CRM Side CA Certificate).pem",
    );
    ini.save().unwrap();
    let expected = guide_ssl_ini().replace(CA_FILE, "(CRM Side CA Certificate).pem");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        encode(&expected, TextEncoding::Utf16LeBom)
    );
}

// ---- PEM and DER -------------------------------------------------------------------------------

fn openssl(args: &[&str]) {
    let out = std::process::Command::new("/usr/bin/openssl")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keys_load_as_pkcs8_pkcs1_and_sec1_in_one_or_two_files() {
    let d = dir("keys");
    let rsa = &crate::common::one_ca().connectors[0];
    let ec = &crate::common::ecdsa().connectors[0];
    let p = |n: &str| d.join(n);
    std::fs::write(p("rsa.crt"), &rsa.cert_pem).unwrap();
    std::fs::write(p("rsa.pk8"), &rsa.key_pem).unwrap();
    std::fs::write(p("ec.crt"), &ec.cert_pem).unwrap();
    std::fs::write(p("ec.pk8"), &ec.key_pem).unwrap();
    openssl(&[
        "rsa",
        "-in",
        p("rsa.pk8").to_str().unwrap(),
        "-traditional",
        "-out",
        p("rsa.pk1").to_str().unwrap(),
    ]);
    openssl(&[
        "ec",
        "-in",
        p("ec.pk8").to_str().unwrap(),
        "-out",
        p("ec.sec1").to_str().unwrap(),
    ]);
    assert!(
        std::fs::read_to_string(p("rsa.pk1"))
            .unwrap()
            .contains("BEGIN RSA PRIVATE KEY")
    );
    assert!(
        std::fs::read_to_string(p("ec.sec1"))
            .unwrap()
            .contains("BEGIN EC PRIVATE KEY")
    );
    for (crt, key) in [
        ("rsa.crt", "rsa.pk8"),
        ("rsa.crt", "rsa.pk1"),
        ("ec.crt", "ec.pk8"),
        ("ec.crt", "ec.sec1"),
    ] {
        let id = certs::Identity::load(&p(crt), Some(&p(key))).unwrap();
        // One file with certificate and key (the guide's PEM_FILE), with CRLF as Notepad saves it.
        let combined = format!(
            "{}{}",
            std::fs::read_to_string(p(crt)).unwrap(),
            std::fs::read_to_string(p(key)).unwrap()
        );
        std::fs::write(p("one.pem"), combined.replace('\n', "\r\n")).unwrap();
        let one = certs::Identity::load(&p("one.pem"), None).unwrap();
        assert_eq!(id.leaf(), one.leaf());
        // And rustls takes it.
        certs::server_config(
            &one,
            &crate::common::one_ca().crm.peer_roots,
            &certs::TlsOptions::default(),
        )
        .unwrap();
    }
    let err = certs::Identity::load(&p("rsa.crt"), Some(&p("ec.pk8"))).unwrap_err();
    assert!(matches!(err, certs::CertError::KeyMismatch { .. }), "{err}");
}

#[test]
fn der_files_are_refused_with_advice_and_converted() {
    let d = dir("der");
    let rsa = &crate::common::one_ca().connectors[0];
    let p = |n: &str| d.join(n);
    std::fs::write(p("c.pem"), &rsa.cert_pem).unwrap();
    std::fs::write(p("k.pem"), &rsa.key_pem).unwrap();
    openssl(&[
        "x509",
        "-in",
        p("c.pem").to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        p("c.cer").to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        p("k.pem").to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        p("k.der").to_str().unwrap(),
    ]);
    let err = certs::pem::load_certs(&p("c.cer")).unwrap_err();
    assert!(err.to_string().contains("crmsim certs convert"), "{err}");

    certs::convert::convert_to_pem(&p("c.cer"), &p("c2.pem")).unwrap();
    certs::convert::convert_to_pem(&p("k.der"), &p("k2.pem")).unwrap();
    let id = certs::Identity::load(&p("c2.pem"), Some(&p("k2.pem"))).unwrap();
    assert_eq!(id.leaf(), rsa.identity.leaf());
    assert_eq!(std::fs::read_to_string(p("c2.pem")).unwrap(), rsa.cert_pem);

    // PEM → DER for STRUST, byte-identical to OpenSSL's.
    certs::convert::convert(&p("c.pem"), &p("c3.cer")).unwrap();
    assert_eq!(
        std::fs::read(p("c3.cer")).unwrap(),
        std::fs::read(p("c.cer")).unwrap()
    );
    // PKCS#1 PEM is normalised to PKCS#8.
    openssl(&[
        "rsa",
        "-in",
        p("k.pem").to_str().unwrap(),
        "-traditional",
        "-out",
        p("k1.pem").to_str().unwrap(),
    ]);
    certs::convert::convert_to_pem(&p("k1.pem"), &p("k8.pem")).unwrap();
    assert!(
        std::fs::read_to_string(p("k8.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    openssl(&["pkey", "-in", p("k8.pem").to_str().unwrap(), "-noout"]);
}

#[test]
fn encrypted_keys_are_reported_precisely() {
    let d = dir("enc");
    let rsa = &crate::common::one_ca().connectors[0];
    let p = |n: &str| d.join(n);
    std::fs::write(p("k.pem"), &rsa.key_pem).unwrap();
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        p("k.pem").to_str().unwrap(),
        "-passout",
        "pass:x",
        "-out",
        p("enc.pem").to_str().unwrap(),
    ]);
    let err = certs::pem::load_key(&p("enc.pem")).unwrap_err();
    assert!(
        matches!(err, certs::CertError::EncryptedKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("ENCRYPTED PRIVATE KEY"), "{err}");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        p("k.pem").to_str().unwrap(),
        "-passout",
        "pass:x",
        "-outform",
        "DER",
        "-out",
        p("enc.der").to_str().unwrap(),
    ]);
    assert_eq!(
        certs::pem::sniff(&std::fs::read(p("enc.der")).unwrap()),
        certs::pem::FileFormat::Der(certs::pem::DerKind::EncryptedPrivateKey)
    );
}

#[test]
fn a_certificate_whose_extensions_do_not_parse_is_refused_by_the_loader_as_by_the_doctor() {
    // Found by the `pem` fuzz target: a key-usage extension that is not a valid BIT STRING passed
    // the loader's X.509 parse, and only the doctor's extension reader failed on it.
    let mut params = rcgen::CertificateParams::new(vec!["crm.crmsim.test".to_owned()]).unwrap();
    params
        .custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(
            &[2, 5, 29, 15],
            vec![0x03, 0x02, 0x09, 0x80], // 9 unused bits: not DER
        ));
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let d = dir("bad-extension");
    let path = d.join("ssl/cert.pem");
    std::fs::write(&path, cert.pem()).unwrap();

    let err = certs::pem::load_certs(&path).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, certs::CertError::BadCertificate { .. }),
        "{message}"
    );
    assert!(message.contains("cert.pem"), "{message}");
    assert!(message.contains("extensions cannot be read"), "{message}");
}
