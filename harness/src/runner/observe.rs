//! Reading a running deployment: live figures, totals, and whether it has settled.

use sim_connector::Connector;

use super::progress::Live;
use crate::topology::Topology;
use crate::topology::contact_center::ContactCenter;

pub fn logged_on(t: &Topology) -> u64 {
    t.crms().map(|c| c.metrics().logged_on()).sum()
}

/// Nothing in flight: no active call, no undelivered event, no unanswered request.
pub fn is_quiet(t: &Topology) -> bool {
    t.connectors().all(Connector::is_idle) && t.crms().all(|c| c.metrics().in_flight() == 0)
}

/// Counters that phases and windows difference.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub offered: u64,
    pub requests: u64,
    pub events: u64,
    pub completed: u64,
    /// Abandoned (in a queue or waiting for a side) plus dropped.
    pub lost: u64,
    /// Requests without an answer, faults, failed or refused events.
    pub failures: u64,
    pub late: u64,
    /// TLS handshakes the servers of both directions completed.
    pub handshakes_full: u64,
    pub handshakes_resumed: u64,
}

pub fn totals(t: &Topology, center: &ContactCenter) -> Totals {
    let cc = center.stats.counts();
    let mut totals = Totals {
        offered: cc.generated,
        lost: cc.abandoned,
        late: cc.late,
        ..Totals::default()
    };
    for c in t.connectors() {
        let k = c.counters();
        totals.completed += k.completed + k.transferred;
        totals.lost += k.lost();
        let e = c.metrics().events();
        totals.failures += e.failed + e.refused;
        let link = c.server_link();
        totals.handshakes_full += link.handshakes_full;
        totals.handshakes_resumed += link.handshakes_resumed;
    }
    for crm in t.crms() {
        let counts = crm.metrics().counters.snapshot();
        totals.requests += counts.requests;
        totals.events += counts.events;
        totals.failures += counts.request_errors + counts.faults;
        let link = crm.server_link();
        totals.handshakes_full += link.handshakes_full;
        totals.handshakes_resumed += link.handshakes_resumed;
    }
    // Killed instances: what they did before they died still happened (the summary counts it,
    // so the live figures must too, or a kill makes completed and lost calls go down).
    for r in t.past_connectors() {
        let k = &r.acd.counters;
        totals.completed += k.completed + k.transferred;
        totals.lost += k.lost();
        totals.failures += r.events.failed + r.events.refused;
        totals.handshakes_full += r.requests_link.handshakes_full;
        totals.handshakes_resumed += r.requests_link.handshakes_resumed;
    }
    for r in t.past_crms() {
        totals.requests += r.counts.requests;
        totals.events += r.counts.events;
        totals.failures += r.counts.request_errors + r.counts.faults;
        totals.handshakes_full += r.events_link.handshakes_full;
        totals.handshakes_resumed += r.events_link.handshakes_resumed;
    }
    totals
}

impl Totals {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Totals) -> Totals {
        Totals {
            offered: self.offered.saturating_sub(before.offered),
            requests: self.requests.saturating_sub(before.requests),
            events: self.events.saturating_sub(before.events),
            completed: self.completed.saturating_sub(before.completed),
            lost: self.lost.saturating_sub(before.lost),
            failures: self.failures.saturating_sub(before.failures),
            late: self.late.saturating_sub(before.late),
            handshakes_full: self.handshakes_full.saturating_sub(before.handshakes_full),
            handshakes_resumed: self
                .handshakes_resumed
                .saturating_sub(before.handshakes_resumed),
        }
    }
}

pub fn live(t: &Topology, center: &ContactCenter) -> Live {
    let cc = center.stats.counts();
    let mut live = Live {
        offered: cc.generated,
        lost: cc.abandoned,
        active_calls: cc.waiting,
        ..Live::default()
    };
    for c in t.connectors() {
        let counters = c.counters();
        live.completed += counters.completed + counters.transferred;
        live.lost += counters.lost();
        live.active_calls += counters
            .offered
            .saturating_sub(counters.completed + counters.transferred + counters.lost());
        live.errors += c.metrics().errors.total();
    }
    for crm in t.crms() {
        let counts = crm.metrics().counters.snapshot();
        live.logged_on += crm.metrics().logged_on();
        live.agents += crm.agents() as u64;
        live.requests += counts.requests;
        live.events += counts.events;
        live.errors += crm.metrics().errors.total();
    }
    let error_count = |errors: &[stats::ErrorEntry]| errors.iter().map(|e| e.count).sum::<u64>();
    for r in t.past_connectors() {
        let k = &r.acd.counters;
        live.completed += k.completed + k.transferred;
        live.lost += k.lost();
        live.errors += error_count(&r.errors);
    }
    for r in t.past_crms() {
        live.requests += r.counts.requests;
        live.events += r.counts.events;
        live.errors += error_count(&r.errors);
    }
    live
}
