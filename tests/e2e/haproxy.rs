//! The proxy deployments with a real HAProxy (Debian's package) as the proxy, rendered from the
//! same scenario: both shipped proxy scenarios pass with it, side A's loss is detected from
//! HAProxy's own log, and its failover figures are compared with the embedded proxy's in the
//! same test.
//!
//! Without `haproxy` on the machine the test says so and passes, unless
//! `CRMSIM_REQUIRE_HAPROXY=1` (ci/test.sh sets it, after ci/deps.sh installed HAProxy).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::in_process::{assert_passed_but_for_latency, run_shipped};
use harness::outcome::FailoverRecord as FailoverReport;
use harness::report::Report;
use scenario::{ProxyEngine, Scenario};

fn haproxy_present() -> bool {
    if proxy::haproxy::HaproxyOptions::find_binary().is_some() {
        return true;
    }
    assert!(
        std::env::var("CRMSIM_REQUIRE_HAPROXY").as_deref() != Ok("1"),
        "CRMSIM_REQUIRE_HAPROXY=1 but no haproxy on the PATH or at /usr/sbin/haproxy (apt-get install -y haproxy)"
    );
    eprintln!(
        "SKIPPED: no haproxy on this machine (apt-get install -y haproxy); HAProxy tests not run"
    );
    false
}

async fn run(name: &str, engine: ProxyEngine) -> (Report, Scenario) {
    run_shipped(name, |s| s.proxy.engine = engine).await
}

fn figure<'a>(report: &'a Report, fault: &str) -> &'a FailoverReport {
    report
        .failover
        .iter()
        .find(|f| f.fault == fault)
        .unwrap_or_else(|| panic!("no failover figures for {fault}"))
}

/// Marked DOWN after `fall` failed checks: at most fall × inter + check timeout (+ slack).
fn down_bound(s: &Scenario) -> f64 {
    let p = &s.proxy;
    p.fall as f64 * p.inter.as_secs_f64() * 1000.0 + p.check_timeout.as_secs_f64() * 1000.0 + 500.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haproxy_fails_over_like_the_embedded_proxy_and_carries_the_static_route() {
    if !haproxy_present() {
        return;
    }
    let (embedded, s) = run("proxy-events-direct.toml", ProxyEngine::Embedded).await;
    let (haproxy, _) = run("proxy-events-direct.toml", ProxyEngine::Haproxy).await;
    // Failover and routes are what this test judges, with their own bounds below.
    assert_passed_but_for_latency(&embedded, "embedded");
    assert_passed_but_for_latency(&haproxy, "haproxy");
    assert_eq!(haproxy.network.engine, Some("haproxy"));
    assert_eq!(embedded.network.engine, Some("embedded"));

    let bound = down_bound(&s);
    let mut table = String::from("fault                 engine     detection  gap     relogon\n");
    for fault in ["kill connector-a", "restart connector-a"] {
        let e = figure(&embedded, fault);
        let h = figure(&haproxy, fault);
        for (engine, f) in [("embedded", e), ("haproxy", h)] {
            table.push_str(&format!(
                "{fault:<21} {engine:<10} {:>7.0} ms {:>5.0} ms {:>6.0} ms\n",
                f.detection_ms.unwrap_or(f64::NAN),
                f.request_gap_ms.unwrap_or(f64::NAN),
                f.relogon_ms.unwrap_or(f64::NAN)
            ));
        }
        let (de, dh) = (e.detection_ms.unwrap(), h.detection_ms.unwrap());
        assert!(
            de <= bound && dh <= bound,
            "{fault}: detection {de} / {dh} > {bound}\n{table}"
        );
        // Same checks (inter, fall, rise, TLS): the two engines notice within one check round
        // trip of each other.
        let inter = s.proxy.inter.as_secs_f64() * 1000.0;
        assert!(
            (de - dh).abs() <= 2.0 * inter,
            "{fault}: detection differs by more than two check intervals\n{table}"
        );
        assert!(e.relogon_ms.is_some() && h.relogon_ms.is_some(), "{table}");
    }
    eprintln!("{table}");

    // HAProxy saw it in its own log: A DOWN, then UP again.
    let changes: Vec<(String, String)> = haproxy
        .network
        .state_changes
        .iter()
        .map(|c| (c.server.clone(), c.to.to_string()))
        .collect();
    for to in ["DOWN", "UP"] {
        assert!(
            changes.contains(&("connector-a".to_owned(), to.to_owned())),
            "{changes:?}"
        );
    }
    // And counted the traffic it carried to B while A was away.
    let servers = &haproxy.network.proxy.as_ref().unwrap().backends[0].servers;
    assert!(servers[1].connections > 0, "{servers:?}");

    static_route().await;
}

/// Runs after the comparison, not beside it: two deployments at once on two cores would blur
/// the timings both measure.
async fn static_route() {
    let (report, s) = run("proxy-static-route.toml", ProxyEngine::Haproxy).await;
    assert_passed_but_for_latency(&report, "haproxy static route");
    let kill = figure(&report, "kill connector-a");
    assert!(kill.detection_ms.unwrap() <= down_bound(&s), "{kill:?}");
    let proxy = report.network.proxy.as_ref().unwrap();
    let route = &proxy.routes[0];
    assert!(
        route.connections > 0 && route.bytes_in > 0,
        "events crossed HAProxy's listen section: {route:?}"
    );
}
