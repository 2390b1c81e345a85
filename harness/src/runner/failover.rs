//! What each fault cost, read off what the components recorded as it happened: when the proxy
//! noticed, how long requests went unanswered, how many failed, how long until every agent was
//! logged on again, what calls and events were lost on the way.
//!
//! Nothing here is inferred from the scenario: every figure comes from a timestamp a component
//! took (the proxy's state changes, the CRM's reachability and full-strength flips, its failed
//! requests, the killed side's own account).

use std::collections::BTreeMap;
use std::time::Instant;

use crate::outcome::{FailoverRecord, PhaseLog};
use crate::topology::Topology;
use scenario::FaultAction;

/// Measures every applied fault step (undo steps are part of their fault).
pub fn measure(
    log: &PhaseLog,
    topology: &Topology,
    started: Instant,
    end: Instant,
) -> Vec<FailoverRecord> {
    let mut records = Vec::new();
    for (at, due, result) in &log.faults {
        if due.undo {
            continue;
        }
        let action = due.spec.action;
        let target = due.spec.target.clone();
        let kind = match action {
            FaultAction::Kill | FaultAction::Pause | FaultAction::Blackhole => "failover",
            FaultAction::Restart | FaultAction::Resume => "failback",
            _ => "fault",
        };
        let mut record = FailoverRecord {
            fault: due.label(),
            kind,
            target: target.clone(),
            at_s: at.saturating_duration_since(started).as_secs_f64(),
            detection_ms: None,
            first_failure_ms: None,
            request_gap_ms: None,
            failed_requests: 0,
            relogon_ms: None,
            calls_dropped: BTreeMap::new(),
            events_lost: 0,
            applied: result.is_ok(),
            note: match result {
                Ok(done) => done.clone(),
                Err(why) => why.clone(),
            },
        };
        if result.is_err() {
            records.push(record);
            continue;
        }
        let server = side_of(&target);
        if let Some(server) = &server {
            let wanted_up = kind == "failback";
            record.detection_ms = topology
                .state_changes()
                .into_iter()
                .filter(|c| c.server == *server && c.at_instant >= *at && c.to_up == wanted_up)
                .map(|c| ms(c.at_instant.duration_since(*at)))
                .next();
        }
        // The request gap: earliest failure after the fault on any CRM, then the first answer
        // after that failure on the same CRM.
        let mut gap: Option<(Instant, Instant)> = None;
        for crm in topology.crms() {
            let m = crm.metrics();
            let Some(failed) = m.reachable.first_after(*at, false).filter(|f| *f <= end) else {
                continue;
            };
            let back = m.reachable.first_after(failed, true).unwrap_or(end);
            if gap.is_none_or(|(f, _)| failed < f) {
                gap = Some((failed, back));
            }
        }
        if let Some((failed, back)) = gap {
            record.first_failure_ms = Some(ms(failed.duration_since(*at)));
            record.request_gap_ms = Some(ms(back.duration_since(failed)));
            record.failed_requests = topology
                .crms()
                .map(|c| c.metrics().request_failures.count_between(*at, back))
                .sum();
        } else {
            record.request_gap_ms = Some(0.0);
        }
        // Re-logon: when the CRM stopped being at full strength after the fault, and when it
        // was back.
        let mut relogon = Some(0.0);
        for crm in topology.crms() {
            let m = crm.metrics();
            if let Some(lost) = m
                .full_strength
                .first_after(*at, false)
                .filter(|l| *l <= end)
            {
                relogon = match m
                    .full_strength
                    .first_after(lost, true)
                    .filter(|b| *b <= end)
                {
                    Some(back) => relogon.map(|r: f64| r.max(ms(back.duration_since(*at)))),
                    None => None,
                };
            }
        }
        record.relogon_ms = relogon;
        if action == FaultAction::Kill
            && let Some(killed) = topology.killed_report(&target, *at)
        {
            record.events_lost = killed.events_lost;
            record
                .calls_dropped
                .insert(killed.reason.clone(), killed.dropped_calls.len() as u64);
        }
        if kind == "failback" {
            for (reason, n) in topology.drop_reasons_containing("CRM session lost") {
                *record.calls_dropped.entry(reason).or_default() += n;
            }
        }
        records.push(record);
    }
    records
}

/// The connector side a target names: the component itself, or the server end of a proxy leg.
fn side_of(target: &str) -> Option<String> {
    let side = target.rsplit("->").next().unwrap_or(target);
    side.starts_with("connector").then(|| side.to_owned())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
