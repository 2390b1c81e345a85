//! The few lines a served component prints when it stops: enough to see at a glance whether the
//! peer and it got along; `--json` has the full account.

use std::fmt::Write;
use std::time::Duration;

use sim_connector::ConnectorReport;
use sim_crm::CrmReport;
use stats::ErrorEntry;
use transport::LinkSnapshot;

use super::StopReason;

/// The connector's account.
pub fn connector(r: &ConnectorReport, reason: StopReason, elapsed: Duration) -> String {
    let c = &r.acd.counters;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "connector {:?} stopped after {:.1}s ({reason})",
        r.name,
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  calls: {} offered, {} answered, {} completed, {} abandoned, {} dropped, {} still active",
        c.offered,
        c.answered,
        c.completed,
        c.abandoned,
        c.dropped,
        r.acd.active_calls.len()
    );
    let _ = writeln!(
        out,
        "  agents: {} logons, {} logoffs, {} logged on at stop",
        c.logons, c.logoffs, r.acd.logged_on
    );
    let e = &r.events;
    let _ = writeln!(
        out,
        "  events: {} delivered, {} failed, {} refused, {} retried",
        e.delivered, e.failed, e.refused, e.retried
    );
    let _ = writeln!(out, "  requests in: {}", link(&r.requests_link));
    let _ = writeln!(out, "  events out: {}", link(&r.events_link));
    errors(&mut out, &r.errors);
    out
}

/// The CRM's account.
pub fn crm(r: &CrmReport, reason: StopReason, elapsed: Duration, logged_off: bool) -> String {
    let c = &r.counts;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "crm {:?} stopped after {:.1}s ({reason}){}",
        r.name,
        elapsed.as_secs_f64(),
        if logged_off {
            ""
        } else {
            "; not every agent logged off in time"
        }
    );
    let _ = writeln!(
        out,
        "  agents: {} configured, {} logons, {} relogons, {} logged on at stop",
        r.agents, c.logons, c.relogons, r.logged_on
    );
    let _ = writeln!(
        out,
        "  requests: {} sent, {} answered, {} faults, {} errors",
        c.requests, c.responses, c.faults, c.request_errors
    );
    let _ = writeln!(
        out,
        "  events: {} received, {} refused, {} sequence gaps, {} out of order",
        c.events, c.events_refused, c.sequence_gaps, c.out_of_order
    );
    let _ = writeln!(
        out,
        "  calls: {} seen, {} ended, {} answered, {} hung up by agents, {} left open",
        r.calls.seen,
        r.calls.terminal,
        c.answered,
        c.hung_up,
        r.calls.open.len()
    );
    if !r.calls.open.is_empty() {
        // The CRM never saw these end: a connector that stopped first, or lost events.
        let shown: Vec<&str> = r.calls.open.iter().take(5).map(String::as_str).collect();
        let more = r.calls.open.len().saturating_sub(shown.len());
        let _ = writeln!(
            out,
            "  open at stop: {}{} (their end never reached the CRM; all in --json calls.open)",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(out, "  requests out: {}", link(&r.requests_link));
    let _ = writeln!(out, "  events in: {}", link(&r.events_link));
    errors(&mut out, &r.errors);
    out
}

/// Connections, handshakes, and refusals by cause.
fn link(l: &LinkSnapshot) -> String {
    let mut s = format!(
        "{} connections, TLS handshakes {} full / {} resumed",
        l.connections, l.handshakes_full, l.handshakes_resumed
    );
    if l.handshake_failures > 0 {
        let causes: Vec<String> = l
            .failures
            .iter()
            .map(|f| format!("{} ×{}", f.cause, f.count))
            .collect();
        let _ = write!(
            s,
            ", {} refused ({})",
            l.handshake_failures,
            causes.join(", ")
        );
    }
    if l.limits.any() {
        let _ = write!(s, "; connections {}", l.limits);
    }
    s
}

/// Each kind of error once, with its count and first message.
fn errors(out: &mut String, entries: &[ErrorEntry]) {
    for e in entries {
        let _ = writeln!(out, "  error {} ×{}: {}", e.kind, e.count, e.first);
    }
}
