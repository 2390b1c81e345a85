//! Charts drawn from small hand-built series, checked for the SVG elements a reader relies on.

use super::*;

fn mark(at: f64, label: &str, kind: MarkKind) -> Mark {
    Mark {
        at,
        label: label.to_owned(),
        kind,
    }
}

/// The elements of `class` in `svg` (opening tags).
fn elements<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let needle = format!("class=\"{class}\"");
    svg.match_indices(&needle)
        .filter_map(|(at, _)| {
            let start = svg[..at].rfind('<')?;
            let end = at + svg[at..].find('>')?;
            Some(&svg[start..=end])
        })
        .collect()
}

/// An attribute's value in one element's tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn failover_marks() -> Vec<Mark> {
    vec![
        mark(0.0, "logon", MarkKind::Phase),
        mark(1.2, "warmup", MarkKind::Phase),
        mark(4.2, "steady", MarkKind::Phase),
        mark(10.2, "kill connector-a", MarkKind::Fault),
        mark(10.9, "connector-a DOWN", MarkKind::ProxyDown),
        mark(11.0, "crm: watchdog: CMS connection lost", MarkKind::Notice),
        mark(20.2, "restart connector-a", MarkKind::Recovery),
        mark(21.1, "connector-a UP", MarkKind::ProxyUp),
        mark(34.2, "drain", MarkKind::Phase),
        mark(36.0, "logoff", MarkKind::Phase),
    ]
}

fn per_second(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..38)
        .map(|s| (f64::from(s) + 0.5, f(f64::from(s))))
        .collect()
}

#[test]
fn the_steady_phase_is_shaded_and_every_mark_kind_is_drawn_its_own_way() {
    let marks = failover_marks();
    let band = super::marks::steady_span(&marks, 38.0);
    let chart = Chart::new(
        "Calls per second",
        "seconds since start",
        "calls/s",
        vec![Series::new(
            "arrived",
            per_second(|s| if s > 4.0 { 5.0 } else { 0.0 }),
        )],
    )
    .marks(&marks)
    .band(band)
    .x_max(38.0);
    let svg = render(&chart);
    let bands = elements(&svg, "band");
    assert_eq!(bands.len(), 1, "{svg}");
    // The band lies under the data: before the first line plotters drew.
    let band_at = svg.find("class=\"band\"").unwrap();
    assert!(
        band_at < svg.find("<polyline").unwrap(),
        "band over the data"
    );
    let width: f64 = attr(bands[0], "width").unwrap().parse().unwrap();
    assert!(width > 100.0, "a 30 s band on a 38 s axis: {width} px");
    let mut looks = Vec::new();
    for kind in MarkKind::RUN_KINDS {
        if kind == MarkKind::Abort {
            continue;
        }
        let lines = elements(&svg, &format!("mark {}", kind.class()));
        assert!(!lines.is_empty(), "no {} line: {svg}", kind.class());
        let look = (
            attr(lines[0], "stroke").unwrap().to_owned(),
            attr(lines[0], "stroke-dasharray").map(str::to_owned),
        );
        assert!(
            !looks.contains(&look),
            "{} drawn like another kind",
            kind.class()
        );
        looks.push(look);
    }
    // Each event is labelled once, above the plot; phases are named in their stretch.
    for m in &marks {
        assert_eq!(
            svg.matches(&format!(">{}</text>", m.label)).count(),
            1,
            "label {:?}: {svg}",
            m.label
        );
    }
    let plot_top = bands[0]
        .split(" y=\"")
        .nth(1)
        .and_then(|y| y.split('"').next())
        .and_then(|y| y.parse::<i32>().ok())
        .unwrap();
    for label in elements(&svg, "mark-label proxy-down")
        .iter()
        .chain(&elements(&svg, "mark-label fault"))
    {
        let y: i32 = attr(label, "y").unwrap().parse().unwrap();
        assert!(y < plot_top, "label inside the plot: {label}");
    }
}

#[test]
fn a_log_axis_keeps_a_spike_and_the_steady_phase_readable() {
    // A logon spike at 4 s, 1–3 ms afterwards.
    let series = Series::new(
        "request p99",
        per_second(|s| if s < 2.0 { 4000.0 } else { 1.0 + s % 3.0 }),
    );
    let svg = render(&Chart::new("Latency", "s", "ms", vec![series]).log());
    // plotters writes a tick label on a line of its own.
    for tick in ["1", "10", "100", "1000"] {
        let label = format!(">\n{tick}\n</text>");
        assert!(svg.contains(&label), "no tick {tick}: {svg}");
    }
    assert!(
        !svg.contains(">\n3\n</text>"),
        "only 1, 2 and 5 of a decade are labelled"
    );
    assert_eq!(
        svg.matches(">\n100\n</text>").count(),
        1,
        "a tick printed twice"
    );
}

#[test]
fn capacity_curves_show_steps_the_limit_and_the_capacity_found() {
    let series = Series::new(
        "direct / plain",
        vec![(2.0, 1.5), (4.0, 1.8), (8.0, 2.5), (6.0, 2.0), (7.0, 300.0)],
    )
    .steps(vec![true, true, false, true, false]);
    let marks = [mark(
        6.0,
        "direct / plain: 6 calls/s",
        MarkKind::Capacity(0),
    )];
    let chart = Chart::new("request p99 vs load", "calls/s", "ms", vec![series])
        .log()
        .marks(&marks)
        .limit(250.0, "request p99 limit 250 ms");
    let svg = render(&chart);
    assert_eq!(elements(&svg, "step pass").len(), 3, "{svg}");
    assert_eq!(elements(&svg, "step fail").len(), 2, "{svg}");
    let limit = elements(&svg, "limit");
    assert_eq!(limit.len(), 1, "{svg}");
    assert_eq!(
        attr(limit[0], "y1"),
        attr(limit[0], "y2"),
        "a horizontal limit"
    );
    assert!(svg.contains(">request p99 limit 250 ms</text>"), "{svg}");
    let capacity = elements(&svg, "mark capacity");
    assert_eq!(capacity.len(), 1, "{svg}");
    assert_eq!(attr(capacity[0], "stroke"), Some(PALETTE[0]));
    assert!(svg.contains(">direct / plain: 6 calls/s</text>"), "{svg}");
    assert!(svg.contains(">step failed</text>"), "legend: {svg}");
}

#[test]
fn an_empty_chart_still_draws() {
    let svg = render(&Chart::new("Errors", "s", "errors/s", Vec::new()).log());
    assert!(svg.contains("<svg"), "{svg}");
    assert_eq!(number(2.50), "2.5");
    assert_eq!(number(1000.0), "1000");
    assert_eq!(number(0.125), "0.125");
}
