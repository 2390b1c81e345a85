//! The capacity page from a hand-built search: its curves must keep their step points, the
//! latency limit and the capacity found.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::super::report::{CapacityReport, Dimension, Row, StepRecord};
use super::super::search::{Outcome, Stop};
use harness::runner::session::Window;
use scenario::capacity::Variant;

const SCENARIO: &str = r#"
[run]
deployment = "direct"
steady = "4s"
[crm]
agents = 6
[thresholds]
max_request_p99_ms = 250.0
max_lost_calls = 0
"#;

fn step(load: f64, passed: bool, p99: f64) -> StepRecord {
    StepRecord {
        load,
        passed,
        reasons: if passed {
            Vec::new()
        } else {
            vec![format!("request p99 ms {p99:.2} > 250")]
        },
        repeated: false,
        window: Some(Window {
            rate: load,
            duration_s: 4.0,
            achieved_rate: load,
            offered: (load * 4.0) as u64,
            completed: (load * 4.0) as u64,
            lost: 0,
            failures: 0,
            messages: 0,
            error_rate: 0.0,
            late_arrivals: 0,
            request_p99_ms: Some(p99),
            event_p99_ms: Some(p99 / 2.0),
            full_handshakes_per_s: 0.0,
            resumed_handshakes_per_s: 0.0,
            cpu: harness::outcome::CpuUse {
                wall_s: 4.0,
                cpu_s: None,
                utilisation: Some(0.5),
            },
        }),
    }
}

fn report(thresholds: &str) -> CapacityReport {
    let text = SCENARIO.replace("max_request_p99_ms = 250.0\n", thresholds);
    let loaded = scenario::parse(Path::new("limit.toml"), &text).unwrap();
    let steps = vec![
        step(2.0, true, 3.0),
        step(4.0, true, 4.0),
        step(8.0, false, 900.0),
        step(6.0, true, 12.0),
        step(7.0, false, 400.0),
    ];
    let outcome = Outcome {
        capacity: Some(6.0),
        first_failure: Some(7.0),
        steps: Vec::new(),
        stopped: Stop::Precise,
    };
    let row = Row {
        deployment: "direct".to_owned(),
        variant: Variant {
            name: "plain".to_owned(),
            tls: false,
            requests: transport::ConnectionMode::KeepAlive,
            events: transport::ConnectionMode::KeepAlive,
            key: None,
        },
        call_rate: Some(Dimension::new(6.0, outcome, steps)),
        agents: None,
    };
    CapacityReport::new(
        &loaded,
        SystemTime::UNIX_EPOCH,
        Duration::from_secs(60),
        vec![row],
        Vec::new(),
    )
}

#[test]
fn the_curves_show_each_step_the_limit_and_the_capacity() {
    let html = report("max_request_p99_ms = 250.0\n").render_html();
    // Three curves (request p99, event p99, calls completed), each with every step.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3, "{html}");
    assert_eq!(html.matches("class=\"step pass\"").count(), 9, "{html}");
    assert_eq!(html.matches("class=\"step fail\"").count(), 6, "{html}");
    // The request limit on the request curve only: the scenario sets no event limit.
    assert_eq!(html.matches("class=\"limit\"").count(), 1, "{html}");
    assert!(html.contains(">request p99 limit 250 ms</text>"), "{html}");
    assert_eq!(html.matches("class=\"mark capacity\"").count(), 3, "{html}");
    assert!(html.contains(">direct / plain: 6 calls/s</text>"), "{html}");
    assert!(!html.contains("sets no latency limit"), "{html}");
}

#[test]
fn without_a_latency_limit_the_page_says_so() {
    let html = report("").render_html();
    assert!(!html.contains("class=\"limit\""), "{html}");
    assert!(html.contains("sets no latency limit"), "{html}");
    assert!(html.contains("class=\"mark capacity\""), "{html}");
}
