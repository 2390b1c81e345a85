//! `crmsim record` between a served CRM and a served connector, as an integrator places it
//! between a real SAP CRM and a real CRMConnectorSAP: both hops over mutual TLS with the
//! customer's folders (a `certs new` set), the foreign dialect on the wire, the CRM's
//! requests through the recorder and the connector's events through it by name resolution
//! (the CRM's port, the recorder's address). The capture must hold every exchange, mask every
//! login password, and the traffic must be what it is without the recorder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::recording::{record, record_with};
use crate::support::served::json;
use capture::{Direction, Hop};

#[test]
fn both_hops_over_mutual_tls_are_forwarded_whole_and_written_with_passwords_masked() {
    let r = record(true, &[]);
    let crm = &r.crm["counts"];
    assert_eq!(crm["request_errors"], 0, "{}", r.crm["errors"]);
    assert!(crm["answered"].as_u64().unwrap() > 0, "{crm}");
    // A fault the connector answered (an agent logging off as a call is offered at shutdown
    // happens) reached the CRM through the recorder as it was, and is in the capture.
    let faults_captured = r
        .capture
        .messages
        .iter()
        .filter(|(_, m)| {
            m.hop == Hop::Requests && m.dir == Direction::Response && m.status != Some(200)
        })
        .count() as u64;
    assert_eq!(
        crm["faults"].as_u64().unwrap(),
        faults_captured,
        "{}",
        r.crm["errors"]
    );
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
    let (code, _, err) = crate::support::served::crmsim(&["record", "--out", "/tmp/x.jsonl"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nothing to record"), "{err}");
    let (code, _, err) = crate::support::served::crmsim(&[
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
    let (code, _, err) = crate::support::served::crmsim(&[
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

#[test]
fn events_on_the_static_proxy_route_are_recorded_and_still_verify_the_crms_name() {
    let r = record_with(true, &[], true);
    let delivered = r.connector["events"]["delivered"].as_u64().unwrap();
    assert!(delivered > 0, "{}", r.connector["events"]);
    assert_eq!(r.crm["counts"]["events"].as_u64().unwrap(), delivered);
    let events = r
        .capture
        .exchanges()
        .iter()
        .filter(|e| e.request.hop == Hop::Events)
        .count() as u64;
    assert_eq!(events, delivered, "every routed event is in the capture");
    assert!(
        r.record_out.contains("event.callChanged"),
        "{}",
        r.record_out
    );
}
