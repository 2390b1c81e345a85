//! `crmsim record` between a served CRM and a served connector, as an integrator places it
//! between a real SAP CRM and a real CRMConnectorSAP: both hops over mutual TLS with the
//! customer's folders (a `certs new` set), the foreign dialect on the wire, the CRM's
//! requests through the recorder and the connector's events through it by name resolution
//! (the CRM's port, the recorder's address). The capture must hold every exchange, mask every
//! login password, and the traffic must be what it is without the recorder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use capture::{Capture, Direction, Hop};
use support::served::{Served, json, write};

fn foreign() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dialects/foreign.toml")
}

/// A port free on 127.0.0.1 now (the CRM's; the recorder takes the same one on 127.0.0.2).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connector_config(root: &Path, ssl: bool) -> PathBuf {
    let (folder, plain) = if ssl {
        ("config_dir = \"pki/connector\"", "")
    } else {
        ("", "[tls]\nenabled = false")
    };
    write(
        &root.join("connector.toml"),
        &format!(
            r#"
listen = "127.0.0.1:0"
dialect = {dialect:?}
{folder}
[events.hosts]
"crm.crmsim.test" = "127.0.0.2"
[calls]
rate = 4.0
arrival = "constant"
{plain}
"#,
            dialect = foreign().display().to_string(),
        ),
    )
}

fn crm_config(root: &Path, crm_port: u16, recorder_port: u16, ssl: bool) -> PathBuf {
    let scheme = if ssl { "https" } else { "http" };
    let tls = if ssl {
        "material_dir = \"pki/crm\"".to_owned()
    } else {
        String::new()
    };
    let plain_tls = if ssl { "" } else { "[tls]\nenabled = false\n" };
    write(
        &root.join("crm.toml"),
        &format!(
            r#"
listen = "127.0.0.1:{crm_port}"
sink_url = "{scheme}://crm.crmsim.test:{{port}}/crm/cti/notify"
duration = "7s"
dialect = {dialect:?}
{tls}
{plain_tls}
[cms]
name = "ZCMS_CONNECTS"
system_id = "BS_CONNECTS"
server_ssl = {ssl}
[cms.destination]
name = "ICI_CONNECTOR"
host = "connector.crmsim.test"
port = {recorder_port}
path = "/cti/bridge/soap"
ssl = {ssl}
[requests.hosts]
"connector.crmsim.test" = "127.0.0.2"
[agents]
count = 6
logon = "storm"
ring_delay = "uniform(100ms, 300ms)"
talk_time = "uniform(400ms, 800ms)"
wrap_up = "200ms"
heartbeat = "1s"
password = "Geheim-2026"
"#,
            dialect = foreign().display().to_string(),
        ),
    )
}

struct Recording {
    capture: Capture,
    crm: serde_json::Value,
    connector: serde_json::Value,
    record_out: String,
    summary: serde_json::Value,
    root: tempfile::TempDir,
}

fn record(ssl: bool, extra: &[&str]) -> Recording {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    if ssl {
        certs::layout::write_new(&root.join("pki"), &certs::layout::NewOptions::default())
            .expect("certs new");
    }
    let mut connector = Served::start(
        "connector",
        &connector_config(root, ssl),
        &root.join("connector.json"),
    );
    let connector_port = connector.listening().port();
    let crm_port = free_port();
    let scheme = if ssl { "https" } else { "http" };
    let mut args: Vec<String> = vec![
        "record".into(),
        "--out".into(),
        root.join("capture.jsonl").display().to_string(),
        "--har".into(),
        root.join("capture.har").display().to_string(),
        "--json".into(),
        root.join("record.json").display().to_string(),
        "--requests-listen".into(),
        "127.0.0.2:0".into(),
        "--connector".into(),
        format!("{scheme}://connector.crmsim.test:{connector_port}"),
        "--events-listen".into(),
        format!("127.0.0.2:{crm_port}"),
        "--crm".into(),
        format!("{scheme}://crm.crmsim.test:{crm_port}"),
        "--resolve".into(),
        "connector.crmsim.test=127.0.0.1".into(),
        "--resolve".into(),
        "crm.crmsim.test=127.0.0.1".into(),
        "--dialect".into(),
        foreign().display().to_string(),
    ];
    if ssl {
        for (flag, sub) in [
            ("--connector-dir", "pki/connector"),
            ("--crm-dir", "pki/crm"),
        ] {
            args.push(flag.into());
            args.push(root.join(sub).display().to_string());
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsim"));
    cmd.args(&args);
    let mut recorder = Served::spawn_command(cmd);
    let requests_line = recorder.line_with("requests hop listening on", Duration::from_secs(20));
    let recorder_port: SocketAddr = requests_line.rsplit(' ').next().unwrap().parse().unwrap();
    recorder.line_with("events hop listening on", Duration::from_secs(5));

    let mut crm = Served::start(
        "crm",
        &crm_config(root, crm_port, recorder_port.port(), ssl),
        &root.join("crm.json"),
    );
    let (status, out) = crm.wait(Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "crm: {out}\n{}", crm.stderr());
    recorder.terminate();
    let (status, record_out) = recorder.wait(Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(0),
        "record: {record_out}\n{}",
        recorder.stderr()
    );
    connector.terminate();
    let (status, out) = connector.wait(Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(0),
        "connector: {out}\n{}",
        connector.stderr()
    );
    let capture = Capture::read(&root.join("capture.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    Recording {
        capture,
        crm: json(&root.join("crm.json")),
        connector: json(&root.join("connector.json")),
        summary: json(&root.join("record.json")),
        record_out,
        root: dir,
    }
}

#[test]
fn both_hops_over_mutual_tls_are_forwarded_whole_and_written_with_passwords_masked() {
    let r = record(true, &[]);
    let crm = &r.crm["counts"];
    assert_eq!(crm["request_errors"], 0, "{}", r.crm["errors"]);
    assert_eq!(crm["faults"], 0, "{}", r.crm["errors"]);
    assert!(crm["answered"].as_u64().unwrap() > 0, "{crm}");
    let delivered = r.connector["events"]["delivered"].as_u64().unwrap();
    assert_eq!(
        crm["events"].as_u64().unwrap(),
        delivered,
        "every event through the recorder"
    );

    let exchanges = r.capture.exchanges();
    let requests = crm["requests"].as_u64().unwrap();
    let on = |hop| exchanges.iter().filter(|e| e.request.hop == hop).count() as u64;
    // The served CRM's own probe of the connector counts as a request too.
    assert!(
        on(Hop::Requests) >= requests,
        "{} < {requests}",
        on(Hop::Requests)
    );
    assert_eq!(on(Hop::Events), delivered);
    assert!(
        exchanges.iter().all(|e| e.response.is_some()),
        "an exchange without an answer"
    );
    let first = exchanges[0].request;
    assert_eq!(
        first.tls.as_ref().map(|t| t.version.as_str()),
        Some("TLSv1.3")
    );
    assert!(first.conn.is_some() && first.peer.is_some(), "{first:?}");
    assert_eq!(first.dir, Direction::Request);

    // No password, in any message; the login string keeps its shape.
    let text = std::fs::read_to_string(r.root.path().join("capture.jsonl")).unwrap();
    assert!(
        !text.contains("Geheim-2026"),
        "a password reached the capture"
    );
    assert!(text.contains(";***;"), "login strings keep their shape");
    assert!(r.capture.header.redacted);

    // Every operation the summary lists is one the foreign dialect knows.
    for hop in r.summary["hops"].as_array().unwrap() {
        for op in hop["operations"].as_array().unwrap() {
            assert!(op["known"].is_string(), "unknown operation {op}");
        }
    }
    assert!(r.record_out.contains("user.logon"), "{}", r.record_out);
    assert_eq!(r.summary["writer"]["dropped_queue_full"], 0);
    let har = json(&r.root.path().join("capture.har"));
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(
        har["log"]["entries"].as_array().unwrap().len(),
        exchanges.len()
    );
}

#[test]
fn plain_http_with_no_redact_keeps_the_passwords() {
    let r = record(false, &["--no-redact"]);
    let text = std::fs::read_to_string(r.root.path().join("capture.jsonl")).unwrap();
    assert!(
        text.contains("Geheim-2026"),
        "--no-redact keeps the login strings whole"
    );
    assert!(!r.capture.header.redacted);
    assert!(r.capture.messages.iter().all(|(_, m)| m.tls.is_none()));
    assert!(r.record_out.contains("NOT redacted"), "{}", r.record_out);
}

#[test]
fn bad_flags_say_what_to_write_and_exit_2() {
    let (code, _, err) = support::served::crmsim(&["record", "--out", "/tmp/x.jsonl"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nothing to record"), "{err}");
    let (code, _, err) = support::served::crmsim(&[
        "record",
        "--out",
        "/tmp/crmsim-record-test.jsonl",
        "--requests-listen",
        "127.0.0.1:0",
        "--connector",
        "https://c.example:8443",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("give --connector-dir and --crm-dir"), "{err}");
    let (code, _, err) = support::served::crmsim(&[
        "record",
        "--out",
        "/nonexistent-dir/x.jsonl",
        "--requests-listen",
        "127.0.0.1:0",
        "--connector",
        "http://c.example:8080",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--out"), "{err}");
}
