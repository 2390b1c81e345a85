//! Each fault action has the effect it names, on a real deployment over real sockets: latency
//! raises a hop's latency by about that much, a black hole makes requests time out rather than
//! fail at once, a reset cuts connections, pause holds work until resume, kill drops what the
//! side held (accounted for), restart brings a fresh side the agents log on to again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::in_process::run_text;
use harness::report::Report;

/// A small direct run with `faults` (TOML `[[fault]]` tables), steady phase `steady`.
async fn run(tls: bool, steady: &str, faults: &str, extra: &str) -> Report {
    let text = format!(
        r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "1s"
steady = "{steady}"
drain = "20s"
[tls]
enabled = {tls}
[crm]
agents = 20
ring_delay = "100ms"
talk_time = "uniform(300ms, 600ms)"
wrap_up = "100ms"
heartbeat = "250ms"
request_timeout = "1500ms"
{extra}
[calls]
rate = 8.0
arrival = "constant"
[thresholds]
max_lost_calls = 1000
max_error_rate = 1.0
min_completed_calls = 1
{faults}
"#
    );
    run_text("faults.toml", &text).await
}

fn p50(r: &Report, key: &str) -> f64 {
    r.steady
        .latency_ms
        .get(key)
        .map(|l| l.p50)
        .unwrap_or_else(|| panic!("no {key}: {:?}", r.steady.latency_ms.keys()))
}

fn error_kinds(r: &Report) -> Vec<String> {
    r.errors
        .iter()
        .map(|e| format!("{} × {}: {}", e.count, e.kind, e.first))
        .collect()
}

fn invariants_hold(r: &Report) {
    for c in &r.invariants {
        assert!(c.ok, "{}: {}", c.name, c.detail);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_on_a_hop_raises_its_latency_by_about_that_much() {
    let base = run(true, "4s", "", "").await;
    let slow = run(
        true,
        "4s",
        "[[fault]]\nat = \"0s\"\naction = \"latency\"\ntarget = \"crm->connector\"\nlatency = \"200ms\"\n",
        "",
    )
    .await;
    invariants_hold(&slow);
    for key in ["call.answer", "call.hangUp", "user.setWorkMode"] {
        let added = p50(&slow, key) - p50(&base, key);
        assert!(
            (170.0..=280.0).contains(&added),
            "{key}: p50 rose by {added:.1} ms"
        );
    }
    // The other direction (events) is not on that hop.
    let events = p50(&slow, "event.callChanged") - p50(&base, "event.callChanged");
    assert!(events < 100.0, "events rose by {events:.1} ms");
    assert!(
        slow.markers
            .iter()
            .any(|m| m.label == "latency 200ms on crm->connector")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_hole_makes_requests_time_out_not_fail_at_once() {
    let r = run(
        true,
        "5s",
        "[[fault]]\nat = \"1s\"\naction = \"blackhole\"\ntarget = \"crm->connector\"\nduration = \"2500ms\"\n",
        "",
    )
    .await;
    let kinds = error_kinds(&r);
    let timeouts = r
        .errors
        .iter()
        .find(|e| e.kind.ends_with("request.timeout"));
    let timeouts = timeouts.unwrap_or_else(|| panic!("no timeouts: {kinds:?}"));
    assert!(
        timeouts.first.contains("no answer") && timeouts.first.contains("1.5s"),
        "{kinds:?}"
    );
    assert!(
        !kinds.iter().any(|k| k.contains("request.connect")),
        "failed at once: {kinds:?}"
    );
    let record = &r.failover[0];
    // The first request to fail did so only after waiting out its timeout.
    assert!(record.first_failure_ms.unwrap() >= 1400.0, "{record:?}");
    assert!(record.failed_requests > 0, "{record:?}");
    assert!(
        r.markers
            .iter()
            .any(|m| m.label == "end of blackhole on crm->connector")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_cuts_live_connections_and_the_run_recovers() {
    let r = run(
        false,
        "4s",
        "[[fault]]\nat = \"2s\"\naction = \"reset\"\ntarget = \"connector->crm\"\n",
        "",
    )
    .await;
    let record = &r.failover[0];
    let reset: u64 = record
        .note
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(reset > 0, "{record:?}");
    invariants_hold(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_connector_answers_nothing_until_resumed() {
    let r = run(
        true,
        "5s",
        "[[fault]]\nat = \"1s\"\naction = \"pause\"\ntarget = \"connector\"\nduration = \"800ms\"\n",
        "",
    )
    .await;
    invariants_hold(&r);
    // Requests waited through the pause, none was lost. The heartbeat (every 250 ms) is sure to
    // have been sent during the 800 ms pause; agents' requests only if a call was at that step.
    let worst = [
        "call.answer",
        "call.hangUp",
        "user.setWorkMode",
        "system.heartbeat",
    ]
    .iter()
    .filter_map(|k| r.steady.latency_ms.get(*k))
    .map(|l| l.max)
    .fold(0.0, f64::max);
    assert!(worst >= 500.0, "longest request {worst} ms");
    assert_eq!(r.messages.request_errors, 0, "{:?}", error_kinds(&r));
    assert!(
        r.markers
            .iter()
            .any(|m| m.label == "end of pause on connector")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_connector_drops_its_calls_with_a_reason_and_restart_brings_agents_back() {
    let r = run(
        true,
        "8s",
        "[[fault]]\nat = \"2s\"\naction = \"kill\"\ntarget = \"connector\"\n\n[[fault]]\nat = \"4s\"\naction = \"restart\"\ntarget = \"connector\"\n",
        "",
    )
    .await;
    invariants_hold(&r);
    let kill = &r.failover[0];
    assert_eq!(kill.fault, "kill connector");
    let dropped: u64 = kill.calls_dropped.values().sum();
    assert!(dropped > 0 && r.calls.dropped >= dropped, "{kill:?}");
    assert!(
        kill.calls_dropped.contains_key("connector killed"),
        "{kill:?}"
    );
    let restart = &r.failover[1];
    assert_eq!(restart.fault, "restart connector");
    // Every agent logged on again (at the restarted side) before the end of the steady phase.
    assert!(kill.relogon_ms.is_some(), "{kill:?}");
    assert!(r.agents.relogons >= 20, "{:?}", r.agents);
    assert!(r.calls.completed > 0);
    // What the killed instance counted before it died stays on the per-second timeline.
    let offered: u64 = r
        .timeline
        .iter()
        .map(|s| s.counters.get("calls.offered").copied().unwrap_or(0))
        .sum();
    // (A call generated while no side could take it is never offered to a connector.)
    assert!(
        offered * 10 >= r.calls.offered * 9,
        "{offered} of {} generated calls offered on the timeline",
        r.calls.offered
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_crm_holds_the_events_until_resumed() {
    let r = run(
        true,
        "4s",
        "[[fault]]\nat = \"1s\"\naction = \"pause\"\ntarget = \"crm\"\nduration = \"700ms\"\n",
        "",
    )
    .await;
    invariants_hold(&r);
    let worst = r.steady.latency_ms["event.callChanged"].max;
    assert!(worst >= 500.0, "longest event {worst} ms");
}
