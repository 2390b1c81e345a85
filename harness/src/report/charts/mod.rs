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

mod lanes;
mod layout;
pub mod marks;
mod model;
mod overlay;

use layout::Layout;
pub use marks::{Mark, MarkKind, PALETTE, RED};
pub use model::{
    Chart, Limit, MARGIN_LEFT, MARGIN_RIGHT, PLOT_HEIGHT, Scale, Series, WIDTH, X_AXIS, Y_AXIS,
    number,
};
use overlay::Geometry;

/// A colour plotters draws but we never use: it marks where our under-layer goes.
const SENTINEL: RGBColor = RGBColor(1, 2, 3);

/// Renders a chart as a `<figure>` with its title and an SVG; a chart that cannot be drawn says
/// so instead of failing the report.
pub fn render(chart: &Chart<'_>) -> String {
    let title = super::escape::markup(chart.title);
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
mod tests;
