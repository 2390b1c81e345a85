//! How far a figure may move the bad way before it is a regression.
//!
//! Written `20%` (relative to the base), `1.5` (absolute, in the figure's unit) or `20% or 1`
//! (both: a move is a regression only when it is over both, so that a 0.3 ms latency going to
//! 0.5 ms is not +66% of anything that matters). Defaults are per class of figure; rules, from
//! a file or flags, set a class (`latency = "30%"`) or figures by pattern
//! (`"steady.latency_ms.*.p99" = "10%"`, `*` matching any run of characters). The last rule that
//! matches a figure wins, and a figure rule wins over its class.

use std::fmt;
use std::str::FromStr;

use crate::figure::Class;

/// How far a figure may move the bad way.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Tolerance {
    /// A fraction of the base value (0.2 for `20%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative: Option<f64>,
    /// In the figure's own unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute: Option<f64>,
}

impl Tolerance {
    /// No bad-way move allowed at all: the default for failures and for invariants and thresholds.
    pub const NONE: Tolerance = Tolerance {
        relative: None,
        absolute: Some(0.0),
    };

    /// The bad-way move allowed from `base`.
    pub fn allowed(&self, base: f64) -> f64 {
        let rel = self.relative.map_or(0.0, |r| r * base.abs());
        let abs = self.absolute.unwrap_or(0.0);
        match (self.relative, self.absolute) {
            (Some(_), Some(_)) => rel.max(abs),
            (Some(_), None) => rel,
            _ => abs,
        }
    }

    /// The defaults: what run-to-run noise on one machine leaves, from the project's repeated
    /// runs (latency percentiles move by up to a fifth between identical runs, rates by a few
    /// percent; anything lost or failed is not noise).
    pub fn default_for(class: Class) -> Tolerance {
        let t = |relative: Option<f64>, absolute: Option<f64>| Tolerance { relative, absolute };
        match class {
            Class::Latency => t(Some(0.20), Some(1.0)),
            Class::Rate => t(Some(0.05), None),
            Class::Failures => Tolerance::NONE,
            Class::Count => t(Some(0.05), None),
            Class::Duration => t(Some(0.25), None),
            Class::Cost => t(Some(0.20), None),
            Class::Capacity => t(Some(0.10), None),
            Class::Ratio => t(None, Some(0.05)),
        }
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.relative, self.absolute) {
            (Some(r), Some(a)) => write!(f, "{}% or {}", trim(r * 100.0), trim(a)),
            (Some(r), None) => write!(f, "{}%", trim(r * 100.0)),
            (None, Some(a)) => write!(f, "{}", trim(a)),
            (None, None) => write!(f, "0"),
        }
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl FromStr for Tolerance {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut t = Tolerance {
            relative: None,
            absolute: None,
        };
        for part in text.split(" or ") {
            let part = part.trim();
            let bad = || {
                format!(
                    "{text:?} is not a tolerance: write 20% (of the base), 1.5 (in the figure's unit) or 20% or 1"
                )
            };
            if let Some(pct) = part.strip_suffix('%') {
                let v: f64 = pct.trim().parse().map_err(|_| bad())?;
                if !(v.is_finite() && v >= 0.0) || t.relative.is_some() {
                    return Err(bad());
                }
                t.relative = Some(v / 100.0);
            } else {
                let v: f64 = part.parse().map_err(|_| bad())?;
                if !(v.is_finite() && v >= 0.0) || t.absolute.is_some() {
                    return Err(bad());
                }
                t.absolute = Some(v);
            }
        }
        Ok(t)
    }
}

/// One rule: a class or a figure pattern, and its tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The class or the figures it sets.
    pub target: Target,
    /// The tolerance it sets for them.
    pub tolerance: Tolerance,
    /// Where it came from (`tolerances.toml`, `--tolerance`), for the report.
    pub origin: String,
}

/// What a rule sets the tolerance of: a target named like a class is that class, else a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Every figure of the class that no figure rule matches.
    Class(Class),
    /// Figures whose key matches, `*` matching any run of characters (dots included).
    Pattern(String),
}

/// A rule that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ToleranceError {
    /// The file name or the `--tolerance` flag it came from.
    pub origin: String,
    /// What is wrong, mostly with what to write instead; the line number when a file is not TOML.
    pub message: String,
}

/// The rules in force, in the order given.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Adds `TARGET=TOLERANCE` (a `--tolerance` flag).
    pub fn add_flag(&mut self, text: &str) -> Result<(), ToleranceError> {
        let origin = format!("--tolerance {text}");
        let err = |message: String| ToleranceError {
            origin: origin.clone(),
            message,
        };
        let Some((target, tol)) = text.rsplit_once('=') else {
            return Err(err(
                "write TARGET=TOLERANCE: a class (latency, rate, failures, count, duration, cost, capacity, ratio) or a figure pattern, e.g. latency=30% or 'steady.latency_ms.*.p99=10%'".into(),
            ));
        };
        let tolerance = tol.parse().map_err(err)?;
        self.push(target.trim(), tolerance, origin.clone());
        Ok(())
    }

    /// Adds the rules of a tolerance file: a `[tolerances]` table of targets and tolerances.
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<(), ToleranceError> {
        let err = |message: String| ToleranceError {
            origin: name.to_owned(),
            message,
        };
        let doc: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            err(match line {
                Some(l) => format!("line {l}: {}", e.message().trim()),
                None => e.message().trim().to_owned(),
            })
        })?;
        for key in doc.keys() {
            if key != "tolerances" {
                return Err(err(format!(
                    "unknown table or key {key:?}: the file holds one [tolerances] table"
                )));
            }
        }
        let Some(table) = doc.get("tolerances").and_then(toml::Value::as_table) else {
            return Err(err(
                "no [tolerances] table: write e.g.\n[tolerances]\nlatency = \"30%\"\n\"steady.latency_ms.call.answer.p99\" = \"10%\"".into(),
            ));
        };
        for (target, value) in table {
            let Some(text) = value.as_str() else {
                return Err(err(format!(
                    "{target}: write the tolerance as a string, e.g. \"20%\", \"1.5\" or \"20% or 1\""
                )));
            };
            let tolerance = text.parse().map_err(|m| err(format!("{target}: {m}")))?;
            self.push(target, tolerance, name.to_owned());
        }
        Ok(())
    }

    fn push(&mut self, target: &str, tolerance: Tolerance, origin: String) {
        let target = Class::ALL
            .into_iter()
            .find(|c| c.name() == target)
            .map_or_else(|| Target::Pattern(target.to_owned()), Target::Class);
        self.rules.push(Rule {
            target,
            tolerance,
            origin,
        });
    }

    /// The tolerance of a figure: the last figure rule matching it, else the last rule for its
    /// class, else the class's default.
    pub fn for_figure(&self, key: &str, class: Class) -> Tolerance {
        let last = |want: &dyn Fn(&Target) -> bool| {
            self.rules
                .iter()
                .rev()
                .find(|r| want(&r.target))
                .map(|r| r.tolerance)
        };
        last(&|t| matches!(t, Target::Pattern(p) if glob(p, key)))
            .or_else(|| last(&|t| *t == Target::Class(class)))
            .unwrap_or_else(|| Tolerance::default_for(class))
    }

    /// Patterns that matched no figure: most likely a typo, which the caller should say.
    pub fn unused_patterns<'a>(&'a self, keys: &[&str]) -> Vec<&'a str> {
        self.rules
            .iter()
            .filter_map(|r| match &r.target {
                Target::Pattern(p) if !keys.iter().any(|k| glob(p, k)) => Some(p.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// `*` matches any run of characters (dots included); everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(text: &str) -> Tolerance {
        match text.parse() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn tolerances_read_and_print_back() {
        assert_eq!(tol("20%").allowed(10.0), 2.0);
        assert_eq!(tol("1.5").allowed(10.0), 1.5);
        assert_eq!(tol("20% or 1").allowed(2.0), 1.0);
        assert_eq!(tol("20% or 1").allowed(100.0), 20.0);
        assert_eq!(tol("0").allowed(5.0), 0.0);
        for text in ["20%", "1.5", "20% or 1", "0"] {
            assert_eq!(tol(text).to_string(), text);
        }
        for bad in ["", "fast", "-5%", "10% or 20%", "1 or 2", "NaN"] {
            assert!(bad.parse::<Tolerance>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob(
            "steady.latency_ms.*.p99",
            "steady.latency_ms.call.answer.p99"
        ));
        assert!(!glob(
            "steady.latency_ms.*.p99",
            "steady.latency_ms.call.answer.p999"
        ));
        assert!(glob("*", "anything"));
        assert!(glob("calls.lost", "calls.lost"));
        assert!(!glob("calls.lost", "calls.lost2"));
        assert!(glob("*.p9*", "steady.latency_ms.x.p99"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn figure_rules_beat_classes_and_later_rules_beat_earlier() {
        let mut rules = Rules::default();
        let file = "[tolerances]\nlatency = \"30%\"\n\"steady.latency_ms.*.p99\" = \"10%\"\n";
        assert!(rules.add_file("t.toml", file).is_ok());
        assert!(
            rules
                .add_flag("steady.latency_ms.call.answer.p99=5%")
                .is_ok()
        );
        let p99 =
            |op: &str| rules.for_figure(&format!("steady.latency_ms.{op}.p99"), Class::Latency);
        assert_eq!(p99("call.answer"), tol("5%"));
        assert_eq!(p99("call.hangUp"), tol("10%"));
        assert_eq!(
            rules.for_figure("steady.latency_ms.call.hangUp.p50", Class::Latency),
            tol("30%")
        );
        assert_eq!(
            rules.for_figure("calls.lost", Class::Failures),
            Tolerance::NONE
        );
        assert_eq!(rules.unused_patterns(&["calls.lost"]).len(), 2);
    }

    #[test]
    fn bad_rules_say_where_and_what_to_write() {
        let mut rules = Rules::default();
        let e = rules.add_file("t.toml", "[tolerances]\nlatency = 30\n");
        assert!(e.is_err_and(|e| {
            e.to_string()
                .contains("t.toml: latency: write the tolerance as a string")
        }));
        let e = rules.add_file("t.toml", "[tolerance]\nlatency = \"30%\"\n");
        assert!(e.is_err_and(|e| e.to_string().contains("one [tolerances] table")));
        let e = rules.add_file("t.toml", "[tolerances]\nlatency = \n");
        assert!(e.is_err_and(|e| e.to_string().contains("t.toml: line 2")));
        let e = rules.add_flag("latency");
        assert!(e.is_err_and(|e| e.to_string().contains("TARGET=TOLERANCE")));
        let e = rules.add_flag("latency=lots");
        assert!(e.is_err_and(|e| e.to_string().contains("--tolerance latency=lots")));
    }
}
