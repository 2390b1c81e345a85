//! The vertical lines of the charts and what each kind looks like.
//!
//! The timeline keeps markers as plain labels (`steady`, `kill connector-a`, `crm: watchdog: …`),
//! and the proxy's UP/DOWN transitions live apart, in the network report. A reader must tell at
//! a glance a phase boundary from a fault and from the proxy reacting to it, so each kind gets
//! its own colour and dash pattern, the same on every chart and in the legend.

use std::time::SystemTime;

use proxy::{ServerState, StateChange};
use stats::Marker;

/// What a vertical line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// The run entering a phase (`logon`, `warmup`, `steady`, `drain`, `logoff`).
    Phase,
    /// A fault applied (`kill`, `pause`, `blackhole`, `latency`, `reset`), or one that failed.
    Fault,
    /// A fault undone (`restart`, `resume`, `end of …`).
    Recovery,
    /// The proxy marked a side DOWN.
    ProxyDown,
    /// The proxy marked a side UP.
    ProxyUp,
    /// Something a component noticed (the CRM's watchdog), or a label we do not know.
    Notice,
    /// `run.abort_on_fail` ended the steady phase.
    Abort,
    /// The capacity a search found, in the colour of its series.
    Capacity(usize),
}

/// How a line is drawn: SVG stroke colour, width and dash pattern (`None`: solid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// An SVG colour (`#d62728`).
    pub color: &'static str,
    /// Line width in pixels.
    pub width: f64,
    /// An SVG `stroke-dasharray` (`7 4`); `None` for a solid line.
    pub dash: Option<&'static str>,
}

/// Series colours (Tableau 10 without its red, which faults and limits use).
pub const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
];

/// Faults and limits: what went wrong or must not be crossed.
pub const RED: &str = "#d62728";

impl MarkKind {
    /// Every kind a run report can show, in legend order.
    pub const RUN_KINDS: [MarkKind; 7] = [
        MarkKind::Phase,
        MarkKind::Fault,
        MarkKind::Recovery,
        MarkKind::ProxyDown,
        MarkKind::ProxyUp,
        MarkKind::Notice,
        MarkKind::Abort,
    ];

    /// The CSS class of its SVG elements (tests and readers of the SVG find marks by it).
    pub fn class(self) -> &'static str {
        match self {
            MarkKind::Phase => "phase",
            MarkKind::Fault => "fault",
            MarkKind::Recovery => "recovery",
            MarkKind::ProxyDown => "proxy-down",
            MarkKind::ProxyUp => "proxy-up",
            MarkKind::Notice => "notice",
            MarkKind::Abort => "abort",
            MarkKind::Capacity(_) => "capacity",
        }
    }

    /// What the legend calls it.
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Phase => "phase",
            MarkKind::Fault => "fault injected",
            MarkKind::Recovery => "fault undone",
            MarkKind::ProxyDown => "proxy marks a side DOWN",
            MarkKind::ProxyUp => "proxy marks a side UP",
            MarkKind::Notice => "component notice",
            MarkKind::Abort => "steady phase aborted",
            MarkKind::Capacity(_) => "capacity found",
        }
    }

    /// Dashes for what was done to the deployment, dots for what the proxy concluded from it,
    /// dash-dots for what a component said: distinct even in grey print.
    pub fn stroke(self) -> Stroke {
        let (color, width, dash) = match self {
            MarkKind::Phase => ("#8c8c8c", 1.0, None),
            MarkKind::Fault => (RED, 1.6, Some("7 4")),
            MarkKind::Recovery => ("#2ca02c", 1.6, Some("7 4")),
            MarkKind::ProxyDown => ("#a0006e", 2.2, Some("2 3")),
            MarkKind::ProxyUp => ("#00838f", 2.2, Some("2 3")),
            MarkKind::Notice => ("#7b3fa0", 1.4, Some("9 3 2 3")),
            MarkKind::Abort => (RED, 2.6, None),
            MarkKind::Capacity(i) => (PALETTE[i % PALETTE.len()], 2.4, Some("6 3")),
        };
        Stroke { color, width, dash }
    }
}

/// One vertical line.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Where on the x axis, in its unit (seconds since the timeline started, for a run).
    pub at: f64,
    /// The text shown with the line (`kill connector-a`).
    pub label: String,
    /// What it stands for, which sets how it is drawn.
    pub kind: MarkKind,
}

const PHASES: [&str; 6] = ["logon", "warmup", "steady", "drain", "logoff", "settle"];
const FAULTS: [&str; 5] = ["kill ", "pause ", "blackhole ", "latency ", "reset "];
const RECOVERIES: [&str; 3] = ["restart ", "resume ", "end of "];

/// The kind of a timeline label, as the runner and the components write them (see
/// `outcome::Due::label` and `Session::enter`).
pub fn classify(label: &str) -> MarkKind {
    if label == "aborted" {
        MarkKind::Abort
    } else if PHASES.contains(&label) || label.ends_with(" warm-up") {
        MarkKind::Phase
    } else if label.contains("watchdog") || label.contains(": heartbeat: ") {
        MarkKind::Notice
    } else if FAULTS.iter().any(|p| label.starts_with(p)) || label.ends_with("(failed)") {
        MarkKind::Fault
    } else if RECOVERIES.iter().any(|p| label.starts_with(p)) {
        MarkKind::Recovery
    } else {
        MarkKind::Notice
    }
}

/// A run's marks in time order: its timeline's markers and the proxy's state changes, placed on
/// the timeline's axis by wall time (`started_at` is when the timeline started, RFC 3339).
pub fn of_run(markers: &[Marker], changes: &[StateChange], started_at: &str) -> Vec<Mark> {
    let mut marks: Vec<Mark> = markers
        .iter()
        .map(|m| Mark {
            at: m.at,
            label: m.label.clone(),
            kind: classify(&m.label),
        })
        .collect();
    // A report without a readable start cannot place the changes; they stay in the tables.
    if let Ok(start) = humantime::parse_rfc3339_weak(started_at) {
        marks.extend(changes.iter().map(|c| proxy_mark(c, start)));
    }
    marks.sort_by(|a, b| a.at.total_cmp(&b.at));
    marks
}

fn proxy_mark(c: &StateChange, start: SystemTime) -> Mark {
    let at = match c.at.duration_since(start) {
        Ok(d) => d.as_secs_f64(),
        Err(_) => 0.0,
    };
    let (state, kind) = match c.to {
        ServerState::Down => ("DOWN", MarkKind::ProxyDown),
        ServerState::Up => ("UP", MarkKind::ProxyUp),
    };
    Mark {
        at,
        label: format!("{} {state}", c.server),
        kind,
    }
}

/// The steady phase as `(start, end)`: from its marker to the next phase's (the drain), or to
/// `end` when nothing followed it.
pub fn steady_span(marks: &[Mark], end: f64) -> Option<(f64, f64)> {
    let start = marks
        .iter()
        .find(|m| m.kind == MarkKind::Phase && m.label == "steady")?
        .at;
    let stop = marks
        .iter()
        .filter(|m| m.kind == MarkKind::Phase && m.at > start)
        .map(|m| m.at)
        .next()
        .unwrap_or(end);
    Some((start, stop.max(start)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_told_apart_by_what_made_them() {
        for (label, kind) in [
            ("logon", MarkKind::Phase),
            ("steady", MarkKind::Phase),
            ("step 1 warm-up", MarkKind::Phase),
            ("kill connector-a", MarkKind::Fault),
            ("latency 100ms±10ms on crm->connector", MarkKind::Fault),
            ("restart connector-a (failed)", MarkKind::Fault),
            ("restart connector-a", MarkKind::Recovery),
            ("end of pause on connector-b", MarkKind::Recovery),
            ("crm: watchdog: CMS connection lost", MarkKind::Notice),
            (
                "crm: heartbeat: CMS connection back; no watchdog, so agents are not logged on again",
                MarkKind::Notice,
            ),
            ("aborted", MarkKind::Abort),
        ] {
            assert_eq!(classify(label), kind, "{label}");
        }
        let strokes: Vec<Stroke> = MarkKind::RUN_KINDS.iter().map(|k| k.stroke()).collect();
        for (i, a) in strokes.iter().enumerate() {
            for b in &strokes[i + 1..] {
                assert_ne!((a.color, a.dash), (b.color, b.dash), "two kinds look alike");
            }
        }
    }

    #[test]
    fn proxy_changes_are_placed_on_the_timeline_and_steady_is_spanned() {
        let start = humantime::parse_rfc3339("2026-12-06T10:00:00.000Z").unwrap();
        let change = |secs: u64, to: ServerState| StateChange {
            at: start + std::time::Duration::from_millis(secs),
            since_start: std::time::Duration::ZERO,
            at_instant: std::time::Instant::now(),
            backend: "connectors".to_owned(),
            server: "connector-a".to_owned(),
            from: ServerState::Up,
            to,
            reason: "2 consecutive failed checks".to_owned(),
        };
        let markers = [
            Marker {
                at: 3.0,
                label: "steady".to_owned(),
            },
            Marker {
                at: 9.0,
                label: "kill connector-a".to_owned(),
            },
            Marker {
                at: 33.0,
                label: "drain".to_owned(),
            },
        ];
        let changes = [
            change(9_700, ServerState::Down),
            change(20_500, ServerState::Up),
        ];
        let marks = of_run(&markers, &changes, "2026-12-06T10:00:00.000Z");
        let labels: Vec<(&str, MarkKind)> =
            marks.iter().map(|m| (m.label.as_str(), m.kind)).collect();
        assert_eq!(
            labels,
            [
                ("steady", MarkKind::Phase),
                ("kill connector-a", MarkKind::Fault),
                ("connector-a DOWN", MarkKind::ProxyDown),
                ("connector-a UP", MarkKind::ProxyUp),
                ("drain", MarkKind::Phase),
            ]
        );
        assert!((marks[2].at - 9.7).abs() < 1e-9);
        assert_eq!(steady_span(&marks, 40.0), Some((3.0, 33.0)));
        assert_eq!(steady_span(&marks[..4], 40.0), Some((3.0, 40.0)));
        assert_eq!(steady_span(&marks[1..], 40.0), None);
    }
}
