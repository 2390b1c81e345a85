//! Where a chart's parts go, decided before plotters draws: the axes' ranges, the mark labels'
//! lanes above the plot and the legend's rows below it, which together set the chart's height.

use super::lanes::{self, Flag, Placed};
use super::marks::MarkKind;
use super::model::{Chart, MARGIN_LEFT, MARGIN_RIGHT, PLOT_HEIGHT, Scale, WIDTH, X_AXIS, Y_AXIS};

const TOP_PAD: u32 = 4;
pub const LANE_HEIGHT: u32 = 16;
const PHASE_ROW: u32 = 18;
pub const LEGEND_ROW: u32 = 20;
/// The labels' font size in pixels.
pub const FONT: f64 = 12.0;

/// Where things go, in the chart's units and in lanes and rows.
pub struct Layout {
    pub height: u32,
    pub top: u32,
    pub bottom: u32,
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Per mark: its label's lane, or `None` for a phase named in the phase row.
    pub flags: Vec<Option<Placed>>,
    pub phase_row: bool,
    pub legend: Vec<Legend>,
}

/// What a legend entry shows: a line, or a step's dot or cross.
pub enum Swatch {
    Line(&'static str, f64),
    Passed,
    Failed,
}

/// A legend entry and where it goes.
pub struct Legend {
    pub swatch: Swatch,
    pub label: String,
    pub x: f64,
    pub row: u32,
}

/// The axes' ranges, the labels' lanes and the legend's rows.
pub fn layout(chart: &Chart<'_>) -> Layout {
    let x = x_range(chart);
    let y = y_range(chart);
    let left = f64::from(MARGIN_LEFT + Y_AXIS);
    let right = f64::from(WIDTH - MARGIN_RIGHT);
    let px = |v: f64| left + (v - x.0) / (x.1 - x.0) * (right - left);
    let phase_row = chart.band.is_some() || chart.marks.iter().any(|m| m.kind == MarkKind::Phase);
    let mut flagged = Vec::new();
    let mut flags = Vec::new();
    for (i, m) in chart.marks.iter().enumerate() {
        if m.kind == MarkKind::Phase && fits_in_phase_row(chart, i, &px) {
            continue;
        }
        flagged.push(i);
        flags.push(Flag {
            x: px(m.at),
            width: lanes::text_width(&short(&m.label), FONT),
        });
    }
    let placed = lanes::place(&flags, left, right);
    let mut per_mark = vec![None; chart.marks.len()];
    for (i, p) in flagged.iter().zip(&placed) {
        per_mark[*i] = Some(*p);
    }
    let legend = legend(chart, left, right);
    let rows = legend.iter().map(|l| l.row + 1).max().unwrap_or(0);
    let top = TOP_PAD + lanes::count(&placed) as u32 * LANE_HEIGHT + phase_row_height(phase_row);
    let bottom = rows * LEGEND_ROW + 6;
    Layout {
        height: top + PLOT_HEIGHT + X_AXIS + bottom,
        top,
        bottom,
        x,
        y,
        flags: per_mark,
        phase_row,
        legend,
    }
}

pub fn phase_row_height(present: bool) -> u32 {
    if present { PHASE_ROW } else { 0 }
}

/// The stretch of axis a phase covers: to the next phase, or to the end.
fn phase_end(chart: &Chart<'_>, i: usize, x_end: f64) -> f64 {
    chart.marks[i + 1..]
        .iter()
        .find(|m| m.kind == MarkKind::Phase)
        .map_or(x_end, |m| m.at)
}

fn fits_in_phase_row(chart: &Chart<'_>, i: usize, px: &dyn Fn(f64) -> f64) -> bool {
    let m = &chart.marks[i];
    let end = phase_end(chart, i, x_range(chart).1);
    px(end) - px(m.at) >= lanes::text_width(&m.label, FONT) + 2.0 * lanes::GAP
}

fn x_range(chart: &Chart<'_>) -> (f64, f64) {
    let xs = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(chart.marks.iter().map(|m| m.at))
        .chain(chart.x_max);
    let (lo, hi) = xs.fold((0.0f64, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    (lo, if hi > lo { hi } else { lo + 1.0 })
}

fn y_range(chart: &Chart<'_>) -> (f64, f64) {
    let ys = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(chart.limits.iter().map(|l| l.value))
        .filter(|y| y.is_finite());
    match chart.scale {
        Scale::Linear => {
            let hi = ys.fold(0.0f64, f64::max);
            (0.0, if hi > 0.0 { hi * 1.08 } else { 1.0 })
        }
        // From a whole decade with room under the lowest point, to the next 1, 2 or 5 above
        // the highest. The bounds are nudged outwards so that a grid line computed a hair
        // beyond a bound (floating point) is still drawn.
        Scale::Log => {
            let (lo, hi) = ys
                .filter(|y| *y > 0.0)
                .fold((f64::MAX, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
            if hi <= 0.0 {
                return (0.1 * 0.999, 10.0 * 1.001);
            }
            let lo = 10f64.powf((lo / 1.3).log10().floor());
            let hi = nice_up(hi * 1.15).max(lo * 10.0);
            (lo * 0.999, hi * 1.001)
        }
    }
}

/// The smallest 1, 2 or 5 times a power of ten at or above `v`.
fn nice_up(v: f64) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|n| *n >= v * 0.9999)
        .unwrap_or(decade * 10.0)
}

/// A mark's label as drawn: up to its first `;` and at most 40 characters (the whole label is
/// the line's tooltip and in the table under the charts).
pub fn short(label: &str) -> String {
    let head = label.split("; ").next().unwrap_or(label);
    if head.chars().count() <= 40 {
        head.to_owned()
    } else {
        head.chars().take(39).chain(['…']).collect()
    }
}

fn legend(chart: &Chart<'_>, left: f64, right: f64) -> Vec<Legend> {
    let mut items: Vec<(Swatch, String)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (Swatch::Line(s.stroke_color(i), s.width), s.label.clone()))
        .collect();
    if chart.series.iter().any(|s| s.passed.is_some()) {
        items.push((Swatch::Passed, "step passed".to_owned()));
        items.push((Swatch::Failed, "step failed".to_owned()));
    }
    let (mut x, mut row) = (left, 0);
    let mut out = Vec::new();
    for (swatch, label) in items {
        let width = 26.0 + lanes::text_width(&label, FONT) + 16.0;
        if x + width > right && x > left {
            x = left;
            row += 1;
        }
        out.push(Legend {
            swatch,
            label,
            x,
            row,
        });
        x += width;
    }
    out
}
