//! The run report's charts over time: calls, messages, latency, errors, and traffic per
//! connector side, each with the run's phases, faults and the proxy's verdicts marked, and the
//! steady phase shaded.

use std::collections::BTreeMap;
use std::fmt::Write;

use stats::SecondSnapshot;

use super::charts::marks;
use super::charts::{self, Chart, Mark, MarkKind, Series};
use super::escape::markup as escape;
use super::model::Report;

const X_LABEL: &str = "seconds since start";

/// A bucket's middle: what it counted happened somewhere in it.
fn middle(s: &SecondSnapshot) -> f64 {
    s.second as f64 + s.seconds.max(1) as f64 / 2.0
}

/// A counter as a rate per second (a long run's buckets hold several seconds).
pub fn rate(timeline: &[SecondSnapshot], name: &str, label: &str) -> Series {
    Series::new(
        label,
        timeline
            .iter()
            .map(|s| {
                let n = s.counters.get(name).copied().unwrap_or(0) as f64;
                (middle(s), n / s.seconds.max(1) as f64)
            })
            .collect(),
    )
}

/// A latency percentile per bucket (buckets without samples are left out).
fn percentile(
    timeline: &[SecondSnapshot],
    name: &str,
    pick: fn(&stats::LatencySummary) -> f64,
    label: &str,
) -> Series {
    Series::new(
        label,
        timeline
            .iter()
            .filter_map(|s| s.latency.get(name).map(|l| (middle(s), pick(l))))
            .collect(),
    )
}

/// The charts, the marks' legend and the marks' table.
pub fn section(out: &mut String, r: &Report) {
    let marks = marks::of_run(&r.markers, &r.network.state_changes, &r.started_at);
    let end = r.duration_s;
    let band = marks::steady_span(&marks, end);
    let t = &r.timeline;
    out.push_str("<h2>Over time</h2>\n");
    marks_legend(out, &marks, band.is_some());
    out.push_str("<div class=\"charts\">\n");
    let frame = |title: &'static str, y_label: &'static str, series: Vec<Series>| {
        Chart::new(title, X_LABEL, y_label, series)
            .marks(&marks)
            .band(band)
            .x_max(end)
    };
    out.push_str(&charts::render(&frame(
        "Calls per second",
        "calls/s",
        vec![
            rate(t, "calls.generated", "arrived"),
            rate(t, "calls.offered", "offered to a connector"),
        ],
    )));
    out.push_str(&charts::render(&frame(
        "Messages per second",
        "messages/s",
        vec![
            rate(t, "requests", "requests answered"),
            rate(t, "events", "events delivered"),
        ],
    )));
    out.push_str(&charts::render(&latency(
        r,
        frame("Latency per second (log scale)", "ms", Vec::new()),
    )));
    out.push_str(&charts::render(&frame(
        "Errors per second",
        "errors/s",
        vec![rate(t, "request_errors", "requests without answer")],
    )));
    // One side alone (the direct deployment) would only repeat the charts above.
    if r.timeline_by_side.len() > 1 {
        let sides = &r.timeline_by_side;
        out.push_str(&charts::render(&frame(
            "Calls offered per second, by connector side",
            "calls/s",
            by_side(sides, "calls.offered", t),
        )));
        out.push_str(&charts::render(&frame(
            "Events delivered per second, by connector side",
            "events/s",
            by_side(sides, "events", t),
        )));
    }
    out.push_str("</div>\n");
    marks_table(out, &marks);
}

/// A log scale rather than a second chart zoomed on the steady phase: a logon storm's or a
/// failover's seconds-long latencies and the steady phase's milliseconds then share one axis,
/// each readable, and spikes inside the steady phase (a failover's, the one a zoom would have
/// to show) do not flatten the rest either.
fn latency<'a>(r: &Report, chart: Chart<'a>) -> Chart<'a> {
    let t = &r.timeline;
    let mut chart = Chart {
        series: vec![
            percentile(t, "request", |l| l.p50, "request p50")
                .color("#8fbbd9")
                .thin(),
            percentile(t, "request", |l| l.p99, "request p99").color("#1f77b4"),
            percentile(t, "event", |l| l.p50, "event p50")
                .color("#ffbf86")
                .thin(),
            percentile(t, "event", |l| l.p99, "event p99").color("#e6550d"),
        ],
        ..chart.log()
    };
    for check in &r.thresholds {
        let what = if check.name.starts_with("request p99") {
            "request"
        } else if check.name.starts_with("event p99") {
            "event"
        } else {
            continue;
        };
        if let Some(limit) = check.limit {
            chart = chart.limit(
                limit,
                format!(
                    "{what} p99 limit {} ms (steady phase)",
                    charts::number(limit)
                ),
            );
        }
    }
    chart
}

/// One series per connector side, in the same colours on every per-side chart. A side's own
/// timeline ends at its last count; `grid` (the run's) carries it on at zero to the end.
fn by_side(
    sides: &BTreeMap<String, Vec<SecondSnapshot>>,
    counter: &str,
    grid: &[SecondSnapshot],
) -> Vec<Series> {
    sides
        .iter()
        .enumerate()
        .map(|(i, (name, timeline))| {
            let mut series = rate(timeline, counter, name);
            let last = series.points.last().map_or(f64::MIN, |p| p.0);
            series.points.extend(
                grid.iter()
                    .map(middle)
                    .filter(|x| *x > last)
                    .map(|x| (x, 0.0)),
            );
            series.color(charts::PALETTE[i % charts::PALETTE.len()])
        })
        .collect()
}

/// A small SVG sample of a line style.
fn swatch(stroke: marks::Stroke) -> String {
    format!(
        "<svg class=\"swatch\" width=\"30\" height=\"10\" viewBox=\"0 0 30 10\" xmlns=\"http://www.w3.org/2000/svg\"><line x1=\"0\" y1=\"5\" x2=\"30\" y2=\"5\" stroke=\"{}\" stroke-width=\"{}\"{}/></svg>",
        stroke.color,
        stroke.width + 0.4,
        stroke
            .dash
            .map_or_else(String::new, |d| format!(" stroke-dasharray=\"{d}\""))
    )
}

/// What the lines of the charts mean: only the kinds this run has.
fn marks_legend(out: &mut String, marks: &[Mark], steady: bool) {
    out.push_str("<p class=\"legend\">");
    if steady {
        out.push_str(
            "<span><svg class=\"swatch\" width=\"30\" height=\"12\" viewBox=\"0 0 30 12\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"30\" height=\"12\" fill=\"#f0b400\" fill-opacity=\"0.25\"/></svg> steady phase (thresholds apply)</span>",
        );
    }
    for kind in MarkKind::RUN_KINDS {
        if marks.iter().any(|m| m.kind == kind) {
            let _ = write!(
                out,
                "<span>{} {}</span>",
                swatch(kind.stroke()),
                kind.name()
            );
        }
    }
    out.push_str("</p>\n");
}

fn marks_table(out: &mut String, marks: &[Mark]) {
    if marks.is_empty() {
        return;
    }
    out.push_str("<table class=\"marks\"><tr><th class=\"num\">at (s)</th><th>kind</th><th>event</th></tr>\n");
    for m in marks {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{:.2}</td><td>{} {}</td><td>{}</td></tr>",
            m.at,
            swatch(m.kind.stroke()),
            m.kind.name(),
            escape(&m.label)
        );
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(second: u64, seconds: u64, events: u64) -> SecondSnapshot {
        SecondSnapshot {
            second,
            seconds,
            counters: [("events".to_owned(), events)].into_iter().collect(),
            latency: BTreeMap::new(),
        }
    }

    /// A long run's merged buckets are drawn as rates, and a side that went quiet is drawn at
    /// zero to the end of the run rather than stopping short.
    #[test]
    fn rates_per_second_and_quiet_sides_at_zero() {
        let merged = [bucket(0, 2, 10), bucket(2, 2, 4), bucket(4, 2, 0)];
        assert_eq!(rate(&merged, "events", "e").points[0], (1.0, 5.0));
        let sides: BTreeMap<String, Vec<SecondSnapshot>> = [
            ("connector-a".to_owned(), merged.to_vec()),
            ("connector-b".to_owned(), vec![bucket(0, 2, 6)]),
        ]
        .into_iter()
        .collect();
        let series = by_side(&sides, "events", &merged);
        assert_eq!(series[1].points, [(1.0, 3.0), (3.0, 0.0), (5.0, 0.0)]);
        assert_ne!(series[0].color, series[1].color);
    }
}
