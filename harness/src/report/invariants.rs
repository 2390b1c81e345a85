//! Invariants: what must hold in every run, however fast it was. Every call offered ended on
//! both sides, every event sent was received in order, every request was answered. A run that
//! breaks one is wrong, whatever its thresholds say. Each invariant is one function, so its
//! check and its detail are read together.

use std::collections::HashSet;

use sim_connector::ConnectorReport;
use sim_crm::CrmReport;

use super::checks::{check, sample};
use super::model::Check;
use crate::outcome::{CenterCounts, PhaseLog};
use scenario::Scenario;

/// Every invariant of the run, judged from the components' own reports.
pub fn invariants(
    s: &Scenario,
    log: &PhaseLog,
    center: &CenterCounts,
    crms: &[CrmReport],
    connectors: &[ConnectorReport],
) -> Vec<Check> {
    let mut out = vec![
        logged_on(s, log),
        calls_ended_on_connectors(connectors),
        calls_ended_on_crms(crms, connectors),
        calls_accounted_for(center, connectors),
        events_received(crms, connectors),
        events_in_order(crms, connectors),
        requests_answered(crms),
        check(
            "drained",
            log.drained,
            format!(
                "calls and events settled {:.1}s after arrivals stopped",
                log.drain_s
            ),
        ),
    ];
    if s.run.logoff {
        let left: u64 = crms.iter().map(|c| c.logged_on).sum();
        out.push(check(
            "all agents logged off",
            log.logged_off && left == 0,
            format!("{left} agents still logged on at the end"),
        ));
    }
    out
}

fn logged_on(s: &Scenario, log: &PhaseLog) -> Check {
    let agents = (s.crm.agents * s.crm.instances) as u64;
    check(
        "all agents logged on",
        log.all_logged_on,
        format!(
            "{}/{agents} logged on after {:.1}s (timeout {})",
            log.logged_on_after_logon,
            log.logon_s,
            scenario::show_duration(s.run.logon_timeout)
        ),
    )
}

fn calls_ended_on_connectors(connectors: &[ConnectorReport]) -> Check {
    let open: Vec<&String> = connectors
        .iter()
        .flat_map(|c| &c.acd.active_calls)
        .collect();
    check(
        "every call ended on the connector",
        open.is_empty(),
        if open.is_empty() {
            "no active call left after the drain".to_owned()
        } else {
            format!("{} calls still active: {}", open.len(), sample(&open))
        },
    )
}

/// A killed side cannot tell the CRM that its calls ended; those calls are accounted for by
/// the side's own report (dropped, with the kill as reason).
fn calls_ended_on_crms(crms: &[CrmReport], connectors: &[ConnectorReport]) -> Check {
    let died: HashSet<&String> = connectors
        .iter()
        .filter_map(|c| c.killed.as_ref())
        .flat_map(|k| &k.dropped_calls)
        .collect();
    let (with_dead, open): (Vec<&String>, Vec<&String>) = crms
        .iter()
        .flat_map(|c| &c.calls.open)
        .partition(|id| died.contains(id));
    let seen: u64 = crms.iter().map(|c| c.calls.seen).sum();
    let dead_note = if with_dead.is_empty() {
        String::new()
    } else {
        format!(
            "; {} more died with a killed side and are accounted for there",
            with_dead.len()
        )
    };
    check(
        "every call ended on the CRM",
        open.is_empty(),
        if open.is_empty() {
            format!("{seen} calls seen, all in a terminal state{dead_note}")
        } else {
            format!(
                "{} calls without a final event: {}{dead_note}",
                open.len(),
                sample(&open)
            )
        },
    )
}

/// Every call that arrived was routed, abandoned or is accounted as waiting, and every call a
/// side took or placed ended one way or another.
fn calls_accounted_for(center: &CenterCounts, connectors: &[ConnectorReport]) -> Check {
    let (mut taken, mut placed, mut ended) = (0, 0, 0);
    for c in connectors {
        let k = &c.acd.counters;
        taken += k.offered;
        placed += k.outbound;
        ended += k.completed + k.transferred + k.abandoned + k.dropped;
    }
    let routed_ok = center.generated == center.routed + center.abandoned + center.waiting
        && center.routed == taken
        && center.waiting == 0;
    check(
        "every call accounted for",
        routed_ok && taken + placed == ended,
        format!(
            "{} arrived: {} routed to a connector side, {} abandoned waiting for one, {} still waiting; sides took {taken} and placed {placed}, {ended} ended (completed, transferred, abandoned or dropped)",
            center.generated, center.routed, center.abandoned, center.waiting
        ),
    )
}

fn events_received(crms: &[CrmReport], connectors: &[ConnectorReport]) -> Check {
    let delivered: u64 = connectors.iter().map(|c| c.events.delivered).sum();
    let received: u64 = crms.iter().map(|c| c.counts.events).sum();
    // Events a killed side had sent but not seen acknowledged may have arrived: allow for them.
    let died_in_flight: u64 = connectors
        .iter()
        .filter_map(|c| c.killed.as_ref())
        .map(|k| k.events_lost)
        .sum();
    // And an event retried after its acknowledgement was lost arrives twice.
    let duplicates: u64 = crms.iter().map(|c| c.counts.duplicate_events).sum();
    let mut detail = format!("connector(s) delivered {delivered}, CRM(s) received {received}");
    if died_in_flight > 0 {
        detail += &format!("; {died_in_flight} were in flight when a side was killed");
    }
    if duplicates > 0 {
        detail += &format!("; {duplicates} arrived twice (retried)");
    }
    check(
        "events sent == events received",
        received >= delivered && received <= delivered + died_in_flight + duplicates,
        detail,
    )
}

fn events_in_order(crms: &[CrmReport], connectors: &[ConnectorReport]) -> Check {
    let failed: u64 = connectors
        .iter()
        .map(|c| c.events.failed + c.events.refused)
        .sum();
    let gaps: u64 = crms
        .iter()
        .map(|c| c.counts.sequence_gaps + c.counts.out_of_order)
        .sum();
    let unnumbered: u64 = crms.iter().map(|c| c.counts.unnumbered_events).sum();
    let mut detail =
        format!("{failed} events failed or refused, {gaps} sequence gaps or reorderings");
    if unnumbered > 0 {
        // Loss is still proven by the counts above (sent == received); order is not.
        detail.push_str(&format!(
            "; {unnumbered} events carried no sequence number (their dialect has none), so their order was not checked"
        ));
    }
    check(
        "no event lost or out of order",
        failed == 0 && gaps == 0,
        detail,
    )
}

fn requests_answered(crms: &[CrmReport]) -> Check {
    let in_flight: i64 = crms.iter().map(|c| c.in_flight).sum();
    let requests: u64 = crms.iter().map(|c| c.counts.requests).sum();
    let answered: u64 = crms
        .iter()
        .map(|c| c.counts.responses + c.counts.faults)
        .sum();
    let errors: u64 = crms.iter().map(|c| c.counts.request_errors).sum();
    check(
        "every request answered",
        in_flight == 0 && requests == answered + errors,
        format!("{requests} sent, {answered} answered, {errors} failed, {in_flight} still pending"),
    )
}
