//! The steady phase window by window (`run.window`): what a soak reads to see whether latency or
//! memory crept up over an hour, and the two thresholds that judge it.
//!
//! A window's latencies come from its own HDR histograms (not averaged per-second figures), so
//! "the p99 of the last ten minutes" is exactly that.

use std::collections::BTreeMap;

use serde::Serialize;
use stats::LatencySummary;

use super::model::Check;
use crate::outcome::WindowMark;
use scenario::Thresholds;

/// Keys with fewer samples than this in the first or the last window are not compared: a
/// percentile of a handful of values moves with a single one.
const MIN_SAMPLES: u64 = 200;

/// One window of the steady phase.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WindowReport {
    /// 1 for the first window.
    pub index: usize,
    /// Seconds since the steady phase started.
    pub start_s: f64,
    /// Seconds since the steady phase started, at the window's end.
    pub end_s: f64,
    /// Calls that arrived in the window.
    pub calls_offered: u64,
    /// Calls that ended completed or transferred in the window.
    pub calls_completed: u64,
    /// Calls lost in the window: abandoned (in a queue or waiting for a side) or dropped.
    pub calls_lost: u64,
    /// Requests the CRM(s) sent in the window.
    pub requests: u64,
    /// Events the CRM(s) received in the window.
    pub events: u64,
    /// Requests without an answer, faults, failed or refused events.
    pub failures: u64,
    /// Resident memory of the crmsim process at the window's end (every simulator of an
    /// in-process run), MiB; absent where `/proc` is not available.
    pub rss_mib: Option<f64>,
    /// Latencies over the window in ms, by operation and event, across every component.
    pub latency_ms: BTreeMap<String, LatencySummary>,
}

/// The report's windows, numbered from 1, from the runner's marks.
pub fn reports(marks: &[WindowMark]) -> Vec<WindowReport> {
    marks
        .iter()
        .enumerate()
        .map(|(i, m)| WindowReport {
            index: i + 1,
            start_s: m.start_s,
            end_s: m.end_s,
            calls_offered: m.offered,
            calls_completed: m.completed,
            calls_lost: m.lost,
            requests: m.requests,
            events: m.events,
            failures: m.failures,
            rss_mib: m.rss_mib,
            latency_ms: m.latency_ms.clone(),
        })
        .collect()
}

/// The drift thresholds, comparing the first window with the last.
pub fn checks(t: &Thresholds, windows: &[WindowReport]) -> Vec<Check> {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        for (name, limit) in [
            (LATENCY_DRIFT, t.max_window_drift),
            (MEMORY_GROWTH, t.max_memory_growth),
        ] {
            if let Some(limit) = limit {
                out.push(Check {
                    name: name.to_owned(),
                    ok: false,
                    detail: "no window of the steady phase was measured".to_owned(),
                    limit: Some(limit),
                    value: None,
                });
            }
        }
        return out;
    };
    if let Some(limit) = t.max_window_drift {
        out.push(latency_drift(first, last, limit));
    }
    if let Some(limit) = t.max_memory_growth {
        out.push(memory_growth(first, last, limit));
    }
    out
}

/// The name of the check `thresholds.max_window_drift` makes: the largest rise of a p50 or p99.
pub const LATENCY_DRIFT: &str = "latency drift, first window to last";
/// The name of the check `thresholds.max_memory_growth` makes: resident memory's growth.
pub const MEMORY_GROWTH: &str = "memory growth, first window to last";

/// The largest rise of any key's p50 or p99 from the first window to the last. A fall is not
/// a drift a soak looks for, so it passes.
fn latency_drift(first: &WindowReport, last: &WindowReport, limit: f64) -> Check {
    let mut worst: Option<(f64, String)> = None;
    let mut compared = 0;
    // The agents' talk and wrap-up times are drawn from the scenario: no drift of the system's.
    let keys = first
        .latency_ms
        .iter()
        .filter(|(k, _)| !k.starts_with(sim_crm::agent::WORK_PREFIX));
    for (key, a) in keys {
        let Some(b) = last.latency_ms.get(key) else {
            continue;
        };
        if a.count < MIN_SAMPLES || b.count < MIN_SAMPLES {
            continue;
        }
        compared += 1;
        for (label, before, after) in [("p50", a.p50, b.p50), ("p99", a.p99, b.p99)] {
            let rise = (after - before) / before.max(f64::EPSILON);
            if worst.as_ref().is_none_or(|(w, _)| rise > *w) {
                worst = Some((
                    rise,
                    format!("{key} {label} {before:.2} ms → {after:.2} ms"),
                ));
            }
        }
    }
    let Some((rise, what)) = worst else {
        return Check {
            name: LATENCY_DRIFT.to_owned(),
            ok: false,
            detail: format!(
                "no operation or event had {MIN_SAMPLES} samples in both the first and the last window: lengthen run.window or raise calls.rate"
            ),
            limit: Some(limit),
            value: None,
        };
    };
    Check {
        name: LATENCY_DRIFT.to_owned(),
        ok: rise <= limit,
        detail: format!(
            "{:+.1}% at most ({what}; {compared} keys compared; limit +{:.0}%)",
            rise * 100.0,
            limit * 100.0
        ),
        limit: Some(limit),
        value: Some(rise),
    }
}

fn memory_growth(first: &WindowReport, last: &WindowReport, limit: f64) -> Check {
    let (Some(before), Some(after)) = (first.rss_mib, last.rss_mib) else {
        return Check {
            name: MEMORY_GROWTH.to_owned(),
            ok: false,
            detail: "resident memory cannot be read on this system (no /proc)".to_owned(),
            limit: Some(limit),
            value: None,
        };
    };
    let growth = (after - before) / before.max(f64::EPSILON);
    Check {
        name: MEMORY_GROWTH.to_owned(),
        ok: growth <= limit,
        detail: format!(
            "{before:.1} MiB → {after:.1} MiB ({:+.1}%; limit +{:.0}%)",
            growth * 100.0,
            limit * 100.0
        ),
        limit: Some(limit),
        value: Some(growth),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(p50: f64, p99: f64, count: u64, rss: f64) -> WindowReport {
        let l = LatencySummary {
            count,
            min: p50,
            p50,
            p90: p99,
            p95: p99,
            p99,
            p999: p99,
            max: p99,
            mean: p50,
        };
        WindowReport {
            index: 1,
            start_s: 0.0,
            end_s: 600.0,
            calls_offered: 0,
            calls_completed: 0,
            calls_lost: 0,
            requests: 0,
            events: 0,
            failures: 0,
            rss_mib: Some(rss),
            latency_ms: BTreeMap::from([("call.answer".to_owned(), l)]),
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            max_window_drift: Some(0.2),
            max_memory_growth: Some(0.05),
            ..Thresholds::default()
        }
    }

    #[test]
    fn a_p99_that_rose_a_quarter_fails_and_names_key_and_values() {
        let c = checks(
            &thresholds(),
            &[window(1.0, 4.0, 1000, 100.0), window(1.0, 5.0, 1000, 100.0)],
        );
        assert!(!c[0].ok, "{:?}", c[0]);
        assert!(
            c[0].detail.contains("call.answer p99 4.00 ms → 5.00 ms"),
            "{}",
            c[0].detail
        );
        assert!(c[1].ok);
    }

    #[test]
    fn a_fall_and_a_small_rise_pass_and_memory_is_judged_on_its_own() {
        let c = checks(
            &thresholds(),
            &[window(1.0, 4.0, 1000, 100.0), window(1.1, 3.0, 1000, 106.0)],
        );
        assert!(c[0].ok, "{:?}", c[0]);
        assert!(!c[1].ok, "{:?}", c[1]);
        assert!(c[1].detail.contains("+6.0%"), "{}", c[1].detail);
    }

    #[test]
    fn the_agents_talk_times_are_the_workload_not_a_drift() {
        let mut w = [window(1.0, 4.0, 1000, 100.0), window(1.0, 4.0, 1000, 100.0)];
        for (w, talk) in w.iter_mut().zip([8_000.0, 16_000.0]) {
            let mut l = w.latency_ms["call.answer"];
            l.p50 = talk;
            l.p99 = talk;
            w.latency_ms.insert("agent.talk".to_owned(), l);
        }
        let c = checks(&thresholds(), &w);
        assert!(c[0].ok, "{:?}", c[0]);
    }

    #[test]
    fn too_few_samples_are_not_compared_and_say_what_to_do() {
        let c = checks(
            &thresholds(),
            &[window(1.0, 4.0, 10, 100.0), window(9.0, 9.0, 10, 100.0)],
        );
        assert!(!c[0].ok);
        assert!(
            c[0].detail.contains("lengthen run.window"),
            "{}",
            c[0].detail
        );
    }
}
