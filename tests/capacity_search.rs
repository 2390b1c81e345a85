//! The capacity search on a real deployment with a known limit: 6 agents whose calls take 1 s
//! each can take at most 6 calls/s; above that callers queue and, with 200 ms of patience, hang
//! up.
//! The search must find a capacity at or below that limit, and not far below it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;

use capacity::search::Stop;

mod support;

/// The tests of this file one at a time: the paired check's raw measurements take every core,
/// and the other test's callers, with 200 ms of patience, would hang up on a busy machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `crmsim capacity` on the scenario `text`, alone (see [`SERIAL`]), quietly.
async fn size(name: &str, text: &str) -> capacity::report::CapacityReport {
    let _alone = SERIAL.lock().await;
    let loaded = scenario::parse(Path::new(name), text).unwrap();
    let section = loaded.scenario.capacity.clone().unwrap();
    capacity::run::run(&loaded, &section, &support::in_process::quiet())
        .await
        .unwrap()
}

const SCENARIO: &str = r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "1s"
steady = "2s"
drain = "10s"
logoff = false
[tls]
enabled = false
[connector]
wrap_up = false
[crm]
agents = 6
ring_delay = "0s"
talk_time = "1s"
heartbeat = "0s"
[calls]
arrival = "constant"
patience = "200ms"
[thresholds]
max_lost_calls = 0
max_error_rate = 0.0
[capacity]
step_warmup = "1s"
step_steady = "4s"
settle = "10s"
variants = [{ name = "plain", tls = false }]
[capacity.call_rate]
agents = 6
start = 2.0
factor = 2.0
max = 32.0
precision = 0.15
max_steps = 8
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_finds_a_known_agent_limit_from_real_runs() {
    let report = size("limit.toml", SCENARIO).await;
    let dim = report.rows[0].call_rate.as_ref().unwrap();
    let limit = 6.0;
    let found = dim.capacity.unwrap();
    assert!(
        found <= limit && found >= 0.7 * limit,
        "capacity {found}: {:#?}",
        dim.steps
    );
    assert!(dim.first_failure.unwrap() <= 2.0 * limit, "{dim:#?}");
    assert_eq!(dim.stopped, Stop::Precise);
    // Every failed step names what broke; a lost call is never put down to a slow moment and retried.
    for step in dim.steps.iter().filter(|s| !s.passed) {
        assert!(
            step.reasons.iter().any(|r| r.contains("lost calls")),
            "{step:?}"
        );
        assert!(!step.repeated, "{step:?}");
    }
    // The table and its Markdown and HTML say the same.
    assert!(report.render_table().contains("plain"));
    assert!(report.render_markdown().contains("| direct | plain |"));
    assert!(report.render_html().contains("<svg"));
    let json = serde_json::to_value(&report).unwrap();
    support::json_schema::assert_value_valid("capacity-report.schema.json", &json);
}

const FULL_HANDSHAKES: &str = r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "1s"
steady = "2s"
drain = "10s"
logoff = false
[tls]
enabled = true
key = "ecdsa-p256"
[crm]
agents = 4
ring_delay = "0s"
talk_time = "200ms"
heartbeat = "0s"
[calls]
arrival = "constant"
patience = "5s"
[capacity]
step_warmup = "1s"
step_steady = "2s"
settle = "5s"
handshake_rounds = 2
variants = [{ name = "ssl full handshake", tls = true, requests = "full", events = "full" }]
[capacity.call_rate]
agents = 4
start = 2.0
max = 4.0
max_steps = 2
"#;

/// A full-handshake variant is paired with the raw rate after its search: each round a real
/// window of the live deployment between two raw measurements, all of them non-zero, told in the
/// notes and kept in the JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_handshake_variant_is_paired_with_the_raw_rate_round_by_round() {
    let report = size("paired.toml", FULL_HANDSHAKES).await;
    let dim = report.rows[0].call_rate.as_ref().unwrap();
    let check = dim.handshake_check.as_ref().expect("a paired check");
    assert_eq!(check.rounds.len(), 2, "{check:#?}");
    for round in &check.rounds {
        assert!(round.raw_before_per_s > 0.0, "{check:#?}");
        assert!(round.raw_after_per_s > 0.0, "{check:#?}");
        // The same spells measure over loopback TCP too.
        assert!(
            round.tcp_before_per_s.is_some_and(|r| r > 0.0),
            "{check:#?}"
        );
        assert!(round.tcp_after_per_s.is_some_and(|r| r > 0.0), "{check:#?}");
        // Every call pays several full handshakes (requests and events alike).
        assert!(round.full_handshakes_per_s > check.load, "{check:#?}");
    }
    assert_eq!(
        check.rounds[0].raw_after_per_s,
        check.rounds[1].raw_before_per_s
    );
    assert!(check.median_ratio.is_some_and(|r| r > 0.0), "{check:#?}");
    assert!(
        check.median_tcp_ratio.is_some_and(|r| r > 0.0),
        "{check:#?}"
    );
    let notes: Vec<&str> = report.findings.iter().map(|f| f.text.as_str()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("paired with the raw rate") && n.contains("over loopback TCP")),
        "{notes:?}"
    );
    let json = serde_json::to_value(&report).unwrap();
    // What `crmsim capacity --json` writes, with a paired check and raw rates in it.
    support::json_schema::assert_value_valid("capacity-report.schema.json", &json);
    assert!(json["rows"][0]["call_rate"]["handshake_check"]["median_ratio"].is_number());
    assert!(json["rows"][0]["call_rate"]["handshake_check"]["median_tcp_ratio"].is_number());
    // The findings carry their figures, typed by kind, beside their sentence.
    let kinds: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["figures"]["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"raw-handshakes"), "{kinds:?}");
    assert!(kinds.contains(&"paired-handshakes"), "{kinds:?}");
}
