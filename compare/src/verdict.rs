//! The comparison: every figure of both reports side by side, judged against its tolerance.

use serde_json::Value;

use crate::figure::{Better, Class, Figure, ReportKind, figures};
use crate::tolerance::{Rules, Tolerance};

/// What happened to one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Unchanged.
    Same,
    /// Moved, within the tolerance (either way).
    Within,
    /// Moved the good way by more than the tolerance.
    Better,
    /// Moved the bad way by more than the tolerance.
    Regression,
    /// The new figure is only a bound (a capacity search that hit the workload's limit) on the
    /// bad side of the base: it may or may not have moved.
    Inconclusive,
    /// Only the base report has it: the new run did not measure it (an operation that no
    /// longer happened, a figure a newer crmsim dropped).
    Missing,
    /// Only the new report has it.
    New,
}

impl Status {
    /// The word the table, Markdown and JUnit show; regressions and missing figures in capitals.
    pub fn label(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Within => "within",
            Status::Better => "better",
            Status::Regression => "REGRESSION",
            Status::Inconclusive => "inconclusive",
            Status::Missing => "MISSING",
            Status::New => "new",
        }
    }
}

/// One figure of the comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The figure's path in the report, or `invariants: NAME` / `thresholds: NAME` for a check.
    pub key: String,
    /// Its kind (a check counts as failures).
    pub class: Class,
    /// Which way it should move.
    pub better: Better,
    /// The base report's value, `None` when only the new one has it (a check: 1 held, 0 broke).
    pub base: Option<f64>,
    /// The new report's value, `None` when it lacks the figure.
    pub new: Option<f64>,
    /// `new - base`.
    pub change: Option<f64>,
    /// `change / |base|`, when the base is not 0: a rise reads positive whatever the base's
    /// sign.
    pub relative: Option<f64>,
    /// The tolerance the rules give the figure.
    pub tolerance: Tolerance,
    /// What happened to the figure.
    pub status: Status,
    /// `≥` or `<` when that side's capacity is only a bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_bound: Option<&'static str>,
    /// The same for the new report's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_bound: Option<&'static str>,
}

/// Why two documents cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A document lacks the keys of both kinds of report.
    #[error(
        "the {which} report is neither a run report (crmsim run --json) nor a capacity report (crmsim capacity --json)"
    )]
    NotAReport {
        /// `base` or `new`: which of the two it is.
        which: &'static str,
    },
    /// One is a run report and the other a capacity report.
    #[error("the base is a {base} report and the new one a {new} report: compare like with like")]
    DifferentKinds {
        /// The base's kind, `run` or `capacity`.
        base: &'static str,
        /// The new report's kind.
        new: &'static str,
    },
}

/// Two reports compared.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    /// `run` or `capacity`: the kind both reports are.
    pub kind: &'static str,
    /// Which run the base report is.
    pub base: Describe,
    /// Which run the new report is.
    pub new: Describe,
    /// The base's figures in report order, then figures only the new report has, then (for run
    /// reports) the invariants and thresholds that broke or came to hold.
    pub rows: Vec<Row>,
    /// What differs between the two runs' set-up (scenario, deployment, SSL, overrides): the
    /// figures may then differ for that reason, which the reader should know.
    pub notes: Vec<String>,
    /// Rows that regressed, broken checks included.
    pub regressions: usize,
    /// Figures of the base the new report lacks (counted as regressions unless allowed).
    pub missing: usize,
    /// Rows that moved the good way by more than their tolerance, or checks that now hold.
    pub improvements: usize,
    /// Whether missing figures fail the comparison.
    pub missing_fails: bool,
    /// The verdict: no regression, and no missing figure when those fail.
    pub ok: bool,
}

/// Which run a report is, as the comparison's header shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Describe {
    /// The label the caller gave it (the CLI gives its file path).
    pub name: String,
    /// The report's `scenario`, if it names one.
    pub scenario: Option<String>,
    /// The report's `started_at`, as written there.
    pub started_at: Option<String>,
    /// The report's `crmsim_version`: the crmsim that wrote it.
    pub crmsim_version: Option<String>,
    /// A run report's own verdict.
    pub verdict: Option<String>,
}

impl Describe {
    fn of(name: &str, r: &Value) -> Describe {
        let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
        Describe {
            name: name.to_owned(),
            scenario: s("scenario"),
            started_at: s("started_at"),
            crmsim_version: s("crmsim_version"),
            verdict: s("verdict"),
        }
    }
}

impl Comparison {
    /// Compares `new` with `base` under `rules`. `names` label the two (their file names).
    pub fn new(
        names: (&str, &str),
        base: &Value,
        new: &Value,
        rules: &Rules,
        missing_fails: bool,
    ) -> Result<Comparison, CompareError> {
        let (kind, base_figures) =
            figures(base).ok_or(CompareError::NotAReport { which: "base" })?;
        let (new_kind, new_figures) =
            figures(new).ok_or(CompareError::NotAReport { which: "new" })?;
        if kind != new_kind {
            return Err(CompareError::DifferentKinds {
                base: kind.name(),
                new: new_kind.name(),
            });
        }
        let mut rows: Vec<Row> = Vec::new();
        for b in &base_figures {
            let n = new_figures.iter().find(|n| n.key == b.key);
            rows.push(row(b, n, rules));
        }
        for n in new_figures
            .iter()
            .filter(|n| !base_figures.iter().any(|b| b.key == n.key))
        {
            let tolerance = rules.for_figure(&n.key, n.class);
            rows.push(Row {
                key: n.key.clone(),
                class: n.class,
                better: n.better,
                base: None,
                new: Some(n.value),
                change: None,
                relative: None,
                tolerance,
                status: Status::New,
                base_bound: None,
                new_bound: n.bound,
            });
        }
        if kind == ReportKind::Run {
            rows.extend(checks(base, new));
        }
        let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
        let regressions = count(Status::Regression);
        let missing = count(Status::Missing);
        let improvements = count(Status::Better);
        Ok(Comparison {
            kind: kind.name(),
            base: Describe::of(names.0, base),
            new: Describe::of(names.1, new),
            notes: notes(base, new),
            ok: regressions == 0 && !(missing_fails && missing > 0),
            rows,
            regressions,
            missing,
            improvements,
            missing_fails,
        })
    }

    /// The rows a reader must see first: regressions, missing figures, then improvements.
    pub fn notable(&self) -> impl Iterator<Item = &Row> {
        [
            Status::Regression,
            Status::Missing,
            Status::Inconclusive,
            Status::Better,
        ]
        .into_iter()
        .flat_map(|s| self.rows.iter().filter(move |r| r.status == s))
    }
}

fn row(b: &Figure, n: Option<&Figure>, rules: &Rules) -> Row {
    let tolerance = rules.for_figure(&b.key, b.class);
    let mut row = Row {
        key: b.key.clone(),
        class: b.class,
        better: b.better,
        base: Some(b.value),
        new: None,
        change: None,
        relative: None,
        tolerance,
        status: Status::Missing,
        base_bound: b.bound,
        new_bound: None,
    };
    let Some(n) = n else {
        return row;
    };
    let change = n.value - b.value;
    row.new = Some(n.value);
    row.new_bound = n.bound;
    row.change = Some(change);
    row.relative = (b.value != 0.0).then(|| change / b.value.abs());
    // The bad way, as a positive number when the figure moved the bad way.
    let worse = match b.better {
        Better::Lower => change,
        Better::Higher => -change,
    };
    let allowed = tolerance.allowed(b.value);
    row.status = if change == 0.0 {
        Status::Same
    } else if worse > allowed {
        // A lower bound that fell is no proof of a fall: the search stopped at the workload's
        // limit, not the system's.
        if n.bound.is_some() && b.better == Better::Higher {
            Status::Inconclusive
        } else {
            Status::Regression
        }
    } else if -worse > allowed {
        Status::Better
    } else {
        Status::Within
    };
    row
}

/// A run report's invariants and thresholds: one that held in the base and broke in the new run
/// is a regression of its own, whatever the figures say (it may judge a figure not listed here).
fn checks(base: &Value, new: &Value) -> Vec<Row> {
    let list = |r: &Value, kind: &str| -> Vec<(String, bool)> {
        r.get(kind)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| {
                        Some((c.get("name")?.as_str()?.to_owned(), c.get("ok")?.as_bool()?))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for kind in ["invariants", "thresholds"] {
        let before = list(base, kind);
        for (name, ok) in list(new, kind) {
            let was = before.iter().find(|(n, _)| *n == name).map(|(_, ok)| *ok);
            let status = match (was, ok) {
                (Some(true), false) | (None, false) => Status::Regression,
                (Some(false), true) => Status::Better,
                _ => continue,
            };
            let flag = |ok: bool| if ok { 1.0 } else { 0.0 };
            out.push(Row {
                key: format!("{kind}: {name}"),
                class: Class::Failures,
                better: Better::Higher,
                base: was.map(flag),
                new: Some(flag(ok)),
                change: None,
                relative: None,
                tolerance: Tolerance::NONE,
                status,
                base_bound: None,
                new_bound: None,
            });
        }
    }
    out
}

/// What differs in how the two runs were set up.
fn notes(base: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "report_version",
        "scenario",
        "deployment",
        "tls",
        "overrides",
        "cores",
        "dialects",
    ] {
        let (b, n) = (base.get(key), new.get(key));
        if b != n {
            let show =
                |v: Option<&Value>| v.map_or_else(|| "(absent)".to_owned(), Value::to_string);
            out.push(format!("{key} differs: {} → {}", show(b), show(n)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(p99: f64, lost: u64, threshold_ok: bool) -> Value {
        json!({
            "scenario": "direct", "verdict": if threshold_ok { "pass" } else { "fail" },
            "latency_ms": {},
            "steady": {"calls_per_s": 10.0, "latency_ms": {"call.answer": {"p50": 1.0, "p99": p99}}},
            "calls": {"completed": 100, "lost": lost},
            "thresholds": [{"name": "request p99 (steady)", "ok": threshold_ok}],
        })
    }

    fn compare(base: &Value, new: &Value) -> Comparison {
        match Comparison::new(("a", "b"), base, new, &Rules::default(), true) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn status(c: &Comparison, key: &str) -> Option<Status> {
        c.rows.iter().find(|r| r.key == key).map(|r| r.status)
    }

    #[test]
    fn a_report_against_itself_is_the_same() {
        let c = compare(&run(10.0, 0, true), &run(10.0, 0, true));
        assert!(c.ok);
        assert!(
            c.rows.iter().all(|r| r.status == Status::Same),
            "{:?}",
            c.rows
        );
    }

    #[test]
    fn a_doubled_p99_a_lost_call_and_a_broken_threshold_regress() {
        let c = compare(&run(10.0, 0, true), &run(20.0, 1, false));
        assert!(!c.ok);
        assert_eq!(
            status(&c, "steady.latency_ms.call.answer.p99"),
            Some(Status::Regression)
        );
        assert_eq!(status(&c, "calls.lost"), Some(Status::Regression));
        assert_eq!(
            status(&c, "thresholds: request p99 (steady)"),
            Some(Status::Regression)
        );
        assert_eq!(c.regressions, 3);
    }

    #[test]
    fn small_moves_stay_within_and_large_good_ones_are_better() {
        // +10% and +1 ms at most: within "20% or 1".
        let c = compare(&run(10.0, 0, true), &run(11.0, 0, true));
        assert_eq!(
            status(&c, "steady.latency_ms.call.answer.p99"),
            Some(Status::Within)
        );
        // 0.5 ms to 1.2 ms is +140%, but under the 1 ms floor.
        let c = compare(&run(0.5, 0, true), &run(1.2, 0, true));
        assert_eq!(
            status(&c, "steady.latency_ms.call.answer.p99"),
            Some(Status::Within)
        );
        let c = compare(&run(10.0, 0, true), &run(5.0, 0, true));
        assert_eq!(
            status(&c, "steady.latency_ms.call.answer.p99"),
            Some(Status::Better)
        );
        assert!(c.ok);
    }

    #[test]
    fn a_figure_the_new_report_lacks_is_missing_not_zero() {
        let mut new = run(10.0, 0, true);
        if let Some(calls) = new.get_mut("calls").and_then(Value::as_object_mut) {
            calls.remove("lost");
        }
        let c = compare(&run(10.0, 0, true), &new);
        assert_eq!(status(&c, "calls.lost"), Some(Status::Missing));
        assert!(!c.ok);
        let allowed = Comparison::new(
            ("a", "b"),
            &run(10.0, 0, true),
            &new,
            &Rules::default(),
            false,
        );
        assert!(allowed.is_ok_and(|c| c.ok && c.missing == 1));
    }

    #[test]
    fn unlike_reports_are_refused() {
        let cap = json!({"rows": []});
        let e = Comparison::new(
            ("a", "b"),
            &run(1.0, 0, true),
            &cap,
            &Rules::default(),
            true,
        );
        assert!(e.is_err_and(|e| e.to_string().contains("compare like with like")));
        let e = Comparison::new(("a", "b"), &json!({}), &cap, &Rules::default(), true);
        assert!(e.is_err_and(|e| e.to_string().contains("the base report is neither")));
    }

    #[test]
    fn a_capacity_lower_bound_that_fell_is_inconclusive() {
        let cap = |v: f64, stopped: &str, bound: bool| {
            json!({"rows": [{"deployment": "direct", "variant": {"name": "plain"},
                "call_rate": {"capacity": v, "stopped": stopped, "agent_bound": bound}}]})
        };
        let key = "capacity.direct.plain.call_rate";
        let c = compare(
            &cap(3000.0, "precise", false),
            &cap(2400.0, "precise", true),
        );
        assert_eq!(status(&c, key), Some(Status::Inconclusive));
        let c = compare(
            &cap(3000.0, "precise", false),
            &cap(2400.0, "precise", false),
        );
        assert_eq!(status(&c, key), Some(Status::Regression));
    }
}
