//! The connector guide's four certificate models, end to end through the CLI: `certs new` →
//! `certs check` is clean → a direct run configured from those very folders passes. And the
//! mTLS matrix's refusals (wrong CA, expired, EKU without clientAuth, no client certificate,
//! name mismatch): each run fails, and the reason reaches the report and the log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use certs::layout::{NewOptions, PemStyle};
use certs::pki::LeafOptions;
use certs::{KeyAlgorithm, Layout};

fn crmsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(args)
        .output()
        .expect("run crmsim")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A short direct run configured from `material` (a `certs new` output).
fn scenario(dir: &Path, material: &Path, layout: &str, extra: &str) -> PathBuf {
    let path = dir.join("scenario.toml");
    let body = format!(
        r#"
[run]
deployment = "direct"
logon = "storm"
logon_timeout = "4s"
warmup = "500ms"
steady = "2s"
drain = "10s"
[tls]
enabled = true
layout = "{layout}"
[connector]
config_dir = "{connector}"
event_retries = 0
[crm]
agents = 6
material_dir = "{crm}"
ring_delay = "50ms"
talk_time = "200ms"
wrap_up = "100ms"
heartbeat = "0s"
{extra}
[calls]
rate = 6.0
arrival = "constant"
[thresholds]
min_completed_calls = 3
"#,
        connector = material.join("connector").display(),
        crm = material.join("crm").display(),
    );
    std::fs::write(&path, body).unwrap();
    path
}

fn run_json(scenario: &Path, dir: &Path) -> (Output, serde_json::Value) {
    let json = dir.join("report.json");
    let out = crmsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--progress",
        "quiet",
    ]);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|e| panic!("no report ({e}): {}", text(&out)));
    (out, report)
}

#[test]
fn each_of_the_four_models_goes_from_certs_new_through_the_doctor_to_a_passing_run() {
    for layout in ["one-ca", "ca-per-side"] {
        for pem in ["single", "split"] {
            let dir = tempfile::tempdir().unwrap();
            let material = dir.path().join("material");
            let out = crmsim(&[
                "certs",
                "new",
                material.to_str().unwrap(),
                "--layout",
                layout,
                "--pem",
                pem,
            ]);
            assert!(out.status.success(), "{layout}/{pem}: {}", text(&out));
            for side in ["connector", "crm"] {
                let out = crmsim(&["certs", "check", material.join(side).to_str().unwrap()]);
                let shown = text(&out);
                assert_eq!(out.status.code(), Some(0), "{layout}/{pem} {side}: {shown}");
                assert!(
                    shown.contains("0 error(s), 0 warning(s)"),
                    "{layout}/{pem} {side}: {shown}"
                );
            }
            let (out, report) = run_json(&scenario(dir.path(), &material, layout, ""), dir.path());
            assert_eq!(out.status.code(), Some(0), "{layout}/{pem}: {}", text(&out));
            assert_eq!(report["verdict"], "pass");
            assert!(report["tls_handshakes"]["full"].as_u64().unwrap() >= 2);
            assert!(report["calls"]["completed"].as_u64().unwrap() >= 3);
        }
    }
}

/// One-CA material written with the library, so that bad certificates can be issued by the
/// same CA (its key is never written to disk).
fn material(dir: &Path) -> (PathBuf, certs::layout::Written) {
    let root = dir.join("material");
    let opts = NewOptions {
        layout: Layout::OneCa,
        pem: PemStyle::Single,
        key: KeyAlgorithm::EcdsaP256,
        ..NewOptions::default()
    };
    let written = certs::layout::write_new(&root, &opts).unwrap();
    (root, written)
}

/// Replaces the connector's certificate + key file with `leaf`'s.
fn replace_connector_pem(root: &Path, leaf: &certs::pki::IssuedCert) {
    let pem = root.join("connector/ssl/(Connects for SAP Certificate).pem");
    assert!(pem.is_file(), "the guide's file name: {}", pem.display());
    std::fs::write(pem, leaf.combined_pem()).unwrap();
}

fn leaf(host: &str) -> LeafOptions {
    LeafOptions::for_host(host, &[], KeyAlgorithm::EcdsaP256, 30)
}

/// A failed run whose report and log name `needles`.
fn assert_refused(dir: &Path, root: &Path, extra: &str, needles: &[&str], case: &str) {
    let (out, report) = run_json(&scenario(dir, root, "one-ca", extra), dir);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{case}: {shown}");
    assert_eq!(report["verdict"], "fail", "{case}");
    let report_text = serde_json::to_string(&report).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in needles {
        assert!(
            report_text.contains(needle),
            "{case}: report lacks {needle:?}: {}",
            report["errors"]
        );
        assert!(
            stderr.contains(needle),
            "{case}: log lacks {needle:?}: {stderr}"
        );
    }
}

#[test]
fn the_mtls_matrix_refusals_fail_the_run_and_name_their_reason() {
    // A connector certificate from another CA: the CRM refuses the server.
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = material(dir.path());
    let other = certs::Ca::new("Another Company CA", KeyAlgorithm::EcdsaP256, 30).unwrap();
    replace_connector_pem(&root, &other.issue(&leaf("connector.crmsim.test")).unwrap());
    assert_refused(
        dir.path(),
        &root,
        "",
        &["not issued by a trusted CA"],
        "wrong CA",
    );

    // An expired connector certificate.
    let dir = tempfile::tempdir().unwrap();
    let (root, written) = material(dir.path());
    let expired = written
        .pki
        .connector_ca
        .issue(&leaf("connector.crmsim.test").expired(3))
        .unwrap();
    replace_connector_pem(&root, &expired);
    assert_refused(dir.path(), &root, "", &["has expired"], "expired");

    // EKU without clientAuth: requests work, the connector's events are refused by the CRM.
    let dir = tempfile::tempdir().unwrap();
    let (root, written) = material(dir.path());
    let server_only = written
        .pki
        .connector_ca
        .issue(&leaf("connector.crmsim.test").without_client_auth())
        .unwrap();
    replace_connector_pem(&root, &server_only);
    assert_refused(
        dir.path(),
        &root,
        "",
        &["lacks clientAuth"],
        "EKU without clientAuth",
    );

    // No client certificate from the CRM (SM59: ANONYM).
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = material(dir.path());
    assert_refused(
        dir.path(),
        &root,
        "client_certificate = false",
        &["certificate_required"],
        "no client certificate",
    );

    // The connector's certificate does not name the host the CRM dials.
    let dir = tempfile::tempdir().unwrap();
    let (root, written) = material(dir.path());
    let elsewhere = written
        .pki
        .connector_ca
        .issue(&leaf("elsewhere.crmsim.test"))
        .unwrap();
    replace_connector_pem(&root, &elsewhere);
    assert_refused(
        dir.path(),
        &root,
        "",
        &["not valid for connector.crmsim.test"],
        "name mismatch",
    );
}
