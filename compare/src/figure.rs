//! The figures of a report worth gating a release on, each with the way that is better.
//!
//! Not every number of a report is a figure: counts of what was offered follow the scenario, and
//! timelines are per second. What is here is what a performance engineer reads first: latency
//! percentiles of the steady phase, rates, losses and errors, the logon, failover times, the
//! harness's own cost, and for capacity reports each variant's capacities.

use serde_json::Value;

/// Which way a figure should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// A rise is worse: latencies, losses, errors, durations, cost.
    Lower,
    /// A fall is worse: rates, completed counts, capacities, ratios.
    Higher,
}

/// What kind of figure, for the default tolerance and the unit shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A latency in milliseconds.
    Latency,
    /// Messages, calls or logons per second.
    Rate,
    /// Something that should not happen at all: lost calls, errors, failed handshakes.
    Failures,
    /// Something that should happen as often as before: completed calls, logged-on agents.
    Count,
    /// Seconds or milliseconds a phase or a failover took.
    Duration,
    /// What the run cost the machine: CPU seconds, memory.
    Cost,
    /// A capacity found by `crmsim capacity` (calls/s or agents).
    Capacity,
    /// A ratio from 0 to 1 (the paired handshake check's median).
    Ratio,
}

impl Class {
    /// The name rules and flags use for the class (`latency = "30%"`) and JUnit's classname.
    pub fn name(self) -> &'static str {
        match self {
            Class::Latency => "latency",
            Class::Rate => "rate",
            Class::Failures => "failures",
            Class::Count => "count",
            Class::Duration => "duration",
            Class::Cost => "cost",
            Class::Capacity => "capacity",
            Class::Ratio => "ratio",
        }
    }

    /// Every class, for telling a class name from a figure pattern in a rule.
    pub const ALL: [Class; 8] = [
        Class::Latency,
        Class::Rate,
        Class::Failures,
        Class::Count,
        Class::Duration,
        Class::Cost,
        Class::Capacity,
        Class::Ratio,
    ];
}

/// One figure of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Its path in the report (`steady.latency_ms.call.answer.p99`), the name rules match.
    pub key: String,
    /// The number in the report, in the figure's own unit (ms, per second, a count).
    pub value: f64,
    /// Which way the figure should move.
    pub better: Better,
    /// Its kind, which picks the default tolerance.
    pub class: Class,
    /// A capacity that is only a bound (`≥` the search's maximum, `<` its minimum).
    pub bound: Option<&'static str>,
}

/// Which report a JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `crmsim run --json`: one run's latencies, rates, losses and failovers.
    Run,
    /// `crmsim capacity --json`: the capacities found per deployment and variant.
    Capacity,
}

impl ReportKind {
    /// `run` or `capacity`, as the comparison and its errors name the kind.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Run => "run",
            ReportKind::Capacity => "capacity",
        }
    }

    /// Recognised by the keys only that kind has.
    pub fn of(report: &Value) -> Option<ReportKind> {
        if report.get("latency_ms").is_some() && report.get("verdict").is_some() {
            Some(ReportKind::Run)
        } else if report.get("rows").is_some_and(Value::is_array) {
            Some(ReportKind::Capacity)
        } else {
            None
        }
    }
}

/// The figures of a report, in report order.
pub fn figures(report: &Value) -> Option<(ReportKind, Vec<Figure>)> {
    let kind = ReportKind::of(report)?;
    let mut out = Vec::new();
    match kind {
        ReportKind::Run => run_figures(report, &mut out),
        ReportKind::Capacity => capacity_figures(report, &mut out),
    }
    Some((kind, out))
}

/// The number at `path`, if there is one.
fn at(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, p| v.get(p))?.as_f64()
}

fn figure(key: String, value: f64, better: Better, class: Class) -> Figure {
    Figure {
        key,
        value,
        better,
        class,
        bound: None,
    }
}

fn push(out: &mut Vec<Figure>, report: &Value, path: &[&str], better: Better, class: Class) {
    if let Some(value) = at(report, path) {
        out.push(figure(path.join("."), value, better, class));
    }
}

const PERCENTILES: [&str; 6] = ["p50", "p90", "p95", "p99", "p999", "max"];

fn run_figures(r: &Value, out: &mut Vec<Figure>) {
    use Better::{Higher, Lower};
    // The steady phase's latencies: the load the scenario asks for, without the logon storm and
    // the drain, which are judged by their own figures.
    if let Some(keys) = r.pointer("/steady/latency_ms").and_then(Value::as_object) {
        // The agents' talk and wrap-up times are the workload the scenario asked for, not how
        // fast the system served it: no regression to find in them.
        for (key, summary) in keys.iter().filter(|(k, _)| !k.starts_with("agent.")) {
            for p in PERCENTILES {
                if let Some(value) = at(summary, &[p]) {
                    let key = format!("steady.latency_ms.{key}.{p}");
                    out.push(figure(key, value, Lower, Class::Latency));
                }
            }
        }
    }
    for (path, class) in [
        (&["steady", "calls_per_s"][..], Class::Rate),
        (&["steady", "requests_per_s"], Class::Rate),
        (&["steady", "events_per_s"], Class::Rate),
        (&["agents", "logon", "achieved_per_s"], Class::Rate),
        (&["calls", "completed"], Class::Count),
        (&["agents", "logged_in"], Class::Count),
    ] {
        push(out, r, path, Higher, class);
    }
    for path in [
        &["calls", "lost"][..],
        &["calls", "dropped"],
        &["calls", "abandoned"],
        &["calls", "unrouted"],
        &["calls", "late_arrivals"],
        &["messages", "faults"],
        &["messages", "request_errors"],
        &["messages", "events_failed"],
        &["messages", "events_refused"],
        &["tls_handshakes", "failed"],
    ] {
        push(out, r, path, Lower, Class::Failures);
    }
    if let Some(errors) = r.get("errors").and_then(Value::as_array) {
        let total: f64 = errors
            .iter()
            .filter_map(|e| e.get("count").and_then(Value::as_f64))
            .sum();
        out.push(figure("errors".into(), total, Lower, Class::Failures));
    }
    push(out, r, &["agents", "logon_phase_s"], Lower, Class::Duration);
    if let Some(faults) = r.get("failover").and_then(Value::as_array) {
        for (i, f) in faults.iter().enumerate() {
            for (key, class) in [
                ("detection_ms", Class::Duration),
                ("request_gap_ms", Class::Duration),
                ("relogon_ms", Class::Duration),
                ("failed_requests", Class::Failures),
                ("events_lost", Class::Failures),
            ] {
                if let Some(value) = at(f, &[key]) {
                    out.push(figure(format!("failover.{i}.{key}"), value, Lower, class));
                }
            }
        }
    }
    // `cpu_seconds` until report_version 2: a baseline from before still compares.
    if let Some(cpu) = at(r, &["harness", "cpu_s"]).or_else(|| at(r, &["harness", "cpu_seconds"])) {
        out.push(figure("harness.cpu_s".into(), cpu, Lower, Class::Cost));
    }
    push(out, r, &["harness", "peak_rss_mib"], Lower, Class::Cost);
}

fn capacity_figures(r: &Value, out: &mut Vec<Figure>) {
    let Some(rows) = r.get("rows").and_then(Value::as_array) else {
        return;
    };
    for row in rows {
        let deployment = row.get("deployment").and_then(Value::as_str).unwrap_or("?");
        let variant = row
            .pointer("/variant/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        for dim in ["call_rate", "agents"] {
            let Some(d) = row.get(dim).filter(|d| !d.is_null()) else {
                continue;
            };
            let prefix = format!("capacity.{deployment}.{variant}.{dim}");
            if let Some(value) = d.get("capacity").and_then(Value::as_f64) {
                let bound = match d.get("stopped").and_then(Value::as_str) {
                    Some("reached-max") => Some("≥"),
                    _ if d.get("agent_bound").and_then(Value::as_bool) == Some(true) => Some("≥"),
                    _ => None,
                };
                out.push(Figure {
                    key: prefix.clone(),
                    value,
                    better: Better::Higher,
                    class: Class::Capacity,
                    bound,
                });
            }
            if let Some(value) = at(d, &["handshake_check", "median_ratio"]) {
                let key = format!("{prefix}.handshake_median_ratio");
                out.push(figure(key, value, Better::Higher, Class::Ratio));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(report: &Value) -> Vec<String> {
        figures(report)
            .map(|(_, f)| f.into_iter().map(|f| f.key).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_run_reports_steady_latencies_rates_failures_and_faults() {
        let report = json!({
            "verdict": "pass",
            "latency_ms": {},
            "steady": {"calls_per_s": 10.0, "latency_ms": {
                "call.answer": {"p50": 1.0, "p99": 2.0, "count": 7},
                "agent.talk": {"p50": 8000.0, "p99": 30000.0, "count": 7},
            }},
            "calls": {"completed": 100, "lost": 0},
            "errors": [{"kind": "x", "count": 2, "first": "y"}],
            "failover": [{"detection_ms": 900, "events_lost": 0}],
        });
        let k = keys(&report);
        for want in [
            "steady.latency_ms.call.answer.p50",
            "steady.latency_ms.call.answer.p99",
            "steady.calls_per_s",
            "calls.completed",
            "calls.lost",
            "errors",
            "failover.0.detection_ms",
            "failover.0.events_lost",
        ] {
            assert!(k.iter().any(|x| x == want), "{want} missing from {k:?}");
        }
        assert!(
            !k.iter().any(|x| x.ends_with(".count")),
            "counts are not latencies"
        );
        assert!(!k.iter().any(|x| x == "detection_ms"), "{k:?}");
        assert!(
            !k.iter().any(|x| x.contains("agent.talk")),
            "the workload is no figure: {k:?}"
        );
    }

    #[test]
    fn cpu_time_is_one_figure_under_its_old_key_and_its_new_one() {
        for harness in [json!({"cpu_s": 4.0}), json!({"cpu_seconds": 4.0})] {
            let report = json!({"verdict": "pass", "latency_ms": {}, "harness": harness});
            let Some((_, f)) = figures(&report) else {
                panic!("a run report");
            };
            let cpu: Vec<_> = f.iter().filter(|x| x.key == "harness.cpu_s").collect();
            assert_eq!(cpu.len(), 1, "{f:?}");
            assert_eq!(cpu[0].value, 4.0);
        }
    }

    #[test]
    fn capacity_rows_become_figures_with_their_bounds() {
        let report = json!({"rows": [
            {"deployment": "direct", "variant": {"name": "plain"},
             "call_rate": {"capacity": 3200.0, "stopped": "precise"},
             "agents": {"capacity": 8000.0, "stopped": "reached-max"}},
            {"deployment": "direct", "variant": {"name": "full"},
             "call_rate": {"capacity": 400.0, "stopped": "precise", "handshake_check": {"median_ratio": 0.86}},
             "agents": null}
        ]});
        let Some((kind, f)) = figures(&report) else {
            panic!("a capacity report");
        };
        assert_eq!(kind, ReportKind::Capacity);
        let by = |k: &str| f.iter().find(|x| x.key == k).cloned();
        assert_eq!(
            by("capacity.direct.plain.call_rate").map(|x| x.bound),
            Some(None)
        );
        assert_eq!(
            by("capacity.direct.plain.agents").map(|x| x.bound),
            Some(Some("≥"))
        );
        assert_eq!(
            by("capacity.direct.full.call_rate.handshake_median_ratio").map(|x| x.value),
            Some(0.86)
        );
        assert_eq!(figures(&json!({"something": 1})), None);
    }
}
