//! The comparison for people (a terminal, a pull-request comment) and for CI (JUnit).

use std::fmt::Write;

use crate::verdict::{Comparison, Row, Status};

/// A number as a person reads it: counts without decimals, small values with three.
fn num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = if v.abs() >= 100.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.3}")
        };
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn value(v: Option<f64>, bound: Option<&str>) -> String {
    match v {
        Some(v) => format!(
            "{}{}",
            bound.map_or(String::new(), |b| format!("{b} ")),
            num(v)
        ),
        None => "—".into(),
    }
}

fn change(r: &Row) -> String {
    match (r.change, r.relative) {
        (Some(0.0), _) => "0".into(),
        (Some(c), Some(rel)) => format!(
            "{}{} ({:+.1}%)",
            if c > 0.0 { "+" } else { "" },
            num(c),
            rel * 100.0
        ),
        (Some(c), None) => format!("{}{}", if c > 0.0 { "+" } else { "" }, num(c)),
        (None, _) => match r.status {
            Status::Regression if r.class == crate::Class::Failures => "held → broke".into(),
            Status::Better => "broke → held".into(),
            _ => "—".into(),
        },
    }
}

fn verdict_line(c: &Comparison) -> String {
    let mut parts = vec![format!(
        "{} regression{}",
        c.regressions,
        if c.regressions == 1 { "" } else { "s" }
    )];
    if c.missing > 0 {
        parts.push(format!(
            "{} figure{} missing{}",
            c.missing,
            if c.missing == 1 { "" } else { "s" },
            if c.missing_fails { "" } else { " (allowed)" }
        ));
    }
    parts.push(format!("{} better", c.improvements));
    format!(
        "{}: {} ({} figures)",
        if c.ok { "PASS" } else { "FAIL" },
        parts.join(", "),
        c.rows.len()
    )
}

impl Comparison {
    /// The terminal table: every figure, the notable ones marked.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "crmsim compare ({} reports): {} → {}\n",
            self.kind,
            describe(&self.base),
            describe(&self.new)
        );
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        let header = ["figure", "base", "new", "change", "tolerance", ""];
        let rows: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.key.clone(),
                    value(r.base, r.base_bound),
                    value(r.new, r.new_bound),
                    change(r),
                    r.tolerance.to_string(),
                    r.status.label().to_owned(),
                ]
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[&str]| {
            let mut s = String::from(" ");
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                // Figures left, numbers right: columns of numbers line up on their last digit.
                if i == 0 || i == cells.len() - 1 {
                    let _ = write!(s, " {c:<w$}");
                } else {
                    let _ = write!(s, " {c:>w$}");
                }
            }
            s.trim_end().to_owned()
        };
        let _ = writeln!(out, "{}", line(&header[..]));
        for r in &rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            let _ = writeln!(out, "{}", line(&cells[..]));
        }
        let _ = writeln!(out, "{}", verdict_line(self));
        out
    }

    /// Markdown for a pull-request comment: the verdict, what moved, everything folded away.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "### crmsim compare: {}\n\n{} → {}\n\n",
            verdict_line(self),
            md(&describe(&self.base)),
            md(&describe(&self.new))
        );
        for n in &self.notes {
            let _ = writeln!(out, "> note: {}", md(n));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        if self.notable().next().is_some() {
            md_table(&mut out, self.notable());
            out.push('\n');
        } else {
            out.push_str("Every figure within its tolerance.\n\n");
        }
        let _ = writeln!(
            out,
            "<details><summary>All {} figures</summary>\n",
            self.rows.len()
        );
        md_table(&mut out, self.rows.iter());
        out.push_str("\n</details>\n");
        out
    }

    /// JUnit XML: one test case per figure, a regression (or a missing figure, when those fail)
    /// a failure naming both values and the tolerance.
    pub fn render_junit(&self) -> String {
        let failed = |r: &Row| {
            r.status == Status::Regression || (r.status == Status::Missing && self.missing_fails)
        };
        let failures = self.rows.iter().filter(|r| failed(r)).count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"crmsim compare\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"0\">",
            self.rows.len()
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"crmsim.compare.{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">",
            xml(self.kind),
            self.rows.len()
        );
        for r in &self.rows {
            let detail = format!(
                "{}: base {}, new {}, change {}, tolerance {} ({} is better)",
                r.status.label(),
                value(r.base, r.base_bound),
                value(r.new, r.new_bound),
                change(r),
                r.tolerance,
                match r.better {
                    crate::Better::Lower => "lower",
                    crate::Better::Higher => "higher",
                }
            );
            let _ = write!(
                out,
                "    <testcase classname=\"crmsim.compare.{}\" name=\"{}\" time=\"0\"",
                r.class.name(),
                xml(&r.key)
            );
            if failed(r) {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"regression\">{}</failure>\n    </testcase>",
                    xml(&detail),
                    xml(&detail)
                );
            } else {
                let _ = writeln!(out, "><system-out>{}</system-out></testcase>", xml(&detail));
            }
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

/// A Markdown table of rows, the bad ones marked.
fn md_table<'a>(out: &mut String, rows: impl Iterator<Item = &'a Row>) {
    let _ = writeln!(out, "| figure | base | new | change | tolerance | |");
    let _ = writeln!(out, "|---|--:|--:|--:|--:|---|");
    for r in rows {
        let mark = match r.status {
            Status::Regression | Status::Missing => "❌ ",
            Status::Better => "✅ ",
            Status::Inconclusive => "❔ ",
            _ => "",
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {mark}{} |",
            r.key.replace('`', "'"),
            value(r.base, r.base_bound),
            value(r.new, r.new_bound),
            change(r),
            r.tolerance,
            r.status.label()
        );
    }
}

fn describe(d: &crate::verdict::Describe) -> String {
    let mut s = d.name.clone();
    let extra: Vec<String> = [
        d.scenario.as_ref().map(|x| format!("scenario {x}")),
        d.started_at.clone(),
        d.crmsim_version.as_ref().map(|v| format!("crmsim {v}")),
        d.verdict.as_ref().map(|v| v.to_uppercase()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !extra.is_empty() {
        let _ = write!(s, " ({})", extra.join(", "));
    }
    s
}

/// Markdown text: characters that would start markup are escaped.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// XML text and attribute values; control characters XML 1.0 forbids become spaces.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rules;
    use serde_json::json;

    fn comparison(p99: f64) -> Comparison {
        let r = |p99: f64| {
            json!({"scenario": "direct", "verdict": "pass", "latency_ms": {},
                "steady": {"latency_ms": {"call.answer": {"p50": 1.0, "p99": p99}}},
                "calls": {"lost": 0}})
        };
        match Comparison::new(
            ("base.json", "new.json"),
            &r(10.0),
            &r(p99),
            &Rules::default(),
            true,
        ) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(num(211.0), "211");
        assert_eq!(num(1.25), "1.25");
        assert_eq!(num(1234.56), "1234.6");
        assert_eq!(num(0.1), "0.1");
    }

    #[test]
    fn the_terminal_and_markdown_name_the_regression() {
        let c = comparison(20.0);
        let text = c.render_text();
        assert!(text.contains("steady.latency_ms.call.answer.p99"), "{text}");
        assert!(text.contains("+10 (+100.0%)"), "{text}");
        assert!(text.contains("REGRESSION"), "{text}");
        assert!(
            text.trim_end()
                .ends_with("FAIL: 1 regression, 0 better (3 figures)"),
            "{text}"
        );
        let md = c.render_markdown();
        assert!(md.starts_with("### crmsim compare: FAIL"), "{md}");
        assert!(
            md.contains("| `steady.latency_ms.call.answer.p99` | 10 | 20 |"),
            "{md}"
        );
        assert!(md.contains("<details>"), "{md}");
        let same = comparison(10.0).render_markdown();
        assert!(
            same.contains("Every figure within its tolerance."),
            "{same}"
        );
    }

    #[test]
    fn junit_fails_the_regressed_figure_only() {
        let x = comparison(20.0).render_junit();
        assert_eq!(x.matches("<testcase ").count(), 3, "{x}");
        assert_eq!(x.matches("<failure ").count(), 1, "{x}");
        assert!(
            x.contains("name=\"steady.latency_ms.call.answer.p99\" time=\"0\">\n      <failure"),
            "{x}"
        );
    }
}
