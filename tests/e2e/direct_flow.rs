//! The full direct flow over real sockets, SSL on and off: agents log on, calls arrive, are
//! answered, talked and ended, every event arrives in order, and the report says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::in_process::run_text;
use harness::report::Verdict;

fn scenario(tls: bool, mode: &str) -> String {
    format!(
        r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "1s"
steady = "4s"
drain = "20s"
[tls]
enabled = {tls}
requests = "{mode}"
events = "{mode}"
[crm]
agents = 30
ring_delay = "uniform(50ms, 200ms)"
talk_time = "uniform(300ms, 1s)"
wrap_up = "200ms"
not_ready_ratio = 0.2
not_ready_reasons = [1001]
not_ready_time = "300ms"
heartbeat = "500ms"
[calls]
rate = 10.0
arrival = "constant"
[thresholds]
max_request_p99_ms = 1000.0
max_event_p99_ms = 1000.0
min_completed_calls = 20
"#
    )
}

async fn run(tls: bool, mode: &str) -> harness::report::Report {
    run_text("flow.toml", &scenario(tls, mode)).await
}

fn assert_clean(r: &harness::report::Report) {
    for check in r.invariants.iter().chain(&r.thresholds) {
        assert!(check.ok, "{}: {}", check.name, check.detail);
    }
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!((r.agents.configured, r.agents.logged_in), (30, 30));
    assert!(r.calls.completed >= 20, "{:?}", r.calls);
    assert_eq!(r.calls.lost, 0);
    assert_eq!(r.calls.offered, r.calls.answered);
    assert!(
        r.messages.events > 7 * r.calls.completed,
        "{:?}",
        r.messages
    );
    for key in [
        "user.logon",
        "call.answer",
        "call.hangUp",
        "event.callChanged",
        "event.userChanged",
    ] {
        assert!(r.latency_ms.contains_key(key), "latency_ms.{key} missing");
    }
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_flow_passes_with_ssl_and_counts_handshakes_in_both_directions() {
    let r = run(true, "keep-alive").await;
    assert_clean(&r);
    assert!(r.tls);
    let requests = &r.hops["crm->connector"];
    let events = &r.hops["connector->crm"];
    assert!(
        requests.handshakes_full >= 1 && events.handshakes_full >= 1,
        "{:?}",
        r.hops
    );
    assert_eq!(r.tls_handshakes.failed, 0);
    // Keep-alive: far fewer connections than messages.
    assert!(
        requests.connections * 5 < r.messages.requests,
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_crms_share_one_connector_and_each_gets_its_own_events() {
    let text = scenario(true, "keep-alive").replace("agents = 30", "agents = 15\ninstances = 2");
    let r = run_text("two.toml", &text).await;
    for c in r.invariants.iter().chain(&r.thresholds) {
        assert!(c.ok, "{}: {}", c.name, c.detail);
    }
    let crms = &r.components.crms;
    assert_eq!(crms.len(), 2);
    for crm in crms {
        assert_eq!(crm.agents, 15);
        assert!(
            crm.counts.events > 0 && crm.counts.answered > 0,
            "{}: {:?}",
            crm.name,
            crm.counts
        );
        // Each CRM only ever heard of its own agents: nothing refused as unknown.
        assert_eq!(crm.counts.events_refused, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_flow_passes_without_ssl_and_does_no_handshake() {
    let r = run(false, "keep-alive").await;
    assert_clean(&r);
    assert!(!r.tls);
    assert_eq!(r.tls_handshakes.full + r.tls_handshakes.resumed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connection_per_message_resumes_sessions_or_does_full_handshakes_as_asked() {
    let resumed = run(true, "resume").await;
    assert_clean(&resumed);
    let h = &resumed.hops["crm->connector"];
    assert!(
        h.connections >= resumed.messages.requests,
        "one connection per request: {h:?}"
    );
    assert!(h.handshakes_resumed > h.handshakes_full, "{h:?}");

    let full = run(true, "full").await;
    assert_clean(&full);
    let h = &full.hops["crm->connector"];
    assert_eq!(h.handshakes_resumed, 0, "{h:?}");
    assert!(h.handshakes_full >= full.messages.requests, "{h:?}");
}
