//! What a chart is made of, apart from how it is drawn: its series, marks, shaded band, scale
//! and limit lines, the page geometry every part of the drawing shares, and tick numbers. The
//! renderer, the label layout and the overlay all read it; it reads none of them.

use super::marks::{Mark, PALETTE};

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub label: String,
    /// The (x, y) points, in the axes' units; on a log scale a y of 0 or less is not drawn.
    pub points: Vec<(f64, f64)>,
    /// An SVG colour; by default the palette's, in series order.
    pub color: Option<&'static str>,
    /// Stroke width in pixels: 2, or 1.3 for a thin line.
    pub width: f64,
    /// Capacity steps: whether each point passed; drawn as a dot (passed) or a cross.
    pub passed: Option<Vec<bool>>,
}

impl Series {
    /// A line named `label`, in the palette's colour and the default width.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            color: None,
            width: 2.0,
            passed: None,
        }
    }

    /// Draws the line in `color` (an SVG colour) instead of the palette's.
    pub fn color(mut self, color: &'static str) -> Series {
        self.color = Some(color);
        self
    }

    /// A thinner line, for the companion of a bolder one (p50 next to p99).
    pub fn thin(mut self) -> Series {
        self.width = 1.3;
        self
    }

    /// Points of capacity steps, each passed or not.
    pub fn steps(mut self, passed: Vec<bool>) -> Series {
        self.passed = Some(passed);
        self
    }

    pub(crate) fn stroke_color(&self, index: usize) -> &'static str {
        self.color.unwrap_or(PALETTE[index % PALETTE.len()])
    }
}

/// How values map to height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Even steps of the value.
    Linear,
    /// Decades: for latencies, whose spikes are orders of magnitude above the usual.
    Log,
}

/// A horizontal line a value must stay under (or over), labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The bound, in the y axis's unit.
    pub value: f64,
    /// What it limits, written at the line's right end (`request p99 limit 250 ms`).
    pub label: String,
}

/// What a chart shows.
pub struct Chart<'a> {
    /// The heading above the plot.
    pub title: &'a str,
    /// The x axis's caption (`seconds since start`).
    pub x_label: &'a str,
    /// The y axis's caption (`ms`, `errors/s`).
    pub y_label: &'a str,
    /// The lines, in legend order.
    pub series: Vec<Series>,
    /// Vertical lines, labelled; phases also name their stretch of the axis.
    pub marks: &'a [Mark],
    /// An x range shaded under the data: the steady phase, where thresholds apply.
    pub band: Option<(f64, f64)>,
    /// Linear, or log for latencies.
    pub scale: Scale,
    /// Horizontal limit lines; equal values share one line.
    pub limits: Vec<Limit>,
    /// The axis runs at least this far (the run's end, though the last second had no sample).
    pub x_max: Option<f64>,
}

impl<'a> Chart<'a> {
    /// A linear chart of `series`, with no marks, band, limits or fixed axis end.
    pub fn new(title: &'a str, x_label: &'a str, y_label: &'a str, series: Vec<Series>) -> Self {
        Chart {
            title,
            x_label,
            y_label,
            series,
            marks: &[],
            band: None,
            scale: Scale::Linear,
            limits: Vec::new(),
            x_max: None,
        }
    }

    /// Adds vertical lines at `marks`.
    pub fn marks(mut self, marks: &'a [Mark]) -> Self {
        self.marks = marks;
        self
    }

    /// Shades the x range `band` (the steady phase); `None` shades nothing.
    pub fn band(mut self, band: Option<(f64, f64)>) -> Self {
        self.band = band;
        self
    }

    /// Uses a log scale for the y axis.
    pub fn log(mut self) -> Self {
        self.scale = Scale::Log;
        self
    }

    /// Adds a horizontal limit line at `value`, labelled `label`.
    pub fn limit(mut self, value: f64, label: impl Into<String>) -> Self {
        self.limits.push(Limit {
            value,
            label: label.into(),
        });
        self
    }

    /// Makes the x axis run at least to `x_max`.
    pub fn x_max(mut self, x_max: f64) -> Self {
        self.x_max = Some(x_max);
        self
    }
}

/// Width of every chart in pixels; the page scales it to its grid cell.
pub const WIDTH: u32 = 800;
/// Pixels left of the y axis's label area.
pub const MARGIN_LEFT: u32 = 8;
/// Pixels right of the plot area.
pub const MARGIN_RIGHT: u32 = 18;
/// Width in pixels of the y axis's ticks and caption, left of the plot.
pub const Y_AXIS: u32 = 64;
/// Height in pixels of the x axis's ticks and caption, under the plot.
pub const X_AXIS: u32 = 44;
/// Height of the plot area in pixels; the label lanes above it and the legend under it add to
/// the chart's height.
pub const PLOT_HEIGHT: u32 = 250;

/// A tick label: no trailing zeros, no more digits than the value needs.
pub fn number(v: f64) -> String {
    let a = v.abs();
    let text = if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}
