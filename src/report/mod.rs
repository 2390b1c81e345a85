//! The run report: assembled from every component's own account, judged by invariants and
//! thresholds, written as JSON and shown as a terminal summary.

pub mod charts;
mod checks;
pub mod escape;
pub mod html;
pub mod junit;
mod model;
pub mod output;
pub mod schema;
mod summary;
mod timecharts;
pub mod windows;
pub use output::write_file;

use std::collections::BTreeMap;

use transport::LinkSnapshot;

pub use checks::judges_latency;
pub use model::{
    Aborted, AgentsReport, CallsReport, Check, Components, DialectInfo, DialectsReport, EventPath,
    Handshakes, LogonReport, MessagesReport, Report, SteadyReport, Verdict,
};
pub use summary::render as render_summary;

use crate::outcome::RunOutcome;
use scenario::{LoadedScenario, Logon};

/// Builds the report and its verdict.
pub fn assemble(loaded: &LoadedScenario, outcome: RunOutcome) -> Report {
    let s = &loaded.scenario;
    let RunOutcome {
        started_at,
        elapsed,
        log,
        crms,
        connectors,
        latency,
        timeline,
        timeline_by_side,
        setup_warnings,
        center,
        failover,
        network,
        harness,
    } = outcome;
    let mut calls = CallsReport {
        offered: center.generated,
        unrouted: center.abandoned,
        lost: center.abandoned,
        late_arrivals: center.late,
        ..CallsReport::default()
    };
    let mut messages = MessagesReport::default();
    let mut errors: Vec<stats::ErrorEntry> = setup_warnings
        .into_iter()
        .map(|w| stats::ErrorEntry {
            kind: "setup".to_owned(),
            count: 1,
            first: w,
        })
        .collect();
    let mut requests_hop = LinkSnapshot::default();
    let mut events_hop = LinkSnapshot::default();
    for c in &connectors {
        let k = &c.acd.counters;
        calls.answered += k.answered;
        calls.completed += k.completed;
        calls.transferred += k.transferred;
        calls.abandoned += k.abandoned;
        calls.dropped += k.dropped;
        calls.lost += k.lost();
        calls.ring_no_answer += k.ring_no_answer;
        calls.outbound += k.outbound;
        calls.late_arrivals += c.late_arrivals;
        messages.events_failed += c.events.failed;
        messages.events_refused += c.events.refused;
        requests_hop.merge(&c.requests_link);
        errors.extend(c.errors.iter().cloned().map(|mut e| {
            e.kind = format!("{}: {}", c.name, e.kind);
            e
        }));
    }
    let mut agents = AgentsReport {
        configured: 0,
        logged_in: log.logged_on_after_logon,
        logons: 0,
        relogons: 0,
        logon_phase_s: log.logon_s,
        logon: LogonReport {
            mode: match s.run.logon {
                Logon::Storm(_) => "storm",
                Logon::Rate(_) => "ramp",
            },
            target_per_s: match s.run.logon {
                Logon::Storm(_) => None,
                Logon::Rate(r) => Some(r),
            },
            achieved_per_s: log.logged_on_after_logon as f64 / log.logon_s.max(f64::EPSILON),
            complete: log.all_logged_on,
            latency_ms: latency.phase_summaries("logon"),
        },
    };
    for crm in &crms {
        agents.configured += crm.agents as u64;
        agents.logons += crm.counts.logons;
        agents.relogons += crm.counts.relogons;
        messages.requests += crm.counts.requests;
        messages.events += crm.counts.events;
        messages.faults += crm.counts.faults;
        messages.request_errors += crm.counts.request_errors;
        events_hop.merge(&crm.events_link);
        errors.extend(crm.errors.iter().cloned().map(|mut e| {
            e.kind = format!("{}: {}", crm.name, e.kind);
            e
        }));
    }
    let tls_handshakes = Handshakes {
        full: requests_hop.handshakes_full + events_hop.handshakes_full,
        resumed: requests_hop.handshakes_resumed + events_hop.handshakes_resumed,
        failed: requests_hop.handshake_failures + events_hop.handshake_failures,
    };
    let steady_s = log.steady_s.max(f64::EPSILON);
    let steady = SteadyReport {
        duration_s: log.steady_s,
        target_calls_per_s: s.calls.rate,
        calls_offered: log.steady_offered,
        calls_per_s: log.steady_offered as f64 / steady_s,
        requests_per_s: log.steady_requests as f64 / steady_s,
        events_per_s: log.steady_events as f64 / steady_s,
        latency_ms: latency.phase_summaries("steady"),
        windows: windows::reports(&log.windows),
    };
    let hops = BTreeMap::from([
        ("crm->connector".to_owned(), requests_hop),
        ("connector->crm".to_owned(), events_hop.clone()),
    ]);
    let event_path = event_path(&network, &events_hop, messages.events);
    let invariants = checks::invariants(s, &log, &center, &crms, &connectors);
    let mut thresholds = checks::thresholds(s, &steady, &calls, &messages, &latency);
    thresholds.extend(checks::logon_thresholds(s, &agents));
    thresholds.extend(checks::failover_thresholds(s, &failover, &connectors));
    thresholds.extend(windows::checks(&s.thresholds, &steady.windows));
    let aborted = log.aborted.as_ref().map(|(at_s, reason)| Aborted {
        at_s: *at_s,
        reason: reason.clone(),
    });
    if let Some(a) = &aborted {
        // The broken threshold fails on its own at the end; this says why the run was short.
        thresholds.push(Check {
            name: "run not aborted (run.abort_on_fail)".to_owned(),
            ok: false,
            detail: format!("the steady phase ended at {:.1}s: {}", a.at_s, a.reason),
            limit: None,
            value: Some(a.at_s),
        });
    }
    let verdict = if invariants.iter().chain(&thresholds).all(|c| c.ok) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Report {
        report_version: schema::REPORT_VERSION,
        crmsim_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: loaded.name.clone(),
        file: loaded.path.display().to_string(),
        overrides: loaded.overrides.clone(),
        verdict,
        aborted,
        deployment: s.run.deployment.as_str().to_owned(),
        tls: s.tls.enabled,
        dialects: DialectsReport {
            crm: DialectInfo::of(&s.dialects.crm),
            connector: DialectInfo::of(&s.dialects.connector),
        },
        started_at: humantime::format_rfc3339_millis(started_at).to_string(),
        duration_s: elapsed.as_secs_f64(),
        agents,
        calls,
        messages,
        latency_ms: latency.summaries(),
        steady,
        tls_handshakes,
        hops,
        invariants,
        thresholds,
        errors,
        timeline: timeline.snapshot(),
        markers: timeline.markers(),
        timeline_by_side,
        failover,
        network,
        event_path,
        harness,
        components: Components { crms, connectors },
    }
}

/// Which way events went, proven by counters: a static route that carried them, or no route at
/// all (so the connectors' event connections reached the CRM without the proxy).
fn event_path(
    network: &crate::topology::NetworkReport,
    events_hop: &LinkSnapshot,
    events: u64,
) -> EventPath {
    let routes = network
        .proxy
        .as_ref()
        .map(|p| p.routes.as_slice())
        .unwrap_or_default();
    let route_connections = routes.iter().map(|r| r.connections).sum();
    let route_bytes_to_crm = routes.iter().map(|r| r.bytes_in).sum();
    let (path, explanation) = if routes.is_empty() {
        (
            "direct",
            format!(
                "no route through the proxy leads to the CRM's event port; the CRM accepted {} event connections and received {events} events straight from the connector side(s)",
                events_hop.connections
            ),
        )
    } else {
        (
            "static-route",
            format!(
                "the proxy's static route carried {route_connections} connections and {route_bytes_to_crm} bytes from the connector side(s) to the CRM, which received {events} events"
            ),
        )
    };
    EventPath {
        path,
        crm_connections: events_hop.connections,
        events_received: events,
        route_connections,
        route_bytes_to_crm,
        explanation,
    }
}

/// The logon phase in a line: how it was asked, what it achieved, what a logon cost.
pub fn logon_line(l: &LogonReport) -> String {
    let asked = match l.target_per_s {
        Some(rate) => format!("ramp at {rate} agents/s"),
        None => "storm (all at once)".to_owned(),
    };
    let cost = match l.latency_ms.get(ici::Operation::Logon.key()) {
        Some(s) => format!(
            ", user.logon p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            s.p50, s.p99, s.max
        ),
        None => String::new(),
    };
    format!(
        "{asked}: {:.0} agents/s achieved{}{cost}",
        l.achieved_per_s,
        if l.complete { "" } else { ", not every agent" }
    )
}
