//! What a chart is made of, apart from how it is drawn: its series, marks, shaded band, scale
//! and limit lines, the page geometry every part of the drawing shares, and tick numbers. The
//! renderer, the label layout and the overlay all read it; it reads none of them.

use super::marks::{Mark, PALETTE};

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// An SVG colour; by default the palette's, in series order.
    pub color: Option<&'static str>,
    pub width: f64,
    /// Capacity steps: whether each point passed; drawn as a dot (passed) or a cross.
    pub passed: Option<Vec<bool>>,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            color: None,
            width: 2.0,
            passed: None,
        }
    }

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
    Linear,
    /// Decades: for latencies, whose spikes are orders of magnitude above the usual.
    Log,
}

/// A horizontal line a value must stay under (or over), labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub value: f64,
    pub label: String,
}

/// What a chart shows.
pub struct Chart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: Vec<Series>,
    /// Vertical lines, labelled; phases also name their stretch of the axis.
    pub marks: &'a [Mark],
    /// An x range shaded under the data: the steady phase, where thresholds apply.
    pub band: Option<(f64, f64)>,
    pub scale: Scale,
    pub limits: Vec<Limit>,
    /// The axis runs at least this far (the run's end, though the last second had no sample).
    pub x_max: Option<f64>,
}

impl<'a> Chart<'a> {
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

    pub fn marks(mut self, marks: &'a [Mark]) -> Self {
        self.marks = marks;
        self
    }

    pub fn band(mut self, band: Option<(f64, f64)>) -> Self {
        self.band = band;
        self
    }

    pub fn log(mut self) -> Self {
        self.scale = Scale::Log;
        self
    }

    pub fn limit(mut self, value: f64, label: impl Into<String>) -> Self {
        self.limits.push(Limit {
            value,
            label: label.into(),
        });
        self
    }

    pub fn x_max(mut self, x_max: f64) -> Self {
        self.x_max = Some(x_max);
        self
    }
}

/// Width of every chart in pixels; the page scales it to its grid cell.
pub const WIDTH: u32 = 800;
pub const MARGIN_LEFT: u32 = 8;
pub const MARGIN_RIGHT: u32 = 18;
pub const Y_AXIS: u32 = 64;
pub const X_AXIS: u32 = 44;
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
