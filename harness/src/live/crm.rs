//! A simulated SAP CRM's live figures: requests by operation and outcome with their latency,
//! events received, agents logged on, TLS handshakes on the events hop (this CRM as server).

use exposition::Families;
use ici::Operation;
use sim_crm::Crm;
use stats::Outcome;

use super::of;

/// Adds one running CRM's families to `out` (a served CRM's tick, or the run loop).
/// Adds one running CRM's families to `out` (a served CRM's tick, or the run loop).
pub fn crm(out: &mut Families, crm: &Crm) {
    let name = crm.name();
    let m = crm.metrics();
    for op in Operation::ALL.into_iter().filter(|op| !op.is_event()) {
        let row = m.outcomes.row(op.index());
        for (outcome, n) in Outcome::ALL.into_iter().zip(row) {
            out.counter(
                "crmsim_requests",
                "ICI requests the CRM sent, by operation and how they ended (ok, fault, error).",
                &[
                    ("component", name),
                    ("operation", op.key()),
                    ("outcome", outcome.as_str()),
                ],
                n,
            );
        }
    }
    for key in m.latency.keys() {
        let Some(op) = Operation::from_key(&key).filter(|op| !op.is_event()) else {
            continue;
        };
        if let Some(h) = m.latency.histogram(&key, None) {
            out.histogram_micros(
                "crmsim_request_duration",
                "ICI request latency at the CRM, from the intended start to the answer (ok or fault).",
                &[("component", name), ("operation", op.key())],
                &h,
            );
        }
    }
    let c = m.counters.snapshot();
    for (result, n) in [
        ("acknowledged", c.events),
        ("refused", c.events_refused),
        ("duplicate", c.duplicate_events),
        ("stale", c.stale_events),
    ] {
        out.counter(
            "crmsim_events_received",
            "Events the CRM received, by what it did with them.",
            &[("component", name), ("result", result)],
            n,
        );
    }
    for (anomaly, n) in [
        ("sequence_gap", c.sequence_gaps),
        ("out_of_order", c.out_of_order),
        ("unnumbered", c.unnumbered_events),
    ] {
        out.counter(
            "crmsim_event_order_anomalies",
            "Events whose sequence number skipped ahead (lost events), went back, or was missing.",
            &[("component", name), ("anomaly", anomaly)],
            n,
        );
    }
    out.counter(
        "crmsim_agent_logons",
        "Complete agent logon sequences (logon, subscriptions, ready).",
        &of(name),
        c.logons,
    );
    out.counter(
        "crmsim_agent_relogons",
        "Logon sequences started again after the connector lost the agent's session.",
        &of(name),
        c.relogons,
    );
    out.gauge(
        "crmsim_agents_logged_on",
        "Agents of this CRM whose logon completed and whose session is alive.",
        &of(name),
        m.logged_on() as f64,
    );
    out.gauge(
        "crmsim_requests_in_flight",
        "Requests sent and not yet answered.",
        &of(name),
        m.in_flight() as f64,
    );
    super::connector::handshakes(out, name, "connector->crm", &crm.server_link());
}
