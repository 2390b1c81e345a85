//! Dialects end to end: the three deployments with the foreign dialect on both sides (SSL on,
//! real sockets), a mismatch between the sides failing fast and saying so, and every class of
//! error in a dialect file located by `crmsim dialect check` with exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::in_process::run_text;
use crate::support::served::crmsim;
use harness::report::Verdict;

fn foreign() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dialects/foreign.toml")
}

fn scenario_text(deployment: &str, dialect_keys: &str) -> String {
    format!(
        r#"
[run]
deployment = "{deployment}"
logon = "storm"
warmup = "1s"
steady = "3s"
drain = "20s"
{dialect_keys}
[tls]
enabled = true
[crm]
agents = 20
ring_delay = "uniform(50ms, 200ms)"
talk_time = "uniform(300ms, 1s)"
wrap_up = "200ms"
heartbeat = "500ms"
[calls]
rate = 10.0
arrival = "constant"
[thresholds]
min_completed_calls = 10
"#
    )
}

async fn run(text: &str) -> harness::report::Report {
    run_text("dialect.toml", text).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_deployment_passes_with_the_foreign_dialect_on_both_sides() {
    let keys = format!("dialect = {:?}", foreign().display().to_string());
    for deployment in ["direct", "proxy-events-direct", "proxy-static-route"] {
        let report = run(&scenario_text(deployment, &keys)).await;
        for check in report.invariants.iter().chain(&report.thresholds) {
            assert!(check.ok, "{deployment}: {}: {}", check.name, check.detail);
        }
        assert_eq!(report.verdict, Verdict::Pass, "{deployment}");
        assert_eq!(report.dialects.crm.name, "foreign-cti");
        assert_eq!(report.dialects.connector.soap, "1.2");
        let summary = harness::report::render_summary(&report);
        assert!(
            summary.contains("dialect  foreign-cti (SOAP 1.2), both sides"),
            "{summary}"
        );
        assert!(
            report.calls.completed >= 10,
            "{deployment}: {:?}",
            report.calls
        );
    }
}

/// The foreign dialect with its events' sequence numbers and timestamps left out, as a real
/// system's events may be.
fn unnumbered_foreign(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(foreign())
        .unwrap()
        .replace(r#" seq="{sequence}" at="{timestamp}""#, "");
    assert!(
        !text.contains("{sequence}"),
        "the fixture's events changed shape"
    );
    let path = dir.join("unnumbered.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_without_sequence_numbers_pass_and_the_report_says_order_went_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let keys = format!(
        "dialect = {:?}",
        unnumbered_foreign(dir.path()).display().to_string()
    );
    let report = run(&scenario_text("direct", &keys)).await;
    for check in report.invariants.iter().chain(&report.thresholds) {
        assert!(check.ok, "{}: {}", check.name, check.detail);
    }
    let order = report
        .invariants
        .iter()
        .find(|c| c.name == "no event lost or out of order")
        .unwrap();
    assert!(
        order.detail.contains("carried no sequence number") && order.detail.contains("not checked"),
        "{}",
        order.detail
    );
    let unnumbered: u64 = report
        .components
        .crms
        .iter()
        .map(|c| c.counts.unnumbered_events)
        .sum();
    assert_eq!(unnumbered, report.messages.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sides_that_speak_different_dialects_fail_fast_and_say_dialect_mismatch() {
    // Same path on both sides, so the bodies themselves must be told apart.
    let dir = tempfile::tempdir().unwrap();
    let same_path = std::fs::read_to_string(foreign()).unwrap().replace(
        "connector_path = \"/cti/bridge/soap\"",
        "connector_path = \"/ici\"",
    );
    let file = dir.path().join("foreign-on-ici.toml");
    std::fs::write(&file, same_path).unwrap();
    for connector in [foreign(), file] {
        let keys = format!(
            "[connector]\ndialect = {:?}",
            connector.display().to_string()
        );
        // `[connector]` must come after `[run]`'s keys: put it at the end.
        let text = scenario_text("direct", "").replace("[calls]", &format!("{keys}\n[calls]"));
        let t = Instant::now();
        let report = run(&text).await;
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "took {:?}",
            t.elapsed()
        );
        assert_eq!(report.verdict, Verdict::Fail);
        let json = serde_json::to_string(&report.errors).unwrap();
        assert!(json.contains("dialect mismatch"), "{json}");
    }
}

/// Writes `text` as a dialect file and checks it with the CLI: exit 2 and `file:line:col`.
fn refused(dir: &Path, name: &str, text: &str, needle: &str) {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let (code, _out, err) = crmsim(&["dialect".as_ref(), "check".as_ref(), path.as_os_str()]);
    assert_eq!(code, Some(2), "{name}: {err}");
    let located = format!("{}:", path.display());
    assert!(err.contains(&located), "{name}: not located: {err}");
    assert!(err.contains(needle), "{name}: {err}");
}

#[test]
fn dialect_check_locates_each_class_of_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = ici::dialect::BUILTIN_TOML;
    let (code, out, err) = crmsim(&["dialect", "write", &dir.path().display().to_string()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("crmsim.toml"), "{out}");
    let written = dir.path().join("crmsim.toml");
    let (code, out, err) = crmsim(&["dialect", "check", &written.display().to_string()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("dialect crmsim is fine"), "{out}");

    refused(
        dir.path(),
        "unknown-operation",
        &format!(
            "{good}\n[operations.\"call.conference\"]\nrequest = '<cal:conference/>'\nresponse = '<cal:x/>'\n"
        ),
        "unknown operation \"call.conference\"",
    );
    refused(
        dir.path(),
        "unknown-field",
        &good.replace("<login>{login}</login>", "<login>{password}</login>"),
        "unknown field {password}",
    );
    refused(
        dir.path(),
        "missing-required-field",
        &good.replace("<login>{login}</login>", ""),
        "required field {login}",
    );
    let cut = good.find("[operations.\"call.hold\"]").unwrap();
    let end = good.find("[operations.\"call.retrieve\"]").unwrap();
    refused(
        dir.path(),
        "missing-mapping",
        &format!("{}{}", &good[..cut], &good[end..]),
        "call.hold is not mapped",
    );
    refused(
        dir.path(),
        "not-well-formed",
        &good.replace(
            "<user>{user}</user></usr:logoff>",
            "<user>{user}</usr:logoff>",
        ),
        "not well-formed",
    );
    refused(
        dir.path(),
        "bad-path",
        &good.replace("connector_path = \"/ici\"", "connector_path = \"ici path\""),
        "not a URL path",
    );
    refused(
        dir.path(),
        "unknown-key",
        &good.replace("[http]\n", "[http]\nconector_path = \"/x\"\n"),
        "unknown field `conector_path`",
    );
    refused(
        dir.path(),
        "incomplete-vocabulary",
        &good.replace("held = \"held\"\n", ""),
        "does not map \"held\"",
    );
}

#[test]
fn every_deployment_passes_with_the_foreign_dialect_as_separate_processes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = format!("dialect = {:?}", foreign().display().to_string());
    for deployment in ["direct", "proxy-events-direct", "proxy-static-route"] {
        let scenario = dir.path().join(format!("{deployment}.toml"));
        std::fs::write(&scenario, scenario_text(deployment, &keys)).unwrap();
        let workdir = dir.path().join(format!("{deployment}-work"));
        let (code, out, err) = crmsim(&[
            "run".as_ref(),
            scenario.as_os_str(),
            "--processes".as_ref(),
            "--progress".as_ref(),
            "quiet".as_ref(),
            "--workdir".as_ref(),
            workdir.as_os_str(),
        ]);
        assert_eq!(code, Some(0), "{deployment}:\n{out}\n{err}");
        // The connector really spoke the foreign dialect's path, from the file it was given.
        let config = std::fs::read_to_string(workdir.join(if deployment == "direct" {
            "connector.toml"
        } else {
            "connector-a.toml"
        }))
        .unwrap();
        assert!(
            config.contains("dialect = \"dialects/connector.toml\""),
            "{config}"
        );
        let carried = std::fs::read_to_string(workdir.join("dialects/connector.toml")).unwrap();
        assert!(carried.contains("name = \"foreign-cti\""));
    }
}

#[test]
fn schema_writes_a_dialects_contract_and_xmllint_holds_its_messages_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("contract");
    let (code, out, err) = crmsim(&[
        "schema".as_ref(),
        "--dialect".as_ref(),
        foreign().as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("foreign-cti.wsdl") && out.contains("envelope.xsd"),
        "{out}"
    );
    let d = ici::Dialect::load(&foreign()).unwrap();
    let logon = ici::Request::Logon {
        user: "AGENT01".into(),
        login: "1001;secret;3001;p".into(),
        language: None,
    };
    let good = dir.path().join("logon.xml");
    std::fs::write(&good, d.encode_request(&logon).unwrap()).unwrap();
    let builtin = dir.path().join("builtin.xml");
    std::fs::write(
        &builtin,
        ici::Dialect::builtin().encode_request(&logon).unwrap(),
    )
    .unwrap();
    let lint = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(out_dir.join("envelope.xsd"))
        .arg(&good)
        .arg(&builtin)
        .output()
        .expect("xmllint (libxml2-utils) is needed");
    let stderr = String::from_utf8_lossy(&lint.stderr);
    assert!(
        stderr.contains(&format!("{} validates", good.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} fails to validate", builtin.display())),
        "{stderr}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        ici::dialect::BUILTIN_TOML.replace("held = \"held\"\n", ""),
    )
    .unwrap();
    let (code, _, err) = crmsim(&[
        "schema".as_ref(),
        "--dialect".as_ref(),
        bad.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{}:", bad.display())), "{err}");

    // The profile's own files, into a folder that does not exist yet (as the help promises).
    let profile = dir.path().join("new/profile");
    let (code, _, err) = crmsim(&["schema".as_ref(), "--out".as_ref(), profile.as_os_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(profile.join("ici-profile.xsd").is_file());
}
