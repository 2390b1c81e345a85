//! The two proxy deployments of the connector guide, with SSL, lose side A mid-run and get it
//! back: the run passes, every call is accounted for, every agent is logged on again within what
//! the health-check settings imply, the figures are measured and reported, and the report shows
//! which way the events went.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::in_process;
use harness::report::Report;

async fn run_shipped(name: &str) -> (Report, scenario::Scenario) {
    in_process::run_shipped(name, |_| {}).await
}

fn check(report: &Report, s: &scenario::Scenario) {
    // What `--json` writes, with the proxy's counters, state changes and faults in it.
    let json = serde_json::to_value(report).unwrap();
    crate::support::json_schema::assert_value_valid("run-report.schema.json", &json);
    // Failover and accounting are judged here; a latency-only check (the generator's
    // punctuality, a p99) fails on a moment of a shared machine and is printed, not asserted,
    // as the capacity search and the HAProxy test treat it.
    in_process::assert_passed_but_for_latency(report, "failover");
    let p = &s.proxy;
    let inter = p.inter.as_secs_f64() * 1000.0;
    // Marked DOWN after `fall` failed checks: at most fall × inter + the check timeout (+ slack).
    let down_bound = p.fall as f64 * inter + p.check_timeout.as_secs_f64() * 1000.0 + 500.0;
    let up_bound = p.rise as f64 * inter + 500.0;
    let kill = report
        .failover
        .iter()
        .find(|f| f.fault == "kill connector-a")
        .unwrap();
    let detection = kill.detection_ms.unwrap();
    assert!(
        detection <= down_bound,
        "detection {detection} > {down_bound}"
    );
    assert!(kill.request_gap_ms.unwrap() > 0.0, "{kill:?}");
    assert!(kill.failed_requests > 0, "{kill:?}");
    // Agents are back once the proxy sends to B and the watchdog's next heartbeat finds the
    // session gone: detection + a heartbeat interval + the logon itself.
    let heartbeat = s.crm.heartbeat.as_secs_f64() * 1000.0;
    let relogon = kill.relogon_ms.unwrap();
    assert!(
        relogon <= down_bound + 2.0 * heartbeat + 3000.0,
        "relogon {relogon} ms"
    );
    let dropped: u64 = kill.calls_dropped.values().sum();
    assert_eq!(dropped, report.calls.dropped.min(dropped), "{kill:?}");
    let back = report
        .failover
        .iter()
        .find(|f| f.fault == "restart connector-a")
        .unwrap();
    let up = back.detection_ms.unwrap();
    assert!(up <= up_bound, "fail-back detection {up} > {up_bound}");
    assert!(back.relogon_ms.is_some(), "{back:?}");
    let changes: Vec<(String, String)> = report
        .network
        .state_changes
        .iter()
        .map(|c| (c.server.clone(), c.to.to_string()))
        .collect();
    assert!(
        changes.contains(&("connector-a".to_owned(), "DOWN".to_owned())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&("connector-a".to_owned(), "UP".to_owned())),
        "{changes:?}"
    );
    assert_eq!(report.agents.logged_in, 50);
    assert!(
        report.agents.relogons >= 100,
        "failover and fail-back: {:?}",
        report.agents
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_events_direct_fails_over_and_back_and_events_bypass_the_proxy() {
    let (r, s) = run_shipped("proxy-events-direct.toml").await;
    check(&r, &s);
    assert_eq!(r.event_path.path, "direct");
    assert_eq!(r.event_path.route_connections, 0);
    assert!(r.event_path.crm_connections > 0 && r.event_path.events_received > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_static_route_fails_over_and_back_and_events_cross_the_proxy() {
    let (r, s) = run_shipped("proxy-static-route.toml").await;
    check(&r, &s);
    assert_eq!(r.event_path.path, "static-route");
    assert!(r.event_path.route_connections > 0, "{:?}", r.event_path);
    assert!(r.event_path.route_bytes_to_crm > 1000, "{:?}", r.event_path);
}
