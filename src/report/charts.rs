//! SVG charts for the HTML reports.
//!
//! plotters' SVG backend draws the frame (axes, grid, tick labels) and the series' lines. What
//! it cannot draw, a layer of our own adds (see `overlay`): the shaded steady phase under the
//! data, dashed and dotted marks with tooltips, their labels in lanes above the plot where
//! they hide no data and no other label (see `lanes`), limit lines, pass/fail step points,
//! and the legend below the plot.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::layout::{self, Layout};
pub use super::marks::{Mark, MarkKind, PALETTE, RED};
use super::overlay::{self, Geometry};

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

    pub(super) fn stroke_color(&self, index: usize) -> &'static str {
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

/// A colour plotters draws but we never use: it marks where our under-layer goes.
const SENTINEL: RGBColor = RGBColor(1, 2, 3);

/// Renders a chart as a `<figure>` with its title and an SVG; a chart that cannot be drawn says
/// so instead of failing the report.
pub fn render(chart: &Chart<'_>) -> String {
    let title = super::html::escape(chart.title);
    match draw(chart) {
        Ok(svg) => {
            format!("<figure class=\"chart\"><figcaption>{title}</figcaption>\n{svg}</figure>\n")
        }
        Err(e) => format!("<p class=\"note\">chart {title} could not be drawn: {e}</p>\n"),
    }
}

fn draw(chart: &Chart<'_>) -> Result<String, Box<dyn std::error::Error>> {
    let layout = layout::layout(chart);
    let mut svg = String::with_capacity(32 * 1024);
    let geometry = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, layout.height)).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw(&Rectangle::new([(0, 0), (1, 1)], SENTINEL.filled()))?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .margin_top(layout.top)
            .margin_bottom(layout.bottom)
            .margin_left(MARGIN_LEFT)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_AXIS)
            .y_label_area_size(Y_AXIS);
        let x = layout.x.0..layout.x.1;
        let geometry = match chart.scale {
            Scale::Linear => plot(
                builder.build_cartesian_2d(x, layout.y.0..layout.y.1)?,
                chart,
                &layout,
            )?,
            Scale::Log => {
                let (bold, light) = log_ticks(layout.y);
                let y = (layout.y.0..layout.y.1)
                    .log_scale()
                    .with_key_points(bold)
                    .with_light_points(light);
                plot(builder.build_cartesian_2d(x, y)?, chart, &layout)?
            }
        };
        root.present()?;
        geometry
    };
    Ok(overlay::compose(svg, chart, &layout, &geometry))
}

type Ctx<'a, Y> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>;

/// Draws the frame and the lines, and returns where everything of the overlay goes.
fn plot<'a, Y>(mut ctx: Ctx<'a, Y>, chart: &Chart<'_>, layout: &Layout) -> Result<Geometry, String>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let grid = RGBColor(228, 228, 228);
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(chart.x_label)
        .y_desc(chart.y_label)
        // plotters writes 0.8 of the size asked for: 15 comes out as 12 px.
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 15))
        .bold_line_style(grid)
        .light_line_style(RGBColor(244, 244, 244))
        .x_label_formatter(&|v| number(*v))
        .y_label_formatter(&|v| number(*v));
    if chart.scale == Scale::Linear {
        mesh.y_labels(8);
    }
    mesh.draw().map_err(|e| e.to_string())?;
    let visible = |y: f64| chart.scale == Scale::Linear || y > 0.0;
    for (i, s) in chart.series.iter().enumerate() {
        let color = overlay::rgb(s.stroke_color(i));
        let points: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| visible(p.1)).collect();
        ctx.draw_series(LineSeries::new(
            points,
            color.stroke_width(s.width.round() as u32),
        ))
        .map_err(|e| e.to_string())?;
    }
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    let at = |x: f64, y: f64| ctx.backend_coord(&(x, y));
    let y_any = layout.y.0.max(f64::MIN_POSITIVE);
    Ok(Geometry {
        left: xs.start,
        right: xs.end,
        top: ys.start,
        bottom: ys.end,
        marks: chart.marks.iter().map(|m| at(m.at, y_any).0).collect(),
        band: chart.band.map(|(a, b)| (at(a, y_any).0, at(b, y_any).0)),
        limits: chart
            .limits
            .iter()
            .map(|l| at(layout.x.0, l.value).1)
            .collect(),
        points: chart
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .map(|&(x, y)| visible(y).then(|| at(x, y)))
                    .collect()
            })
            .collect(),
        x_end: at(layout.x.1, y_any).0,
    })
}

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

/// A log axis's grid: 1, 2 and 5 of each decade labelled, every 1 to 9 a light line. Our own
/// points: plotters' repeat each decade's first value, which then prints twice.
fn log_ticks((lo, hi): (f64, f64)) -> (Vec<f64>, Vec<f64>) {
    let (mut bold, mut light) = (Vec::new(), Vec::new());
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in 1..10 {
            let v = decade * f64::from(m);
            if v >= lo && v <= hi {
                light.push(v);
                if [1, 2, 5].contains(&m) {
                    bold.push(v);
                }
            }
        }
        decade *= 10.0;
    }
    (bold, light)
}

#[cfg(test)]
#[path = "charts_tests.rs"]
mod tests;
