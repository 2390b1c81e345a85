//! The report assembled from a run's outcome: the components' counts added up, the phases'
//! figures, the invariants and thresholds judged, the verdict.

use std::collections::BTreeMap;

use sim_connector::ConnectorReport;
use sim_crm::CrmReport;
use stats::LatencyBook;
use transport::LinkSnapshot;

use super::model::{
    Aborted, AgentsReport, CallsReport, Check, Components, DialectInfo, DialectsReport, EventPath,
    Handshakes, LogonReport, MessagesReport, Report, SteadyReport, Verdict,
};
use super::{checks, invariants, schema, windows};
use crate::outcome::{CenterCounts, PhaseLog, RunOutcome};
use crate::topology::NetworkReport;
use scenario::{LoadedScenario, Logon, Scenario};

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
    let Tally {
        calls,
        messages,
        errors,
        requests_hop,
        events_hop,
    } = Tally::of(&center, setup_warnings, &connectors, &crms);
    let agents = agents(s, &log, &latency, &crms);
    let steady = steady(s, &log, &latency);
    let tls_handshakes = Handshakes {
        full: requests_hop.handshakes_full + events_hop.handshakes_full,
        resumed: requests_hop.handshakes_resumed + events_hop.handshakes_resumed,
        failed: requests_hop.handshake_failures + events_hop.handshake_failures,
    };
    let event_path = event_path(&network, &events_hop, messages.events);
    let hops = BTreeMap::from([
        ("crm->connector".to_owned(), requests_hop),
        ("connector->crm".to_owned(), events_hop),
    ]);
    let invariants = invariants::invariants(s, &log, &center, &crms, &connectors);
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

/// The components' counts added up: each side's calls and events, each CRM's messages, both
/// hops' connections, and every error named after the component that met it.
struct Tally {
    calls: CallsReport,
    messages: MessagesReport,
    errors: Vec<stats::ErrorEntry>,
    requests_hop: LinkSnapshot,
    events_hop: LinkSnapshot,
}

impl Tally {
    fn of(
        center: &CenterCounts,
        setup_warnings: Vec<String>,
        connectors: &[ConnectorReport],
        crms: &[CrmReport],
    ) -> Tally {
        let mut t = Tally {
            calls: CallsReport {
                offered: center.generated,
                unrouted: center.abandoned,
                lost: center.abandoned,
                late_arrivals: center.late,
                ..CallsReport::default()
            },
            messages: MessagesReport::default(),
            errors: setup_warnings
                .into_iter()
                .map(|w| stats::ErrorEntry {
                    kind: "setup".to_owned(),
                    count: 1,
                    first: w,
                })
                .collect(),
            requests_hop: LinkSnapshot::default(),
            events_hop: LinkSnapshot::default(),
        };
        for c in connectors {
            t.add_connector(c);
        }
        for crm in crms {
            t.add_crm(crm);
        }
        t
    }

    fn add_connector(&mut self, c: &ConnectorReport) {
        let (calls, k) = (&mut self.calls, &c.acd.counters);
        calls.answered += k.answered;
        calls.completed += k.completed;
        calls.transferred += k.transferred;
        calls.abandoned += k.abandoned;
        calls.dropped += k.dropped;
        calls.lost += k.lost();
        calls.ring_no_answer += k.ring_no_answer;
        calls.outbound += k.outbound;
        calls.late_arrivals += c.late_arrivals;
        self.messages.events_failed += c.events.failed;
        self.messages.events_refused += c.events.refused;
        self.requests_hop.merge(&c.requests_link);
        self.errors.extend(named(&c.name, &c.errors));
    }

    fn add_crm(&mut self, crm: &CrmReport) {
        let m = &mut self.messages;
        m.requests += crm.counts.requests;
        m.events += crm.counts.events;
        m.faults += crm.counts.faults;
        m.request_errors += crm.counts.request_errors;
        self.events_hop.merge(&crm.events_link);
        self.errors.extend(named(&crm.name, &crm.errors));
    }
}

fn named<'a>(
    component: &'a str,
    errors: &'a [stats::ErrorEntry],
) -> impl Iterator<Item = stats::ErrorEntry> + 'a {
    errors.iter().cloned().map(move |mut e| {
        e.kind = format!("{component}: {}", e.kind);
        e
    })
}

/// The agents: how many were configured and logged on, and how the logon phase went.
fn agents(s: &Scenario, log: &PhaseLog, latency: &LatencyBook, crms: &[CrmReport]) -> AgentsReport {
    AgentsReport {
        configured: crms.iter().map(|c| c.agents as u64).sum(),
        logged_in: log.logged_on_after_logon,
        logons: crms.iter().map(|c| c.counts.logons).sum(),
        relogons: crms.iter().map(|c| c.counts.relogons).sum(),
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
    }
}

/// The steady phase: its rates and latencies, and its windows.
fn steady(s: &Scenario, log: &PhaseLog, latency: &LatencyBook) -> SteadyReport {
    let steady_s = log.steady_s.max(f64::EPSILON);
    SteadyReport {
        duration_s: log.steady_s,
        target_calls_per_s: s.calls.rate,
        calls_offered: log.steady_offered,
        calls_per_s: log.steady_offered as f64 / steady_s,
        requests_per_s: log.steady_requests as f64 / steady_s,
        events_per_s: log.steady_events as f64 / steady_s,
        latency_ms: latency.phase_summaries("steady"),
        windows: windows::reports(&log.windows),
    }
}

/// Which way events went, proven by counters: a static route that carried them, or no route at
/// all (so the connectors' event connections reached the CRM without the proxy).
fn event_path(network: &NetworkReport, events_hop: &LinkSnapshot, events: u64) -> EventPath {
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
