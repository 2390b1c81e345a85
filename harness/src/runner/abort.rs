//! `run.abort_on_fail`: end the steady phase as soon as a threshold is certainly broken, as
//! k6's `abortOnFail` does, so that a CI job against a broken connector release fails in
//! seconds instead of after the whole scenario.
//!
//! Only a threshold that nothing later can mend ends a run: a count that may not grow past its
//! limit (lost calls, late arrivals, any error when the error rate's limit is 0) and a latency
//! maximum (one sample over `max_ms` stays the maximum). A percentile or a rate can still come
//! back, so it is judged at the end as usual.

use super::observe;
use crate::topology::Topology;
use crate::topology::contact_center::ContactCenter;
use scenario::Thresholds;

/// The first threshold the run can no longer meet, said as the check's name and the figure.
pub fn certainly_broken(
    t: &Thresholds,
    topology: &Topology,
    center: &ContactCenter,
) -> Option<String> {
    let totals = observe::totals(topology, center);
    let counts = [
        (
            "max_lost_calls",
            t.max_lost_calls,
            totals.lost,
            "calls lost",
        ),
        (
            "max_late_arrivals",
            t.max_late_arrivals,
            totals.late,
            "late arrivals",
        ),
    ];
    for (key, limit, value, what) in counts {
        if let Some(limit) = limit
            && value > limit
        {
            return Some(format!(
                "thresholds.{key}: {value} {what} (limit ≤ {limit})"
            ));
        }
    }
    if t.max_error_rate == Some(0.0) && totals.failures > 0 {
        return Some(format!(
            "thresholds.max_error_rate: {} failed requests or events (limit 0)",
            totals.failures
        ));
    }
    for (key, limits) in &t.latency {
        let Some(max_ms) = limits.max_ms else {
            continue;
        };
        let seen = steady_max_ms(topology, center, key);
        if seen > max_ms {
            return Some(format!(
                "{key} max (steady): {seen:.3} ms (limit ≤ {max_ms} ms)"
            ));
        }
    }
    None
}

/// The largest latency of `key` in the steady phase so far, over every component, in ms.
fn steady_max_ms(topology: &Topology, center: &ContactCenter, key: &str) -> f64 {
    topology
        .crms()
        .map(|c| &c.metrics().latency)
        .chain(topology.connectors().map(|c| &c.metrics().latency))
        .chain(std::iter::once(&*center.latency))
        .filter_map(|book| book.phase_max(key, "steady"))
        .map(|micros| micros as f64 / 1000.0)
        .fold(0.0, f64::max)
}
