//! Running the searches: per deployment and variant, the highest call rate (windows of one live
//! deployment, stepping the rate) and the highest agent count (a whole run per step).

use std::time::{Instant, SystemTime};

use harness::report::{Report, Verdict};
use harness::runner::session::{Session, Window};
use harness::runner::{self, RunError, RunOptions};
use scenario::capacity::{AgentSearch, CapacitySection, RateSearch, Variant};
use scenario::{Deployment, LoadedScenario, Thresholds};

use super::ceiling::AgentCeiling;
use super::raw::{Moment, RawHandshakes};
use super::report::{CapacityReport, Dimension, Row, StepRecord};
use super::search::{SearchPlan, Searcher};

/// Runs every search the file's `[capacity]` section asks for.
pub async fn run(
    loaded: &LoadedScenario,
    section: &CapacitySection,
    options: &RunOptions,
) -> Result<CapacityReport, RunError> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let deployments = if section.deployments.is_empty() {
        vec![loaded.scenario.run.deployment]
    } else {
        section.deployments.clone()
    };
    // The raw handshake rate, for the variants that open a connection per message.
    let mut keys: Vec<certs::KeyAlgorithm> = Vec::new();
    for v in &section.variants {
        let key = v.key.unwrap_or(loaded.scenario.tls.key);
        // Each key once, however its variants are ordered.
        if v.handshakes_per_message() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut raw = raw_rates(&keys, Moment::Before).await;
    let mut rows = Vec::new();
    for deployment in deployments {
        for variant in &section.variants {
            let base = variant_of(loaded, deployment, variant);
            let mut row = Row {
                deployment: deployment.as_str().to_owned(),
                // With the key it ran with, so that it is compared with that key's raw rate.
                variant: Variant {
                    key: Some(base.scenario.tls.key),
                    ..variant.clone()
                },
                call_rate: None,
                agents: None,
            };
            if let Some(spec) = &section.call_rate {
                eprintln!(
                    "crmsim capacity: {} / {}: highest call rate at {} agents",
                    deployment.as_str(),
                    variant.name,
                    spec.agents
                );
                let paired = variant.full_handshake_per_message();
                row.call_rate = Some(call_rate(&base, section, spec, options, paired).await?);
            }
            if let Some(spec) = &section.agents {
                eprintln!(
                    "crmsim capacity: {} / {}: highest agent count at {} calls/s",
                    deployment.as_str(),
                    variant.name,
                    spec.rate
                );
                row.agents = Some(agents(&base, section, spec, options).await?);
            }
            rows.push(row);
        }
    }
    raw.extend(raw_rates(&keys, Moment::After).await);
    Ok(CapacityReport::new(
        loaded,
        started_at,
        started.elapsed(),
        rows,
        raw,
    ))
}

/// The raw handshake rate for each key, on a blocking thread (it occupies every core).
async fn raw_rates(keys: &[certs::KeyAlgorithm], when: Moment) -> Vec<RawHandshakes> {
    let mut measured = Vec::new();
    for &key in keys {
        eprintln!(
            "crmsim capacity: raw mTLS handshake rate ({key:?}) {} the searches: in memory on 1 core, on all cores, then over TCP",
            when.as_str()
        );
        let rate = tokio::task::spawn_blocking(move || {
            super::raw::measure(key, when, std::time::Duration::from_secs(3))
        })
        .await
        .ok()
        .flatten();
        measured.extend(rate);
    }
    measured
}

/// The scenario for one deployment and variant.
fn variant_of(
    loaded: &LoadedScenario,
    deployment: Deployment,
    variant: &Variant,
) -> LoadedScenario {
    let mut scenario = loaded.scenario.clone();
    scenario.run.deployment = deployment;
    scenario.tls.enabled = variant.tls;
    scenario.tls.requests = variant.requests;
    scenario.tls.events = variant.events;
    if let Some(key) = variant.key {
        scenario.tls.key = key;
    }
    // A sizing run measures load, not faults; the scenario's faults stay with `crmsim run`.
    scenario.faults.clear();
    scenario.capacity = None;
    LoadedScenario {
        path: loaded.path.clone(),
        name: format!(
            "{} [{} / {}]",
            loaded.name,
            deployment.as_str(),
            variant.name
        ),
        scenario,
        overrides: loaded.overrides.clone(),
    }
}

/// Highest call rate: one deployment with the agents logged on, the rate stepped through windows;
/// then, when `paired`, the paired handshake check on the same deployment.
async fn call_rate(
    base: &LoadedScenario,
    section: &CapacitySection,
    spec: &RateSearch,
    options: &RunOptions,
    paired: bool,
) -> Result<Dimension, RunError> {
    let mut loaded = base.clone();
    loaded.scenario.crm.agents = spec.agents;
    // This dimension measures calls, not the logon storm (the agent dimension does): give the
    // agents all the time they need to log on.
    loaded.scenario.run.logon_timeout = loaded
        .scenario
        .run
        .logon_timeout
        .max(std::time::Duration::from_secs(300));
    let mut session = Session::start(&loaded, options).await?;
    session.logon().await;
    let plan = SearchPlan {
        start: spec.start,
        factor: spec.factor,
        max: spec.max,
        min: spec.min,
        precision: spec.precision,
        integer: false,
        max_steps: spec.max_steps,
    };
    let ceiling = AgentCeiling::of(&loaded.scenario, spec.agents);
    if let Some(c) = ceiling.filter(|c| c.stopped(spec.max)) {
        eprintln!(
            "crmsim capacity: warning: {}; steps near or above that measure the agents, not the system ({} to find the system's limit)",
            c.describe(),
            super::ceiling::REMEDY
        );
    }
    let mut searcher = Searcher::new(plan);
    let mut records = Vec::new();
    let logged_on = session.log().all_logged_on;
    if !logged_on {
        records.push(StepRecord::failed_setup(
            spec.start,
            "not every agent logged on",
        ));
    }
    while logged_on && let Some(rate) = searcher.next_load() {
        let label = format!("{rate:.0} calls/s");
        let window = session
            .window(rate, section.step_warmup, section.step_steady, &label)
            .await;
        let mut judged = window_failures(&window, &loaded.scenario.thresholds);
        let passed = judged.reasons.is_empty();
        if let Some(c) = ceiling.filter(|c| !passed && c.stopped(rate)) {
            judged
                .reasons
                .push(format!("near the agents' ceiling: {}", c.describe()));
        }
        let repeatable = judged.slow_only && section.repeat_slow_steps;
        let repeated = record(&mut searcher, &label, passed, repeatable, &judged.reasons);
        records.push(StepRecord {
            load: rate,
            passed,
            reasons: judged.reasons,
            repeated,
            window: Some(window),
        });
        if !passed {
            session.settle(section.settle).await;
        }
    }
    let outcome = searcher.outcome();
    // The rounds measure how many handshakes the machine can do, so their load must ask for
    // more than it can: at the lowest failing load the deployment still does about what is
    // offered (it fails on latency, not throughput). Half as much again saturates it while the
    // backlog stays small enough to settle between rounds. Without a failure: the highest pass
    // (the note shows how busy the cores were, so an unsaturated round reads as such).
    let check = match outcome
        .first_failure
        .map(|f| f * SATURATE)
        .or(outcome.capacity)
    {
        Some(load) if paired && logged_on && section.handshake_rounds > 0 => {
            paired_check(&mut session, &loaded, load, section).await
        }
        _ => None,
    };
    session.drain().await;
    let _ = session.finish().await;
    Ok(Dimension::new(spec.agents as f64, outcome, records)
        .with_agent_ceiling(ceiling)
        .with_handshake_check(check))
}

/// The paired rounds' load against the search's lowest failing load.
const SATURATE: f64 = 1.5;

/// The paired check on the live session (None, said in the log, when its raw bench cannot be made).
async fn paired_check(
    session: &mut Session<'_>,
    loaded: &LoadedScenario,
    load: f64,
    section: &CapacitySection,
) -> Option<super::paired::PairedCheck> {
    let key = loaded.scenario.tls.key;
    eprintln!(
        "crmsim capacity: {} full handshakes against the raw rate measured around each window: {} rounds at {load:.0} calls/s",
        loaded.name, section.handshake_rounds
    );
    let bench = tokio::task::spawn_blocking(move || super::raw::RawBench::new(key))
        .await
        .map_err(|e| e.to_string())
        .and_then(|made| made.map_err(|e| e.to_string()));
    match bench {
        Ok(bench) => Some(
            super::paired::run(
                session,
                std::sync::Arc::new(bench),
                load,
                section.handshake_rounds,
                section,
            )
            .await,
        ),
        Err(e) => {
            eprintln!("crmsim capacity: warning: the paired handshake check did not run: {e}");
            None
        }
    }
}

/// Highest agent count: a whole run per step (logon included), at a fixed call rate.
async fn agents(
    base: &LoadedScenario,
    section: &CapacitySection,
    spec: &AgentSearch,
    options: &RunOptions,
) -> Result<Dimension, RunError> {
    let plan = SearchPlan {
        start: spec.start as f64,
        factor: spec.factor,
        max: spec.max as f64,
        min: spec.min.map(|m| m as f64),
        precision: spec.precision,
        integer: true,
        max_steps: spec.max_steps,
    };
    let mut searcher = Searcher::new(plan);
    let mut records = Vec::new();
    while let Some(count) = searcher.next_load() {
        let mut loaded = base.clone();
        let s = &mut loaded.scenario;
        s.crm.agents = count as usize;
        s.calls.rate = spec.rate;
        s.run.warmup = section.step_warmup;
        s.run.steady = section.step_steady;
        s.run.logoff = false;
        let report = harness::report::assemble(&loaded, runner::run(&loaded, options).await?);
        let failed: Vec<&harness::report::Check> = report
            .invariants
            .iter()
            .chain(&report.thresholds)
            .filter(|c| !c.ok)
            .collect();
        let slow_only = failed
            .iter()
            .all(|c| harness::report::judges_latency(&c.name));
        let reasons: Vec<String> = failed
            .iter()
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        let passed = report.verdict == Verdict::Pass;
        let label = format!("{count:.0} agents");
        let repeatable = slow_only && section.repeat_slow_steps;
        let repeated = record(&mut searcher, &label, passed, repeatable, &reasons);
        records.push(StepRecord {
            load: count,
            passed,
            reasons,
            repeated,
            window: Some(window_of(&report)),
        });
    }
    Ok(Dimension::new(spec.rate, searcher.outcome(), records))
}

/// Logs a step's outcome and tells the search; returns whether the step is to be run again.
fn record(
    searcher: &mut Searcher,
    label: &str,
    passed: bool,
    repeatable: bool,
    reasons: &[String],
) -> bool {
    let repeated = searcher.record_repeatable(passed, repeatable);
    let verdict = match (passed, repeated) {
        (true, _) => "pass".to_owned(),
        (false, true) => format!(
            "fail ({}); slow but kept up, so run again before it counts",
            reasons.join("; ")
        ),
        (false, false) => format!("fail ({})", reasons.join("; ")),
    };
    eprintln!("crmsim capacity:   {label}: {verdict}");
    repeated
}

/// A window's verdict: the thresholds it broke, in words (empty when it passed), and whether it
/// was only slow (latency, lateness) while it did all its work: nothing lost, no error, and
/// calls served as fast as they came. Only such a failure may be a moment of the machine.
struct Judged {
    reasons: Vec<String>,
    slow_only: bool,
}

fn window_failures(w: &Window, t: &Thresholds) -> Judged {
    fn over(out: &mut Vec<String>, what: &str, value: Option<f64>, max: Option<f64>) {
        if let (Some(v), Some(m)) = (value, max)
            && v > m
        {
            out.push(format!("{what} {v:.2} > {m}"));
        }
    }
    let mut out = Vec::new();
    over(
        &mut out,
        "lost calls",
        Some(w.lost as f64),
        t.max_lost_calls.map(|v| v as f64),
    );
    over(&mut out, "error rate", Some(w.error_rate), t.max_error_rate);
    let before_latency = out.len();
    over(
        &mut out,
        "request p99 ms",
        w.request_p99_ms,
        t.max_request_p99_ms,
    );
    over(&mut out, "event p99 ms", w.event_p99_ms, t.max_event_p99_ms);
    over(
        &mut out,
        "late arrivals",
        Some(w.late_arrivals as f64),
        t.max_late_arrivals.map(|v| v as f64),
    );
    let after_latency = out.len();
    // A rate the harness could not even generate is not a rate the system sustained. A window
    // of T seconds holds rate × T arrivals only to within one (where its edges fall between two
    // arrivals), which at a few calls per second is more than 5%: one arrival is allowed for it.
    let expected = w.rate * w.duration_s;
    if (w.offered as f64 + 1.0) < expected * 0.95 {
        out.push(format!(
            "achieved {:.1} calls/s of {:.1}",
            w.achieved_rate, w.rate
        ));
    }
    if w.offered > 0 && w.completed == 0 {
        out.push("no call completed".to_owned());
    } else if w.offered >= MIN_CALLS_TO_JUDGE_SERVICE
        && (w.completed as f64) < w.offered as f64 * MIN_SERVED
    {
        // Calls that queue for an agent are not lost within their patience, and the message
        // latencies stay low: without this a rate beyond what the agents can take would pass.
        out.push(format!(
            "{} of {} calls completed in the window: calls queue, the agents or sides fall behind",
            w.completed, w.offered
        ));
    }
    Judged {
        slow_only: before_latency == 0 && after_latency == out.len(),
        reasons: out,
    }
}

/// In a steady window calls end as fast as they arrive; below this share the system is behind.
const MIN_SERVED: f64 = 0.9;
/// Fewer calls than this in a window are too few to judge the share.
const MIN_CALLS_TO_JUDGE_SERVICE: u64 = 20;

/// The steady phase of a whole run (an agent-count step), as a window.
fn window_of(r: &Report) -> Window {
    let p99 = |events: bool| {
        r.steady
            .latency_ms
            .iter()
            // ICI messages only: not the connector's own time, arrivals or agents' work.
            .filter(|(k, _)| {
                k.starts_with("event.") == events && ici::Operation::from_key(k).is_some()
            })
            .map(|(_, l)| l.p99)
            .reduce(f64::max)
    };
    let messages = r.messages.requests + r.messages.events;
    let failures = r.messages.request_errors
        + r.messages.faults
        + r.messages.events_failed
        + r.messages.events_refused;
    Window {
        rate: r.steady.target_calls_per_s,
        duration_s: r.steady.duration_s,
        achieved_rate: r.steady.calls_per_s,
        offered: r.steady.calls_offered,
        completed: r.calls.completed,
        lost: r.calls.lost,
        failures,
        messages,
        error_rate: if messages == 0 {
            0.0
        } else {
            failures as f64 / messages as f64
        },
        late_arrivals: r.calls.late_arrivals,
        request_p99_ms: p99(false),
        event_p99_ms: p99(true),
        full_handshakes_per_s: r.tls_handshakes.full as f64 / r.duration_s.max(f64::EPSILON),
        resumed_handshakes_per_s: r.tls_handshakes.resumed as f64 / r.duration_s.max(f64::EPSILON),
        cpu: harness::outcome::CpuUse {
            wall_s: r.duration_s,
            cpu_s: r.harness.cpu_seconds,
            utilisation: r.harness.utilisation,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::outcome::CpuUse;

    fn window(offered: u64, completed: u64) -> Window {
        Window {
            rate: offered as f64 / 5.0,
            duration_s: 5.0,
            achieved_rate: offered as f64 / 5.0,
            offered,
            completed,
            lost: 0,
            failures: 0,
            messages: offered * 10,
            error_rate: 0.0,
            late_arrivals: 0,
            request_p99_ms: Some(3.0),
            event_p99_ms: Some(4.0),
            full_handshakes_per_s: 0.0,
            resumed_handshakes_per_s: 0.0,
            cpu: CpuUse {
                wall_s: 5.0,
                cpu_s: None,
                utilisation: None,
            },
        }
    }

    #[test]
    fn a_window_whose_calls_queue_fails_even_with_low_latency_and_nothing_lost() {
        let t = Thresholds::default();
        assert!(
            window_failures(&window(16_000, 15_200), &t)
                .reasons
                .is_empty()
        );
        let judged = window_failures(&window(16_000, 11_500), &t);
        let reasons = &judged.reasons;
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(
            reasons[0].contains("11500 of 16000 calls completed"),
            "{reasons:?}"
        );
        // Falling behind is the limit itself, not a moment of the machine.
        assert!(!judged.slow_only);
        let mut slow = window(16_000, 15_200);
        slow.event_p99_ms = Some(120.0);
        let strict = Thresholds {
            max_event_p99_ms: Some(50.0),
            ..Thresholds::default()
        };
        let judged = window_failures(&slow, &strict);
        assert_eq!(judged.reasons.len(), 1, "{:?}", judged.reasons);
        assert!(judged.slow_only);
        // Too few calls to judge the share.
        assert!(window_failures(&window(10, 5), &t).reasons.is_empty());
    }

    #[test]
    fn a_window_short_by_one_arrival_of_its_edges_is_not_short_of_the_rate() {
        let t = Thresholds::default();
        // 4 calls/s over 4 s: 16 due; the window's edges may leave one out.
        let mut w = window(15, 15);
        w.rate = 4.0;
        w.duration_s = 4.0;
        w.achieved_rate = 15.0 / 4.0;
        assert!(window_failures(&w, &t).reasons.is_empty());
        w.offered = 14;
        w.completed = 14;
        w.achieved_rate = 14.0 / 4.0;
        let reasons = window_failures(&w, &t).reasons;
        assert!(
            reasons.len() == 1 && reasons[0].contains("achieved 3.5 calls/s of 4.0"),
            "{reasons:?}"
        );
        // At a high rate one arrival is nothing: 5% short is short.
        let mut fast = window(16_000, 16_000);
        fast.offered = 15_100;
        fast.completed = 15_100;
        fast.achieved_rate = 15_100.0 / 5.0;
        assert!(!window_failures(&fast, &t).reasons.is_empty());
    }

    #[test]
    fn a_lost_call_is_never_put_down_to_a_slow_moment() {
        let t = Thresholds::default();
        let mut w = window(16_000, 11_500);
        w.lost = 1;
        let judged = window_failures(&w, &t);
        assert_eq!(judged.reasons.len(), 2, "{:?}", judged.reasons);
        assert!(!judged.slow_only);
    }
}
