//! Discovery mode: `serve connector --record FILE` facing a client that sends operations its
//! dialect does not know (curl, plain HTTP). Every message lands in the capture; the summary
//! and the JSON list each operation with its count, the unknown ones named; `--unknown empty`
//! answers them with an empty SOAP body instead of a fault.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::served::{Served, json, write};
use capture::{Capture, Direction};

const ENVELOPE: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>BODY</soapenv:Body></soapenv:Envelope>"#;

/// POSTs `body` to the connector with curl; returns (HTTP status, answer).
fn post(port: u16, body: &str, action: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}", "-H"])
        .arg("Content-Type: text/xml; charset=UTF-8")
        .arg("-H")
        .arg(format!("SOAPAction: \"{action}\""))
        .args(["--data-binary", &ENVELOPE.replace("BODY", body)])
        .arg(format!("http://127.0.0.1:{port}/ici"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (answer, status) = text.rsplit_once('\n').unwrap();
    (status.trim().parse().unwrap(), answer.to_owned())
}

fn discover(root: &Path, unknown: &str) -> (Vec<(u16, String)>, String, serde_json::Value) {
    let config = write(
        &root.join("connector.toml"),
        "listen = \"127.0.0.1:0\"\n[tls]\nenabled = false\n",
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmsim"));
    cmd.args(["serve", "connector", "--config"])
        .arg(&config)
        .arg("--json")
        .arg(root.join("connector.json"))
        .arg("--record")
        .arg(root.join("capture.jsonl"))
        .args(["--unknown", unknown]);
    let mut connector = Served::spawn_command(cmd);
    let port = connector.listening().port();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(post(
            port,
            r#"<x:Frobnicate xmlns:x="urn:vendor:ext"><a>1</a></x:Frobnicate>"#,
            "urn:vendor:ext#Frobnicate",
        ));
    }
    for _ in 0..2 {
        answers.push(post(
            port,
            r#"<y:Zap xmlns:y="urn:vendor:other"/>"#,
            "urn:vendor:other#Zap",
        ));
    }
    answers.push(post(
        port,
        r#"<usr:logon xmlns:usr="urn:IciUserInterface"><user>AGENT1</user><login>10001;pw1;30001;p</login></usr:logon>"#,
        "urn:IciUserInterface#logon",
    ));
    connector.terminate();
    let (status, out) = connector.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{out}\n{}", connector.stderr());
    (answers, out, json(&root.join("connector.json")))
}

#[test]
fn unknown_operations_are_recorded_listed_with_counts_and_faulted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (answers, out, report) = discover(dir.path(), "fault");
    assert_eq!(answers[0].0, 500, "{:?}", answers[0]);
    assert!(
        answers[0].1.contains("Frobnicate"),
        "the fault names it: {}",
        answers[0].1
    );
    assert_eq!(
        answers[5].0, 200,
        "the known logon is served: {:?}",
        answers[5]
    );

    for line in [
        "3 × requests UNKNOWN: {urn:vendor:ext}Frobnicate at /ici, action urn:vendor:ext#Frobnicate",
        "2 × requests UNKNOWN: {urn:vendor:other}Zap at /ici, action urn:vendor:other#Zap",
        "1 × requests user.logon: {urn:IciUserInterface}logon at /ici, action urn:IciUserInterface#logon",
        "(2 unknown to the dialect)",
    ] {
        assert!(out.contains(line), "summary lacks {line:?}:\n{out}");
    }
    let ops = report["recording"]["operations"].as_array().unwrap();
    let unknown: Vec<_> = ops.iter().filter(|o| o["known"].is_null()).collect();
    assert_eq!(unknown.len(), 2, "{ops:?}");
    assert!(
        unknown
            .iter()
            .any(|o| o["count"] == 3 && o["statuses"]["500"] == 3),
        "{ops:?}"
    );

    let capture = Capture::read(&dir.path().join("capture.jsonl")).unwrap();
    let requests = capture
        .messages
        .iter()
        .filter(|(_, m)| m.dir == Direction::Request)
        .count();
    assert_eq!(
        requests, 6,
        "every request, known or not, is in the capture"
    );
    assert_eq!(
        capture
            .exchanges()
            .iter()
            .filter(|e| e.response.is_some())
            .count(),
        6
    );
    let text = std::fs::read_to_string(dir.path().join("capture.jsonl")).unwrap();
    assert!(
        !text.contains("pw1") && text.contains("10001;***;30001;p"),
        "{text}"
    );
}

#[test]
fn unknown_empty_answers_them_with_an_empty_body_and_still_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let (answers, out, _) = discover(dir.path(), "empty");
    let (status, body) = &answers[0];
    assert_eq!(*status, 200, "{body}");
    assert!(
        body.contains("<soapenv:Body></soapenv:Body>") || body.contains("<soapenv:Body/>"),
        "{body}"
    );
    assert!(out.contains("3 × requests UNKNOWN"), "{out}");
}
