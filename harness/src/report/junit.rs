//! JUnit XML: each invariant and threshold is a test case, so a CI system lists them, shows the
//! failed ones with their detail, and keeps their history.
//!
//! The layout is the common Ant/Jenkins one (`testsuites/testsuite/testcase/failure`), which
//! GitLab, Jenkins, GitHub actions and Azure all read; `tests/junit.xsd` pins it down and a test
//! validates our output against it with `xmllint`.

use std::fmt::Write;

use super::model::{Check, Report};

/// Renders one run as a JUnit document.
pub fn render(report: &Report) -> String {
    render_many(std::slice::from_ref(report))
}

/// Renders several runs (e.g. a release gate) as one document, one suite per run.
pub fn render_many(reports: &[Report]) -> String {
    let tests: usize = reports.iter().map(|r| cases(r).count()).sum();
    let failures: usize = reports
        .iter()
        .map(|r| cases(r).filter(|(_, c)| !c.ok).count())
        .sum();
    let time: f64 = reports.iter().map(|r| r.duration_s).sum();
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"crmsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">"
    );
    for report in reports {
        suite(&mut out, report);
    }
    out.push_str("</testsuites>\n");
    out
}

fn cases(report: &Report) -> impl Iterator<Item = (&'static str, &Check)> {
    report
        .invariants
        .iter()
        .map(|c| ("invariants", c))
        .chain(report.thresholds.iter().map(|c| ("thresholds", c)))
}

fn suite(out: &mut String, r: &Report) {
    let tests = cases(r).count();
    let failures = cases(r).filter(|(_, c)| !c.ok).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"crmsim.{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\">",
        attr(&r.scenario),
        r.duration_s,
        attr(timestamp(&r.started_at)),
    );
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("file", r.file.clone()),
        ("deployment", r.deployment.clone()),
        ("tls", r.tls.to_string()),
        ("verdict", format!("{:?}", r.verdict).to_lowercase()),
        ("crmsim.version", r.crmsim_version.clone()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    for (kind, check) in cases(r) {
        let class = format!("crmsim.{}.{kind}", r.scenario);
        case(out, &class, &kind[..kind.len() - 1], check, r.duration_s);
    }
    if !r.errors.is_empty() {
        out.push_str("    <system-err>");
        for e in &r.errors {
            let _ = writeln!(out, "{} × {}: {}", e.count, text(&e.kind), text(&e.first));
        }
        out.push_str("</system-err>\n");
    }
    out.push_str("  </testsuite>\n");
}

/// One check as a test case. A check judges the run it ends, so its time is the run's: a CI's
/// test-time chart then shows a scenario whose runs grow longer (a logon or a drain that drags).
fn case(out: &mut String, class: &str, kind: &str, check: &Check, time_s: f64) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{time_s:.3}\"",
        attr(class),
        attr(&check.name),
    );
    if check.ok {
        let _ = writeln!(
            out,
            "><system-out>{}</system-out></testcase>",
            text(&check.detail)
        );
    } else {
        let _ = writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>",
            attr(&check.detail),
            text(&check.detail)
        );
    }
}

/// A run judged outside the in-process report (`--processes`, `--containers`): one suite of
/// `checks`, each a test case carrying the run's time, in the same layout as [`render`].
pub fn checks_suite(suite: &str, checks: &[Check], duration_s: f64) -> String {
    let failures = checks.iter().filter(|c| !c.ok).count();
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"crmsim\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{duration_s:.3}\">",
        checks.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{duration_s:.3}\">",
        attr(suite),
        checks.len()
    );
    let class = suite.replace(' ', ".");
    for check in checks {
        case(&mut out, &class, "check", check, duration_s);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// JUnit's timestamp has no zone and no fraction (xs:dateTime as ISO 8601 local).
fn timestamp(rfc3339: &str) -> &str {
    rfc3339.get(..19).unwrap_or(rfc3339)
}

/// Escapes for an attribute value (one line); see [`super::escape`].
fn attr(s: &str) -> String {
    super::escape::attribute(s)
}

fn text(s: &str) -> String {
    super::escape::markup(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report

    use super::*;

    #[test]
    fn a_processes_suite_counts_failures_and_escapes_what_the_components_wrote() {
        let check = |name: &str, ok: bool, detail: &str| Check {
            name: name.to_owned(),
            ok,
            detail: detail.to_owned(),
            limit: None,
            value: None,
        };
        let checks = [
            check("crm exited 0", true, "exit code Some(0)"),
            check("event p99 (steady)", false, "9 ms <limit> & \"more\""),
        ];
        let xml = checks_suite("direct processes", &checks, 38.5);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("classname=\"direct.processes\""), "{xml}");
        assert!(xml.contains("time=\"38.500\""), "{xml}");
        assert!(
            xml.contains("message=\"9 ms &lt;limit&gt; &amp; &quot;more&quot;\" type=\"check\""),
            "{xml}"
        );
        assert!(!xml.contains("<limit>"), "{xml}");
    }
}
