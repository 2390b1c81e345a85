//! The layer of a chart that plotters cannot draw: SVG written by hand around plotters' frame.
//!
//! Under the frame (inserted where a sentinel rectangle was drawn, right after the background):
//! the shaded band and the vertical lines, so that the grid and the data stay on top. Over it:
//! limit lines, step points, phase names, mark labels and the legend. Every element carries a
//! class (`band`, `mark fault`, `limit`, `step fail`…) so that tests and tools can find it, and
//! marks carry a `<title>`, the browser's tooltip.

use std::fmt::Write;

use plotters::style::RGBColor;

use super::lanes;
use super::layout::{FONT, LANE_HEIGHT, LEGEND_ROW, Layout, Swatch, phase_row_height, short};
use super::marks::{MarkKind, RED, Stroke};
use super::model::{Chart, X_AXIS, number};
use crate::report::escape::markup as escape;

const BAND_FILL: &str = "#f0b400";

/// Where plotters put things, in pixels.
pub struct Geometry {
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
    pub marks: Vec<i32>,
    pub band: Option<(i32, i32)>,
    pub limits: Vec<i32>,
    /// Per series, per point (`None`: off a log axis).
    pub points: Vec<Vec<Option<(i32, i32)>>>,
    pub x_end: i32,
}

/// An SVG `#rrggbb` colour for plotters (grey if it is not one).
pub fn rgb(hex: &str) -> RGBColor {
    let part = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (hex.len(), part(1), part(3), part(5)) {
        (7, Some(r), Some(g), Some(b)) => RGBColor(r, g, b),
        _ => RGBColor(128, 128, 128),
    }
}

/// plotters' SVG with our layers in it.
pub fn compose(svg: String, chart: &Chart<'_>, layout: &Layout, g: &Geometry) -> String {
    let mut svg = svg.replacen(
        "<svg ",
        &format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ",
            escape(chart.title)
        ),
        1,
    );
    let under = under(chart, layout, g);
    let sentinel = svg.find("fill=\"#010203\"").and_then(|at| {
        let start = svg[..at].rfind('<')?;
        let end = at + svg[at..].find("/>")? + 2;
        Some(start..end)
    });
    match sentinel {
        Some(range) => svg.replace_range(range, &under),
        None => svg.push_str(&under),
    }
    let over = over(chart, layout, g);
    match svg.rfind("</svg>") {
        Some(end) => svg.insert_str(end, &over),
        None => svg.push_str(&over),
    }
    svg
}

/// The baseline of a label in `lane`.
fn lane_y(layout: &Layout, g: &Geometry, lane: usize) -> i32 {
    g.top - phase_row_height(layout.phase_row) as i32 - 5 - (lane as i32) * LANE_HEIGHT as i32
}

fn stroke_attrs(s: Stroke) -> String {
    let mut out = format!("stroke=\"{}\" stroke-width=\"{}\"", s.color, s.width);
    if let Some(dash) = s.dash {
        let _ = write!(out, " stroke-dasharray=\"{dash}\"");
    }
    out
}

fn under(chart: &Chart<'_>, layout: &Layout, g: &Geometry) -> String {
    let mut out = String::new();
    let row_top = g.top - phase_row_height(layout.phase_row) as i32;
    if let (Some((a, b)), Some((from, to))) = (g.band, chart.band) {
        let (a, b) = (a.clamp(g.left, g.right), b.clamp(g.left, g.right));
        let _ = writeln!(
            out,
            "<rect class=\"band\" x=\"{}\" y=\"{row_top}\" width=\"{}\" height=\"{}\" fill=\"{BAND_FILL}\" fill-opacity=\"0.16\"><title>steady phase, {}–{} s: thresholds apply here</title></rect>",
            a.min(b),
            (b - a).abs(),
            g.bottom - row_top,
            number(from),
            number(to),
        );
    }
    for (i, m) in chart.marks.iter().enumerate() {
        let x = g.marks[i];
        if x < g.left || x > g.x_end {
            continue;
        }
        let top = match layout.flags[i] {
            Some(p) => lane_y(layout, g, p.lane) - 4,
            None => row_top,
        };
        let _ = writeln!(
            out,
            "<line class=\"mark {}\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{top}\" {}><title>{} at {}</title></line>",
            m.kind.class(),
            g.bottom,
            stroke_attrs(m.kind.stroke()),
            escape(&m.label),
            number(m.at),
        );
    }
    out
}

/// Text with a white halo, legible over lines and the grid.
fn text(out: &mut String, class: &str, x: f64, y: i32, anchor: &str, color: &str, body: &str) {
    let _ = writeln!(
        out,
        "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y}\" text-anchor=\"{anchor}\" font-family=\"sans-serif\" font-size=\"{FONT}\" fill=\"{color}\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        escape(body)
    );
}

fn over(chart: &Chart<'_>, layout: &Layout, g: &Geometry) -> String {
    let mut out = String::new();
    limits(&mut out, chart, g);
    steps(&mut out, chart, g);
    for (i, m) in chart.marks.iter().enumerate() {
        let x = g.marks[i];
        if x < g.left || x > g.x_end {
            continue;
        }
        let stroke = m.kind.stroke();
        match layout.flags[i] {
            Some(p) => {
                let gap = lanes::GAP;
                let (tx, anchor) = if p.leftward {
                    (f64::from(x) - gap, "end")
                } else {
                    (f64::from(x) + gap, "start")
                };
                let class = format!("mark-label {}", m.kind.class());
                text(
                    &mut out,
                    &class,
                    tx,
                    lane_y(layout, g, p.lane),
                    anchor,
                    stroke.color,
                    &short(&m.label),
                );
            }
            None => {
                let end = g.marks[i + 1..]
                    .iter()
                    .zip(&chart.marks[i + 1..])
                    .find(|(_, m)| m.kind == MarkKind::Phase)
                    .map_or(g.x_end, |(x, _)| *x);
                let centre = f64::from(x + end.min(g.x_end)) / 2.0;
                text(
                    &mut out,
                    "phase-name",
                    centre,
                    g.top - 5,
                    "middle",
                    "#555",
                    &m.label,
                );
            }
        }
    }
    legend_svg(&mut out, layout, g);
    out
}

/// Limit lines across the plot, labelled at the right end; equal limits share one line.
fn limits(out: &mut String, chart: &Chart<'_>, g: &Geometry) {
    let mut lines: Vec<(i32, f64, Vec<&str>)> = Vec::new();
    for (l, y) in chart.limits.iter().zip(&g.limits) {
        match lines.iter_mut().find(|(_, v, _)| *v == l.value) {
            Some((_, _, labels)) => labels.push(&l.label),
            None => lines.push((*y, l.value, vec![&l.label])),
        }
    }
    lines.sort_by_key(|(y, _, _)| *y);
    let mut previous: Option<i32> = None;
    for (y, _, labels) in lines {
        if y < g.top || y > g.bottom {
            continue;
        }
        let _ = writeln!(
            out,
            "<line class=\"limit\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{RED}\" stroke-width=\"1.6\" stroke-dasharray=\"10 4\"><title>{}</title></line>",
            g.left,
            g.right,
            escape(&labels.join("; "))
        );
        // Two lines close together: the lower one's label goes under its line.
        let below = previous.is_some_and(|p| y - p < 16) || y - g.top < 16;
        let ty = if below { y + 14 } else { y - 5 };
        text(
            out,
            "limit-label",
            f64::from(g.right - 4),
            ty,
            "end",
            RED,
            &labels.join("; "),
        );
        previous = Some(y);
    }
}

/// Each capacity step as a dot (passed) or a cross (failed), in its series' colour.
fn steps(out: &mut String, chart: &Chart<'_>, g: &Geometry) {
    for (i, s) in chart.series.iter().enumerate() {
        let Some(passed) = &s.passed else { continue };
        let color = s.stroke_color(i);
        for (point, ok) in g.points[i].iter().zip(passed) {
            let Some((x, y)) = point else { continue };
            if *ok {
                let _ = writeln!(
                    out,
                    "<circle class=\"step pass\" cx=\"{x}\" cy=\"{y}\" r=\"4.5\" fill=\"{color}\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
                );
            } else {
                let _ = writeln!(
                    out,
                    "<path class=\"step fail\" d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{color}\" stroke-width=\"2.4\"/>",
                    x - 5,
                    y - 5,
                    x + 5,
                    y + 5,
                    x - 5,
                    y + 5,
                    x + 5,
                    y - 5
                );
            }
        }
    }
}

fn legend_svg(out: &mut String, layout: &Layout, g: &Geometry) {
    let base = g.bottom + X_AXIS as i32 + 8;
    for item in &layout.legend {
        let y = base + (item.row * LEGEND_ROW) as i32;
        let x = item.x;
        match item.swatch {
            Swatch::Line(color, width) => {
                let _ = writeln!(
                    out,
                    "<line class=\"legend\" x1=\"{x:.1}\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"{}\"/>",
                    x + 20.0,
                    width + 1.0
                );
            }
            Swatch::Passed => {
                let _ = writeln!(
                    out,
                    "<circle class=\"legend\" cx=\"{:.1}\" cy=\"{y}\" r=\"4.5\" fill=\"#555\"/>",
                    x + 10.0
                );
            }
            Swatch::Failed => {
                let _ = writeln!(
                    out,
                    "<path class=\"legend\" d=\"M{:.1} {}L{:.1} {}M{:.1} {}L{:.1} {}\" stroke=\"#555\" stroke-width=\"2.4\"/>",
                    x + 5.0,
                    y - 5,
                    x + 15.0,
                    y + 5,
                    x + 5.0,
                    y + 5,
                    x + 15.0,
                    y - 5
                );
            }
        }
        let _ = writeln!(
            out,
            "<text class=\"legend\" x=\"{:.1}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"{FONT}\" fill=\"#333\">{}</text>",
            x + 26.0,
            y + 4,
            escape(&item.label)
        );
    }
}
