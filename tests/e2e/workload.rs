//! The workload models as a user names them: an arrival ramp that offers exactly its integral,
//! and a login storm measured on its own, with its own limits.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;

use crate::support::in_process::run_text;
use harness::report::{Report, Verdict};

async fn run(text: &str) -> Report {
    run_text("workload.toml", text).await
}

fn scenario(ramp: &str, logon: &str, extra_thresholds: &str) -> String {
    format!(
        r#"
[run]
deployment = "direct"
logon = {logon}
warmup = "2s"
steady = "2s"
drain = "20s"
[tls]
enabled = false
[crm]
agents = 40
ring_delay = "50ms"
talk_time = "200ms"
wrap_up = "50ms"
[calls]
rate = 40.0
arrival = "constant"
ramp = "{ramp}"
[thresholds]
max_request_p99_ms = 1000.0
{extra_thresholds}
"#
    )
}

/// Calls offered in the warm-up: the whole run's minus the steady phase's (arrivals stop when
/// the steady phase ends).
fn warmup_offered(r: &Report) -> u64 {
    r.calls.offered - r.steady.calls_offered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ramp_offers_its_integral_and_the_steady_phase_the_target_rate() {
    // 0 → 40 calls/s over the 2 s warm-up: 40 calls, where a flat start offers 80.
    let ramped = run(&scenario("2s", "\"storm\"", "")).await;
    assert_eq!(ramped.verdict, Verdict::Pass, "{:?}", ramped.thresholds);
    let offered = warmup_offered(&ramped);
    assert!((37..=43).contains(&offered), "ramp offered {offered}");
    let flat = run(&scenario("0s", "\"storm\"", "")).await;
    let offered = warmup_offered(&flat);
    assert!((77..=83).contains(&offered), "flat start offered {offered}");
    for r in [&ramped, &flat] {
        let off = (r.steady.calls_per_s - 40.0).abs() / 40.0;
        assert!(off < 0.05, "steady at {} calls/s", r.steady.calls_per_s);
    }
}

#[test]
fn a_ramp_longer_than_the_warm_up_is_refused_where_it_is_written() {
    let e = scenario::parse(Path::new("w.toml"), &scenario("3s", "\"storm\"", "")).unwrap_err();
    assert!(e.message.contains("longer than the warm-up"), "{e}");
    assert_eq!(e.at.map(|a| a.0), Some(18), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_storm_is_measured_on_its_own_and_can_fail_the_run() {
    let r = run(&scenario(
        "0s",
        "\"storm\"",
        "max_logon_s = 30.0\nmax_logon_p99_ms = 5000.0",
    ))
    .await;
    let logon = &r.agents.logon;
    assert_eq!(logon.mode, "storm");
    assert_eq!(logon.target_per_s, None);
    assert!(logon.complete);
    assert_eq!(logon.latency_ms["user.logon"].count, 40);
    assert!(logon.achieved_per_s > 0.0);
    for name in ["logon phase duration", "user.logon p99 (logon phase)"] {
        let check = r.thresholds.iter().find(|c| c.name == name).unwrap();
        assert!(check.ok, "{}: {}", check.name, check.detail);
    }
    assert_eq!(r.verdict, Verdict::Pass);

    // 40 agents at 10/s take about 4 s: a 1 s limit fails the run, and says by how much.
    let r = run(&scenario("0s", "10.0", "max_logon_s = 1.0")).await;
    assert_eq!(r.agents.logon.mode, "ramp");
    assert_eq!(r.agents.logon.target_per_s, Some(10.0));
    let check = r
        .thresholds
        .iter()
        .find(|c| c.name == "logon phase duration")
        .unwrap();
    assert!(!check.ok, "{}", check.detail);
    assert!(r.agents.logon_phase_s > 3.0, "{}", r.agents.logon_phase_s);
    assert_eq!(r.verdict, Verdict::Fail);
}
