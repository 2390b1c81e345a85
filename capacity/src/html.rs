//! The capacity report as a self-contained page: the sizing table, its notes, curves of each
//! search (every step a point, passed or failed, the latency limit as a line, the capacity
//! found as a mark) and every step's figures.

use std::fmt::Write;

use super::findings::Section;
use super::report::{CapacityReport, Dimension, Row};
use harness::report::charts::{self, Chart, Mark, MarkKind, Series};
use harness::report::escape::markup as escape;
use harness::report::html::STYLE;
use harness::runner::session::Window;
use scenario::Thresholds;

/// The latency limits the steps were judged by, for the curves' limit lines.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// The scenario's `max_request_p99_ms`, in ms (None: no limit set).
    pub request_p99_ms: Option<f64>,
    /// The scenario's `max_event_p99_ms`, in ms (None: no limit set).
    pub event_p99_ms: Option<f64>,
}

impl Limits {
    /// The latency limits of a scenario's thresholds.
    pub fn of(t: &Thresholds) -> Limits {
        Limits {
            request_p99_ms: t.max_request_p99_ms,
            event_p99_ms: t.max_event_p99_ms,
        }
    }
}

/// A searched dimension: its title, its unit and how to find it in a row.
struct Searched {
    title: &'static str,
    unit: &'static str,
    pick: fn(&Row) -> Option<&Dimension>,
}

const SEARCHES: [Searched; 2] = [
    Searched {
        title: "Call rate",
        unit: "calls/s",
        pick: |r| r.call_rate.as_ref(),
    },
    Searched {
        title: "Agents",
        unit: "agents",
        pick: |r| r.agents.as_ref(),
    },
];

/// A figure of a step's window.
type Figure = fn(&Window) -> Option<f64>;

impl CapacityReport {
    /// A self-contained HTML page: the table, the notes, the curves and the steps.
    pub fn render_html(&self) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" /><title>crmsim capacity — {}</title><style>{STYLE}</style></head><body>\n<h1>crmsim capacity — {}</h1>\n<p>{}, {}, from <code>{}</code> (crmsim {})</p>\n",
            escape(&self.scenario),
            escape(&self.scenario),
            escape(&self.started_at),
            escape(&self.cost()),
            escape(&self.file),
            escape(&self.crmsim_version),
        );
        if !self.overrides.is_empty() {
            let _ = writeln!(
                out,
                "<p>Set over the file: <code>{}</code></p>",
                escape(&self.overrides.join(", "))
            );
        }
        self.table(&mut out);
        for (section, title) in Section::ALL {
            let mut findings = self
                .findings
                .iter()
                .filter(|f| f.figures.section() == section)
                .peekable();
            if findings.peek().is_none() {
                continue;
            }
            let _ = writeln!(out, "<h2>{title}</h2><ul>");
            for finding in findings {
                let _ = writeln!(out, "<li>{}</li>", escape(&finding.text));
            }
            out.push_str("</ul>\n");
        }
        for search in &SEARCHES {
            self.curves(&mut out, search);
        }
        self.steps(&mut out);
        out.push_str("</body></html>\n");
        out
    }

    fn table(&self, out: &mut String) {
        out.push_str("<table class=\"sizing\"><tr>");
        for h in self.header() {
            let _ = write!(out, "<th>{}</th>", escape(&h));
        }
        out.push_str("</tr>\n");
        for row in self.cells() {
            out.push_str("<tr>");
            for c in row {
                let _ = write!(out, "<td>{}</td>", escape(&c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n<p class=\"note\">A capacity is the highest load at which every threshold held for the whole measured window; ≥ marks a lower bound, &lt; an upper one.</p>\n");
    }

    /// One dimension's curves: request and event p99 against load (log scale: a saturated
    /// step's seconds would flatten the passing steps' milliseconds), and the calls completed
    /// against the load offered.
    fn curves(&self, out: &mut String, search: &Searched) {
        let rows: Vec<(&Row, &Dimension)> = self
            .rows
            .iter()
            .filter_map(|r| Some((r, (search.pick)(r)?)))
            .collect();
        if rows.is_empty() {
            return;
        }
        let marks: Vec<Mark> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (r, d))| {
                Some(Mark {
                    at: d.capacity?,
                    label: format!(
                        "{} / {}: {}",
                        r.deployment,
                        r.variant.name,
                        d.shown(&format!(" {}", search.unit))
                    ),
                    kind: MarkKind::Capacity(i),
                })
            })
            .collect();
        // Room right of the highest step, whose point would sit on the edge.
        let top = rows
            .iter()
            .flat_map(|(_, d)| d.steps.iter().map(|s| s.load))
            .fold(0.0, f64::max);
        let x_max = top * 1.06;
        let _ = writeln!(out, "<h2>{}: curves</h2>", search.title);
        out.push_str("<div class=\"charts\">\n");
        let latencies: [(&str, Figure, Option<f64>); 2] = [
            (
                "request p99",
                |w| w.request_p99_ms,
                self.limits.request_p99_ms,
            ),
            ("event p99", |w| w.event_p99_ms, self.limits.event_p99_ms),
        ];
        for (what, figure, limit) in latencies {
            let title = format!("{}: {what} vs load", search.title);
            let mut chart = Chart::new(&title, search.unit, "ms", series(&rows, figure))
                .log()
                .marks(&marks)
                .x_max(x_max);
            if let Some(limit) = limit {
                chart = chart.limit(limit, format!("{what} limit {} ms", charts::number(limit)));
            }
            out.push_str(&charts::render(&chart));
        }
        let completed: Figure = |w| (w.duration_s > 0.0).then(|| w.completed as f64 / w.duration_s);
        let mut served = series(&rows, completed);
        // The call rate offered is the x axis itself: a step on this line served every call.
        if search.unit == "calls/s" {
            served.push(
                Series::new("all offered calls served", vec![(0.0, 0.0), (top, top)])
                    .color("#b0b0b0")
                    .thin(),
            );
        }
        let title = format!("{}: calls completed per second vs load", search.title);
        out.push_str(&charts::render(
            &Chart::new(&title, search.unit, "calls/s", served)
                .marks(&marks)
                .x_max(x_max),
        ));
        out.push_str("</div>\n");
        if self.limits == Limits::default() {
            out.push_str("<p class=\"note\">The scenario sets no latency limit (<code>max_request_p99_ms</code>, <code>max_event_p99_ms</code>): the steps were judged by the other thresholds, named under Steps.</p>\n");
        }
    }

    fn steps(&self, out: &mut String) {
        out.push_str("<h2>Steps</h2><table><tr><th>deployment / variant</th><th>dimension</th><th class=\"num\">load</th><th>result</th><th class=\"num\">achieved calls/s</th><th class=\"num\">request p99 ms</th><th class=\"num\">event p99 ms</th><th class=\"num\">CPU busy</th><th>why</th></tr>\n");
        for r in &self.rows {
            for (dim, d) in [("calls/s", &r.call_rate), ("agents", &r.agents)] {
                let Some(d) = d else { continue };
                for s in &d.steps {
                    let w = s.window.as_ref();
                    let f =
                        |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"));
                    let _ = writeln!(
                        out,
                        "<tr><td>{} / {}</td><td>{dim}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                        escape(&r.deployment),
                        escape(&r.variant.name),
                        charts::number(s.load),
                        match (s.passed, s.repeated) {
                            (true, _) => "<span class=\"pass\">pass</span>",
                            (false, true) => "<span class=\"fail\">fail</span>, run again",
                            (false, false) => "<span class=\"fail\">fail</span>",
                        },
                        f(w.map(|w| w.achieved_rate)),
                        f(w.and_then(|w| w.request_p99_ms)),
                        f(w.and_then(|w| w.event_p99_ms)),
                        w.and_then(|w| w.cpu.utilisation)
                            .map_or_else(|| "—".to_owned(), |u| format!("{:.0}%", u * 100.0)),
                        escape(&s.reasons.join("; "))
                    );
                }
            }
        }
        out.push_str("</table>\n");
    }
}

/// One series per row: each step with a window and the figure, in load order.
fn series(rows: &[(&Row, &Dimension)], figure: Figure) -> Vec<Series> {
    rows.iter()
        .map(|(r, d)| {
            let mut steps: Vec<(f64, f64, bool)> = d
                .steps
                .iter()
                .filter_map(|s| Some((s.load, figure(s.window.as_ref()?)?, s.passed)))
                .collect();
            steps.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series::new(
                format!("{} / {}", r.deployment, r.variant.name),
                steps.iter().map(|s| (s.0, s.1)).collect(),
            )
            .steps(steps.iter().map(|s| s.2).collect())
        })
        .collect()
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
