//! A simulated connector side's live figures: calls by outcome, agents by work mode, requests
//! it answered, events it sent by outcome with their delivery latency, and TLS handshakes on
//! the requests hop (this side as server).

use exposition::Families;
use ici::Operation;
use sim_connector::Connector;
use stats::Outcome;
use transport::LinkSnapshot;

use super::of;

/// Adds one running connector side's families to `out` (a served side's tick, or the run loop).
/// Adds one running connector side's families to `out` (a served side's tick, or the run loop).
pub fn connector(out: &mut Families, c: &Connector) {
    let name = c.name();
    let k = c.counters();
    for (outcome, n) in [
        ("offered", k.offered),
        ("answered", k.answered),
        ("completed", k.completed),
        ("transferred", k.transferred),
        ("abandoned", k.abandoned),
        ("dropped", k.dropped),
        ("ring_no_answer", k.ring_no_answer),
        ("outbound", k.outbound),
    ] {
        out.counter(
            "crmsim_calls",
            "Calls at a connector side, by what happened to them (a call counts once per stage it reached).",
            &[("component", name), ("outcome", outcome)],
            n,
        );
    }
    for (operation, n) in &k.requests {
        out.counter(
            "crmsim_connector_requests",
            "ICI requests a connector side received, by operation.",
            &[("component", name), ("operation", operation)],
            *n,
        );
    }
    for (code, n) in &k.faults {
        out.counter(
            "crmsim_connector_faults",
            "SOAP faults a connector side answered with, by ICI error code.",
            &[("component", name), ("code", code)],
            *n,
        );
    }
    let m = c.metrics();
    for op in Operation::ALL.into_iter().filter(|op| op.is_event()) {
        let row = m.event_outcomes.row(op.index());
        for (outcome, n) in Outcome::ALL.into_iter().zip(row) {
            out.counter(
                "crmsim_events_sent",
                "Events a connector side sent, by event and outcome (ok: acknowledged, fault: refused, error: given up).",
                &[
                    ("component", name),
                    ("event", op.key()),
                    ("outcome", outcome.as_str()),
                ],
                n,
            );
        }
    }
    for key in m.latency.keys() {
        let Some(op) = Operation::from_key(&key).filter(|op| op.is_event()) else {
            continue;
        };
        if let Some(h) = m.latency.histogram(&key, None) {
            out.histogram_micros(
                "crmsim_event_delivery_duration",
                "Event latency at the connector, from the state change to the CRM's acknowledgement.",
                &[("component", name), ("event", op.key())],
                &h,
            );
        }
    }
    out.counter(
        "crmsim_late_arrivals",
        "Calls offered later than the tolerance after their schedule (the generator fell behind).",
        &of(name),
        c.metrics().late_arrivals(),
    );
    let g = c.acd_gauges();
    for (mode, n) in g.agents_by_mode {
        if mode == ici::WorkMode::LoggedOff {
            continue;
        }
        out.gauge(
            "crmsim_agents",
            "Agents logged on at a connector side, by work mode.",
            &[("component", name), ("state", mode.as_str())],
            n as f64,
        );
    }
    out.gauge(
        "crmsim_calls_queued",
        "Calls waiting in a connector side's queue for a ready agent.",
        &of(name),
        g.queued as f64,
    );
    out.gauge(
        "crmsim_calls_active",
        "Calls not yet ended at a connector side (queued, alerting, connected, held).",
        &of(name),
        g.active_calls as f64,
    );
    handshakes(out, name, "crm->connector", &c.server_link());
}

/// TLS handshakes and connections seen by a component as the server end of `hop`.
pub(super) fn handshakes(out: &mut Families, component: &str, hop: &str, link: &LinkSnapshot) {
    for (result, n) in [
        ("full", link.handshakes_full),
        ("resumed", link.handshakes_resumed),
        ("failed", link.handshake_failures),
    ] {
        out.counter(
            "crmsim_tls_handshakes",
            "TLS handshakes on a hop, seen from its server end: full, resumed (session tickets or ids), failed.",
            &[("component", component), ("hop", hop), ("result", result)],
            n,
        );
    }
    out.counter(
        "crmsim_connections_accepted",
        "Connections a component accepted on a hop.",
        &[("component", component), ("hop", hop)],
        link.connections,
    );
}
