//! Thresholds: what the scenario demands of the run (latency, rates, lost calls, failover
//! figures), each a [`Check`] that names its value and limit. The invariants, which every run
//! must meet, are in `invariants`.

use hdrhistogram::Histogram;
use ici::Operation;
use sim_connector::ConnectorReport;
use stats::LatencyBook;

use super::model::{CallsReport, Check, MessagesReport};
use crate::outcome::FailoverRecord;
use scenario::Scenario;

/// Checks that judge latency, not correctness nor keeping up: a system that did all its work,
/// only slowly at some moment. On a shared machine one stall of a few hundred milliseconds
/// fails them, so the capacity search runs such a step again. A lost call, an error, a lost
/// event or falling behind (agents not logged on in time, calls queueing) is never blamed on a
/// moment of the machine.
const LATENCY_ONLY: [&str; 5] = [REQUEST_P99, EVENT_P99, LATE, RATE_ACCURACY, LOGON_P99];
const REQUEST_P99: &str = "request p99 (steady)";
const EVENT_P99: &str = "event p99 (steady)";
const LATE: &str = "late arrivals";
const RATE_ACCURACY: &str = "call rate accuracy (steady)";
const LOGON_P99: &str = "user.logon p99 (logon phase)";

/// Whether the check called `name` judges latency alone (see `LATENCY_ONLY`).
pub fn judges_latency(name: &str) -> bool {
    LATENCY_ONLY.contains(&name)
}

pub(super) fn check(name: &str, ok: bool, detail: String) -> Check {
    Check {
        name: name.to_owned(),
        ok,
        detail,
        limit: None,
        value: None,
    }
}

/// The logon phase's limits: how long until every agent was on, and what a logon cost.
pub fn logon_thresholds(s: &Scenario, agents: &super::model::AgentsReport) -> Vec<Check> {
    let t = &s.thresholds;
    let mut out = Vec::new();
    if let Some(max) = t.max_logon_s {
        let value = if agents.logon.complete {
            agents.logon_phase_s
        } else {
            f64::INFINITY
        };
        out.push(Check {
            name: "logon phase duration".to_owned(),
            ok: value <= max,
            detail: if agents.logon.complete {
                format!("{value:.3} s (limit ≤ {max} s)")
            } else {
                format!(
                    "{}/{} agents logged on within the logon timeout (limit ≤ {max} s)",
                    agents.logged_in, agents.configured
                )
            },
            limit: Some(max),
            value: Some(value),
        });
    }
    if let Some(max) = t.max_logon_p99_ms {
        let p99 = agents
            .logon
            .latency_ms
            .get(Operation::Logon.key())
            .map(|l| l.p99);
        let value = p99.unwrap_or(f64::INFINITY);
        out.push(Check {
            name: LOGON_P99.to_owned(),
            ok: value <= max,
            detail: match p99 {
                Some(v) => format!("{v:.3} ms (limit ≤ {max} ms)"),
                None => format!("no logon measured (limit ≤ {max} ms)"),
            },
            limit: Some(max),
            value: Some(value),
        });
    }
    out
}

/// A count as a count (`211`, not `211.000`), anything else to three decimals.
fn figure(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.3}")
    }
}

pub fn thresholds(
    s: &Scenario,
    steady: &super::model::SteadyReport,
    calls: &CallsReport,
    messages: &MessagesReport,
    latency: &LatencyBook,
) -> Vec<Check> {
    let t = &s.thresholds;
    let mut out = Vec::new();
    let mut limit = |name: &str, value: f64, max: Option<f64>, min: Option<f64>, unit: &str| {
        let (ok, bound) = match (max, min) {
            (Some(m), _) => (value <= m, format!("≤ {m}{unit}")),
            (_, Some(m)) => (value >= m, format!("≥ {m}{unit}")),
            _ => return,
        };
        out.push(Check {
            name: name.to_owned(),
            ok,
            detail: format!("{}{unit} (limit {bound})", figure(value)),
            limit: max.or(min),
            value: Some(value),
        });
    };
    for (key, limits) in &t.latency {
        let summary = steady.latency_ms.get(key).filter(|l| l.count > 0);
        for (_, pct, max, pick) in limits.set() {
            let name = format!("{key} {pct} (steady)");
            match summary {
                Some(l) => limit(&name, pick(l), Some(max), None, " ms"),
                None => limit(&name, f64::INFINITY, Some(max), None, " ms (none measured)"),
            }
        }
    }
    let request_p99 = steady_p99(latency, |op| !op.is_event());
    let event_p99 = steady_p99(latency, Operation::is_event);
    if let Some(p99) = request_p99 {
        limit(REQUEST_P99, p99, t.max_request_p99_ms, None, " ms");
    }
    if let Some(p99) = event_p99 {
        limit(EVENT_P99, p99, t.max_event_p99_ms, None, " ms");
    }
    if request_p99.is_none() && t.max_request_p99_ms.is_some() {
        limit(
            REQUEST_P99,
            f64::INFINITY,
            t.max_request_p99_ms,
            None,
            " ms (no request measured)",
        );
    }
    if event_p99.is_none() && t.max_event_p99_ms.is_some() {
        limit(
            EVENT_P99,
            f64::INFINITY,
            t.max_event_p99_ms,
            None,
            " ms (no event measured)",
        );
    }
    limit(
        "lost calls",
        calls.lost as f64,
        t.max_lost_calls.map(|v| v as f64),
        None,
        "",
    );
    let attempts = (messages.requests + messages.events) as f64;
    let failures = (messages.request_errors
        + messages.faults
        + messages.events_failed
        + messages.events_refused) as f64;
    let rate = if attempts > 0.0 {
        failures / attempts
    } else {
        0.0
    };
    limit("error rate", rate, t.max_error_rate, None, "");
    limit(
        "completed calls",
        (calls.completed + calls.transferred) as f64,
        None,
        t.min_completed_calls.map(|v| v as f64),
        "",
    );
    limit(
        LATE,
        calls.late_arrivals as f64,
        t.max_late_arrivals.map(|v| v as f64),
        None,
        "",
    );
    if let Some(max) = t.max_rate_deviation
        && steady.target_calls_per_s > 0.0
    {
        let deviation =
            (steady.calls_per_s - steady.target_calls_per_s).abs() / steady.target_calls_per_s;
        out.push(Check {
            name: RATE_ACCURACY.to_owned(),
            ok: deviation <= max,
            detail: format!(
                "{:.2} calls/s for a target of {:.2}: {:.2}% off (limit {:.2}%)",
                steady.calls_per_s,
                steady.target_calls_per_s,
                deviation * 100.0,
                max * 100.0
            ),
            limit: Some(max),
            value: Some(deviation),
        });
    }
    out
}

/// p99 in ms over the steady phase of every operation `pick` selects, from the merged histograms.
fn steady_p99(latency: &LatencyBook, pick: impl Fn(Operation) -> bool) -> Option<f64> {
    let mut merged: Option<Histogram<u64>> = None;
    for op in Operation::ALL.into_iter().filter(|op| pick(*op)) {
        let Some(h) = latency.histogram(op.key(), Some("steady")) else {
            continue;
        };
        match &mut merged {
            Some(m) => {
                let _ = m.add(&h);
            }
            None => merged = Some(h),
        }
    }
    merged
        .filter(|h| !h.is_empty())
        .map(|h| h.value_at_quantile(0.99) as f64 / 1000.0)
}

pub(super) fn sample(ids: &[&String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(|s| s.as_str()).collect();
    let more = ids.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Failover limits, per fault, and the run's dropped calls and lost events.
pub fn failover_thresholds(
    s: &Scenario,
    records: &[FailoverRecord],
    connectors: &[ConnectorReport],
) -> Vec<Check> {
    let t = &s.thresholds;
    let mut out = Vec::new();
    let bound = |name: String, value: Option<f64>, max: f64, unit: &str, missing: &str| Check {
        name,
        ok: value.is_some_and(|v| v <= max),
        detail: match value {
            Some(v) => format!("{v:.1}{unit} (limit ≤ {max}{unit})"),
            None => format!("{missing} (limit ≤ {max}{unit})"),
        },
        limit: Some(max),
        value,
    };
    for r in records.iter().filter(|r| r.kind != "fault") {
        if !r.applied {
            out.push(check(
                &format!("{}: applied", r.fault),
                false,
                r.note.clone(),
            ));
            continue;
        }
        if let Some(max) = t.max_detection_ms {
            out.push(bound(
                format!("{}: detection", r.fault),
                r.detection_ms,
                max,
                " ms",
                "the proxy never marked the side",
            ));
        }
        if let Some(max) = t.max_failover_gap_ms {
            out.push(bound(
                format!("{}: request gap", r.fault),
                r.request_gap_ms,
                max,
                " ms",
                "requests never answered again",
            ));
        }
        if let Some(max) = t.max_relogon_ms {
            out.push(bound(
                format!("{}: all agents logged on again", r.fault),
                r.relogon_ms,
                max,
                " ms",
                "not every agent logged on again",
            ));
        }
        if let Some(max) = t.max_failed_requests {
            out.push(bound(
                format!("{}: failed requests", r.fault),
                Some(r.failed_requests as f64),
                max as f64,
                "",
                "",
            ));
        }
    }
    if let Some(max) = t.max_dropped_calls {
        let dropped: u64 = connectors.iter().map(|c| c.acd.counters.dropped).sum();
        out.push(bound(
            "dropped calls".to_owned(),
            Some(dropped as f64),
            max as f64,
            "",
            "",
        ));
    }
    if let Some(max) = t.max_events_lost {
        let lost: u64 = connectors
            .iter()
            .filter_map(|c| c.killed.as_ref())
            .map(|k| k.events_lost)
            .sum();
        out.push(bound(
            "events lost with killed sides".to_owned(),
            Some(lost as f64),
            max as f64,
            "",
            "",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::figure;

    #[test]
    fn counts_print_as_counts_and_rates_with_decimals() {
        assert_eq!(figure(211.0), "211");
        assert_eq!(figure(0.0), "0");
        assert_eq!(figure(0.0125), "0.013");
        assert_eq!(figure(2.039), "2.039");
        assert_eq!(figure(f64::INFINITY), "inf");
    }
}
