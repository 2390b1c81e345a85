//! The steady phase of a run as processes, read off the components' reports, with the keys of
//! the in-process report's `steady`: the calls offered per second from the connectors' seconds
//! (`calls.offered`, placed in wall-clock time), the latencies from the CRM's own steady phase
//! (its config's `warmup` ends where the runner's warm-up ends). The scenario's latency
//! thresholds are judged on them.

use std::collections::BTreeMap;

use serde::Serialize;
use stats::{LatencySummary, SecondSnapshot};

use super::checks::Checks;
use super::reports::Reports;
use crate::serve::timing::Seconds;
use scenario::Scenario;

/// What the steady phase showed.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct SteadyFigures {
    /// The steady phase's length, in seconds.
    pub duration_s: f64,
    /// The scenario's `calls.rate`.
    pub target_calls_per_s: f64,
    /// Calls the connector sides offered in the steady phase (a life killed without a report
    /// offered calls nobody can count).
    pub calls_offered: u64,
    /// Calls offered per second over the steady phase.
    pub calls_per_s: f64,
    /// The CRM's latencies in the steady phase: requests from their intended start and the
    /// agents' work (`agent.talk`, `agent.wrap_up`).
    pub latency_ms: BTreeMap<String, LatencySummary>,
    /// Events are timed where they are sent, at the connector sides, whose reports keep a
    /// latency summary per second, not mergeable histograms: this is the largest p99 of any
    /// second the steady phase touches, on any side. Each second has at most 1% of its events
    /// above it, so the steady phase as a whole has too: an upper bound of the steady event
    /// p99, the stricter reading. `None` when no side timed an event in the steady phase.
    pub event_p99_bound_ms: Option<f64>,
}

/// The figures of the steady phase that began at `start_unix_ms` (the CRM's start plus the
/// warm-up) and lasted the scenario's `run.steady`.
pub fn figures(s: &Scenario, reports: &Reports, start_unix_ms: u64) -> SteadyFigures {
    let length_ms = s.run.steady.as_millis() as f64;
    let (from, to) = (start_unix_ms as f64, start_unix_ms as f64 + length_ms);
    let offered: f64 = reports
        .sides
        .iter()
        .map(|r| counted(&r.timeline, "calls.offered", from, to))
        .sum();
    let event_p99_bound_ms = reports
        .sides
        .iter()
        .filter_map(|r| worst_p99(&r.timeline, "event", from, to))
        .reduce(f64::max);
    let calls_offered = offered.round() as u64;
    let duration_s = length_ms / 1000.0;
    let latency_ms = reports
        .crm
        .as_ref()
        .and_then(|(_, crm)| crm.steady.as_ref())
        .map(|steady| steady.latency_ms.clone())
        .unwrap_or_default();
    SteadyFigures {
        duration_s,
        target_calls_per_s: s.calls.rate,
        calls_offered,
        calls_per_s: if duration_s > 0.0 {
            calls_offered as f64 / duration_s
        } else {
            0.0
        },
        latency_ms,
        event_p99_bound_ms,
    }
}

/// The seconds of a timeline with their span in Unix milliseconds.
fn spans(timeline: &Seconds) -> impl Iterator<Item = (f64, f64, &SecondSnapshot)> {
    let started = timeline.started_unix_ms as f64;
    timeline.seconds.iter().map(move |b| {
        let start = started + b.second as f64 * 1000.0;
        (start, b.seconds.max(1) as f64 * 1000.0, b)
    })
}

/// Counter `name` of a timeline between two Unix times (ms). A second the window cuts counts
/// in proportion: arrivals are spread over their second.
fn counted(timeline: &Seconds, name: &str, from: f64, to: f64) -> f64 {
    spans(timeline)
        .map(|(start, width, b)| {
            let overlap = (to.min(start + width) - from.max(start)).max(0.0);
            b.counters.get(name).copied().unwrap_or(0) as f64 * overlap / width
        })
        .sum()
}

/// The largest p99 of latency category `name` in the seconds of a timeline that overlap the
/// window between two Unix times (ms).
fn worst_p99(timeline: &Seconds, name: &str, from: f64, to: f64) -> Option<f64> {
    spans(timeline)
        .filter(|(start, width, _)| *start < to && start + width > from)
        .filter_map(|(_, _, b)| b.latency.get(name).filter(|l| l.count > 0))
        .map(|l| l.p99)
        .reduce(f64::max)
}

/// The scenario's latency and call-rate thresholds, on the steady phase's figures. The CRM
/// reports a summary per operation, not the histograms the in-process run merges, so
/// `max_request_p99_ms` and `max_event_p99_ms` hold the largest p99 of any one operation to the
/// limit: of a mix of operations, 99% are faster than the slowest operation's p99, so this is
/// the stricter reading.
pub fn thresholds(out: &mut Checks, s: &Scenario, steady: &SteadyFigures) {
    let t = &s.thresholds;
    let mut limit = |name: &str, value: Option<f64>, max: f64, what: &str| {
        let detail = match value {
            Some(v) => format!("{v:.3} ms{what} (limit ≤ {max} ms)"),
            None => format!("none measured (limit ≤ {max} ms)"),
        };
        out.add(name, value.is_some_and(|v| v <= max), detail);
    };
    for (key, limits) in &t.latency {
        let summary = steady.latency_ms.get(key).filter(|l| l.count > 0);
        for (_, pct, max, pick) in limits.set() {
            limit(&format!("{key} {pct} (steady)"), summary.map(pick), max, "");
        }
    }
    let worst = |events: bool| {
        steady
            .latency_ms
            .iter()
            .filter(|(k, l)| {
                l.count > 0 && ici::Operation::from_key(k).is_some_and(|op| op.is_event() == events)
            })
            .max_by(|a, b| a.1.p99.total_cmp(&b.1.p99))
            .map(|(k, l)| (l.p99, format!(" ({k}, the slowest operation)")))
    };
    for (name, max, events) in [
        ("request p99 (steady)", t.max_request_p99_ms, false),
        ("event p99 (steady)", t.max_event_p99_ms, true),
    ] {
        if let Some(max) = max {
            let found = worst(events).or_else(|| {
                let bound = steady.event_p99_bound_ms.filter(|_| events)?;
                Some((
                    bound,
                    " (the worst second's p99 at the connector sides, an upper bound)".to_owned(),
                ))
            });
            let what = found.as_ref().map_or("", |(_, w)| w.as_str());
            limit(name, found.as_ref().map(|(v, _)| *v), max, what);
        }
    }
    if let Some(max) = t.max_rate_deviation
        && steady.target_calls_per_s > 0.0
    {
        let deviation =
            (steady.calls_per_s - steady.target_calls_per_s).abs() / steady.target_calls_per_s;
        out.add(
            "call rate accuracy (steady)",
            deviation <= max,
            format!(
                "{:.2} calls/s for a target of {:.2}: {:.2}% off (limit {:.2}%)",
                steady.calls_per_s,
                steady.target_calls_per_s,
                deviation * 100.0,
                max * 100.0
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report

    use std::path::Path;

    use super::*;

    fn flat(p: f64, count: u64) -> LatencySummary {
        LatencySummary {
            count,
            min: p,
            p50: p,
            p90: p,
            p95: p,
            p99: p,
            p999: p,
            max: p,
            mean: p,
        }
    }

    fn second(
        start: u64,
        width: u64,
        offered: u64,
        event_p99: Option<(f64, u64)>,
    ) -> SecondSnapshot {
        SecondSnapshot {
            second: start,
            seconds: width,
            counters: BTreeMap::from([("calls.offered".to_owned(), offered)]),
            latency: event_p99
                .map(|(p, n)| BTreeMap::from([("event".to_owned(), flat(p, n))]))
                .unwrap_or_default(),
        }
    }

    fn timeline(seconds: Vec<SecondSnapshot>) -> Seconds {
        Seconds {
            started_unix_ms: 10_000,
            seconds,
        }
    }

    #[test]
    fn a_second_cut_by_the_window_counts_in_proportion() {
        let t = timeline(vec![
            second(0, 1, 4, None),
            second(1, 1, 4, None),
            second(2, 2, 8, None),
        ]);
        // 10.5 s .. 13 s: half of the first second, the second, half of the merged two.
        let n = counted(&t, "calls.offered", 10_500.0, 13_000.0);
        assert!((n - 10.0).abs() < 1e-9, "{n}");
        assert_eq!(counted(&timeline(vec![]), "calls.offered", 0.0, 1.0), 0.0);
    }

    #[test]
    fn the_event_bound_is_the_worst_p99_of_the_seconds_the_window_touches() {
        let t = timeline(vec![
            second(0, 1, 0, Some((90.0, 5))),
            second(1, 1, 0, Some((4.0, 5))),
            second(2, 1, 0, Some((6.0, 5))),
            second(3, 1, 0, Some((0.0, 0))),
            second(4, 1, 0, Some((70.0, 5))),
        ]);
        // 11.5 s .. 13.5 s touches seconds 1, 2 and 3 (3 timed nothing): not the logon's 90
        // nor the logoff's 70.
        assert_eq!(worst_p99(&t, "event", 11_500.0, 13_500.0), Some(6.0));
        assert_eq!(worst_p99(&t, "event", 13_000.0, 13_900.0), None);
    }

    #[test]
    fn latency_limits_are_judged_on_the_crms_steady_summaries() {
        let text = "[run]\ndeployment = \"direct\"\nsteady = \"10s\"\n\
                    [thresholds]\nmax_request_p99_ms = 5.0\n\
                    [thresholds.latency.\"call.answer\"]\np95_ms = 50\n\
                    [thresholds.latency.\"user.logoff\"]\nmax_ms = 50\n";
        let s = scenario::parse(Path::new("t.toml"), text).unwrap().scenario;
        let l = |p: f64| flat(p, 10);
        let steady = SteadyFigures {
            latency_ms: BTreeMap::from([
                ("call.answer".to_owned(), l(3.0)),
                ("call.hangUp".to_owned(), l(7.0)),
                ("event.callChanged".to_owned(), l(90.0)),
                ("agent.talk".to_owned(), l(1500.0)),
            ]),
            ..SteadyFigures::default()
        };
        let mut out = Checks::default();
        thresholds(&mut out, &s, &steady);
        let by = |name: &str| out.0.iter().find(|c| c.name == name).unwrap();
        assert!(by("call.answer p95 (steady)").ok);
        // Never measured: fails, saying so.
        let logoff = by("user.logoff max (steady)");
        assert!(!logoff.ok && logoff.detail.contains("none measured"));
        // The slowest request (not an event, not the agents' work) is held to the limit.
        let p99 = by("request p99 (steady)");
        assert!(
            !p99.ok && p99.detail.contains("call.hangUp"),
            "{}",
            p99.detail
        );
    }

    #[test]
    fn the_event_limit_reads_the_connectors_bound_and_fails_when_none_was_timed() {
        let text = "[run]\ndeployment = \"direct\"\nsteady = \"10s\"\n[thresholds]\nmax_event_p99_ms = 5.0\n";
        let s = scenario::parse(Path::new("t.toml"), text).unwrap().scenario;
        let judge = |bound: Option<f64>| {
            let steady = SteadyFigures {
                event_p99_bound_ms: bound,
                ..SteadyFigures::default()
            };
            let mut out = Checks::default();
            thresholds(&mut out, &s, &steady);
            out.0
                .into_iter()
                .find(|c| c.name == "event p99 (steady)")
                .unwrap()
        };
        assert!(judge(Some(4.0)).ok);
        let slow = judge(Some(9.0));
        assert!(
            !slow.ok && slow.detail.contains("upper bound"),
            "{}",
            slow.detail
        );
        assert!(judge(None).detail.contains("none measured"));
    }
}
