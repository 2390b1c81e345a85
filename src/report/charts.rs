//! SVG line charts for the HTML report, drawn with plotters' SVG backend (no fonts, no files):
//! series over time with vertical markers for faults and phases, and curves over load.

use plotters::prelude::*;
use stats::Marker;

/// One line of a chart.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// What a chart shows.
pub struct Chart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: Vec<Series>,
    /// Vertical lines at x, labelled.
    pub markers: &'a [Marker],
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Renders a chart as an SVG string; a chart without points says so instead of failing.
pub fn render(chart: &Chart<'_>) -> String {
    let mut svg = String::new();
    if let Err(e) = draw(&mut svg, chart) {
        return format!(
            "<p class=\"note\">chart {} could not be drawn: {e}</p>",
            super::html::escape(chart.title)
        );
    }
    svg
}

fn draw(svg: &mut String, chart: &Chart<'_>) -> Result<(), Box<dyn std::error::Error>> {
    let points = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut x_max, mut y_max) = (1.0f64, 0.0f64);
    let mut x_min = f64::MAX;
    for (x, y) in points {
        x_max = x_max.max(*x);
        x_min = x_min.min(*x);
        y_max = y_max.max(*y);
    }
    for m in chart.markers {
        x_max = x_max.max(m.at);
    }
    if x_min == f64::MAX || x_min > 0.0 {
        x_min = 0.0;
    }
    let y_max = if y_max <= 0.0 { 1.0 } else { y_max * 1.1 };
    let root = SVGBackend::with_string(svg, (860, 320)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut ctx = ChartBuilder::on(&root)
        .caption(chart.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, m) in chart.markers.iter().enumerate() {
        let color = RGBColor(120, 120, 120);
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(m.at, 0.0), (m.at, y_max)],
            color.stroke_width(1),
        )))?;
        // Stagger labels so that close markers stay readable.
        let y = y_max * (0.95 - 0.07 * (i % 4) as f64);
        ctx.draw_series(std::iter::once(Text::new(
            m.label.clone(),
            (m.at, y),
            ("sans-serif", 11).into_font().color(&color),
        )))?;
    }
    for (i, series) in chart.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        ctx.draw_series(LineSeries::new(
            series.points.iter().copied(),
            color.stroke_width(2),
        ))?
        .label(series.label.clone())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    if chart.series.len() > 1 {
        ctx.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
