//! The checks of a deployment run as separate processes or containers, computed from the
//! components' own JSON reports (`reports/<component>-<start unix ms>.json`): the in-process
//! run's invariants, and the failover figures around each fault on a connector side.
//!
//! Times in these reports are Unix milliseconds, so the runner's fault times, the proxy's state
//! changes and the CRM's availability spans line up across processes (and containers).

use proxy::ServerState;

use sim_connector::ConnectorReport;

use super::reports::{CrmFile, Reports, SideFile};
use crate::containers::Placement;
use crate::serve::proxy::ProxyReport;
use scenario::Deployment;

pub use harness::report::Check;

/// Collects checks.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<Check>);

impl Checks {
    /// Adds a check named `name`, passed when `ok`, with `detail` saying what was seen.
    pub fn add(&mut self, name: &str, ok: bool, detail: String) {
        self.0.push(Check {
            name: name.to_owned(),
            ok,
            detail,
            limit: None,
            value: None,
        });
    }

    /// Every check passed.
    pub fn passed(&self) -> bool {
        self.0.iter().all(|c| c.ok)
    }
}

/// A connector side taken away (`down`: killed, stopped, paused) or given back, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideEvent {
    /// The connector side's name (`connector-a`, `connector-b`).
    pub side: String,
    /// Taken away (`true`) or given back (`false`).
    pub down: bool,
    /// When the fault was applied, in Unix milliseconds.
    pub at_unix_ms: u64,
    /// What happened, for the check's name: `killed`, `stopped`, `restarted` …
    pub what: String,
}

/// What the run looked like from outside the components.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// The CRM process's exit code (None: it did not exit, or was killed by a signal).
    pub crm_exit: Option<i32>,
    /// When the CRM process started (Unix ms), if its report does not say.
    pub crm_started: u64,
    /// Faults on connector sides, in time order.
    pub side_events: Vec<SideEvent>,
    /// How long a side may take to go away after the fault, before health checks even start
    /// to see it (`docker stop` waits for the process's grace; SIGKILL does not).
    pub stop_grace_ms: u64,
    /// A process or container start, before a side can answer a health check.
    pub start_allowance_ms: u64,
    /// Bounds from the scenario's thresholds, where it sets them.
    pub max_detection_ms: Option<u64>,
    /// Longest wait from a fault to every agent logged on again (ms); 15 s without it.
    pub max_relogon_ms: Option<u64>,
    /// Longest span of unanswered CRM requests after the first fault (ms); unbounded without it.
    pub max_failover_gap_ms: Option<u64>,
}

/// Evaluates the run from the components' `reports`.
pub fn evaluate(plan: &Placement, reports: &Reports, facts: &RunFacts) -> Checks {
    let mut out = Checks::default();
    out.add(
        "crm exited 0",
        facts.crm_exit == Some(0),
        format!("exit code {:?}", facts.crm_exit),
    );
    if !reports.unreadable.is_empty() {
        out.add(
            "components' reports readable",
            false,
            reports.unreadable.join("; "),
        );
    }
    let Some((crm_started, crm)) = &reports.crm else {
        out.add("crm report", false, "no report in reports/".to_owned());
        return out;
    };
    let killed: Vec<String> = facts
        .side_events
        .iter()
        .filter(|e| e.what == "killed")
        .map(|e| e.side.clone())
        .collect();
    invariants(&mut out, plan, crm, &reports.sides, &killed);
    if plan.deployment() != Deployment::Direct {
        let Some(proxy) = &reports.proxy else {
            out.add("proxy report", false, "no report in reports/".to_owned());
            return out;
        };
        failovers(&mut out, plan, *crm_started, facts, crm, proxy);
        event_path(&mut out, plan, crm, proxy);
    }
    out
}

/// What must hold in any run: agents on and off, requests answered, events delivered in order,
/// calls ended or dropped with a reason, TLS where it should be.
///
/// A side's life ended by SIGKILL leaves no report: what it delivered is known only to the CRM.
/// Then the CRM must have received at least what the reported lives delivered.
fn invariants(
    out: &mut Checks,
    plan: &Placement,
    crm: &CrmFile,
    connectors: &[SideFile],
    killed_sides: &[String],
) {
    let killed = killed_sides.len();
    let crm = &crm.report;
    let c = &crm.counts;
    let agents = plan.scenario.crm.agents as u64;
    out.add(
        "all agents logged on",
        c.logons == agents,
        format!(
            "{} logons, {} re-logons of {agents} agents",
            c.logons, c.relogons
        ),
    );
    out.add(
        "all agents logged off",
        crm.logged_on == 0,
        format!("{} still logged on at the CRM's stop", crm.logged_on),
    );
    out.add(
        "every request answered",
        crm.in_flight == 0,
        format!(
            "{} sent, {} answered, {} faults, {} failed, {} pending",
            c.requests, c.responses, c.faults, c.request_errors, crm.in_flight
        ),
    );
    let sum =
        |f: &dyn Fn(&ConnectorReport) -> u64| connectors.iter().map(|r| f(&r.report)).sum::<u64>();
    let delivered = sum(&|r| r.events.delivered);
    let failed = sum(&|r| r.events.failed + r.events.refused);
    let (received, duplicates) = (c.events, c.duplicate_events);
    let (name, held) = if killed == 0 {
        (
            "events sent == events received",
            received >= delivered && received <= delivered + duplicates,
        )
    } else {
        (
            "events received >= events sent by the reported lives",
            received >= delivered,
        )
    };
    out.add(
        name,
        held,
        format!(
            "connectors ({} reports, {killed} lives killed without one) delivered {delivered}, CRM received {received} ({duplicates} twice)",
            connectors.len()
        ),
    );
    let gaps = c.sequence_gaps + c.out_of_order;
    out.add(
        "no event lost or out of order",
        failed == 0 && gaps == 0,
        format!("{failed} events failed or refused, {gaps} gaps or reorderings"),
    );
    let active = sum(&|r| r.acd.active_calls.len() as u64);
    let completed = sum(&|r| r.acd.counters.completed);
    let dropped = sum(&|r| r.acd.counters.dropped);
    let per_side: Vec<String> = connectors
        .iter()
        .map(|r| {
            let r = &r.report;
            format!(
                "{}: {} active, {} queued, {} dropped",
                r.name,
                r.acd.active_calls.len(),
                r.acd.queued,
                r.acd.counters.dropped
            )
        })
        .collect();
    out.add(
        "every call ended on the connectors",
        active == 0 && completed > 0,
        format!(
            "{completed} completed, {dropped} dropped with a reason, {active} not ended at stop ({})",
            per_side.join("; ")
        ),
    );
    // A call id is `<side>-<life tag>-<sequence>`. Calls of a life killed without a report
    // stay open at the CRM (nobody is left to end them, as with a crashed connector); any
    // other open call must have been dropped, with a reason, by its side.
    let open = &crm.calls.open;
    let side_of = |call: &str| call.rsplitn(3, '-').nth(2).unwrap_or(call).to_owned();
    let (of_killed, others): (Vec<&String>, Vec<&String>) = open
        .iter()
        .partition(|call| killed_sides.contains(&side_of(call)));
    out.add(
        "every call on the CRM ended or was dropped by a side",
        others.len() as u64 <= dropped,
        format!(
            "{} calls open at the CRM: {} on a killed life, {} others against {dropped} dropped by the sides",
            open.len(),
            of_killed.len(),
            others.len()
        ),
    );
    for (link, l) in [
        ("requests_link", &crm.requests_link),
        ("events_link", &crm.events_link),
    ] {
        let (full, fails) = (l.handshakes_full, l.handshake_failures);
        out.add(
            &format!("TLS on the CRM's {link}"),
            // A failover may cut a connection mid-handshake (the proxy shuts A's sessions
            // down); without one, no handshake may fail.
            if !plan.tls() {
                full == 0
            } else if plan.deployment() == Deployment::Direct {
                full > 0 && fails == 0
            } else {
                full > 0
            },
            format!("{full} full handshakes, {fails} failed"),
        );
    }
}

/// Around each fault on a side: the proxy marked it DOWN (or UP) within the bound its health
/// check implies, every agent was logged on again, requests were answered again.
fn failovers(
    out: &mut Checks,
    plan: &Placement,
    crm_start: u64,
    facts: &RunFacts,
    crm: &CrmFile,
    proxy: &ProxyReport,
) {
    let engine = plan.engine().as_str();
    out.add("proxy engine", proxy.engine == engine, proxy.engine.clone());
    let inter = plan.scenario.proxy.inter.as_millis() as u64;
    let timeout = plan.scenario.proxy.check_timeout.as_millis() as u64;
    // A dead side refuses checks at once; a frozen one lets each of `fall` checks time out.
    let down_bound = facts.max_detection_ms.unwrap_or(
        facts.stop_grace_ms + u64::from(plan.scenario.proxy.fall) * (inter + timeout) + 1_000,
    );
    let up_bound = u64::from(plan.scenario.proxy.rise) * inter + timeout + facts.start_allowance_ms;
    // The CRM works for its duration from its start; its logoff after that is not a fault's.
    let crm_end = crm_start + plan.crm_duration().as_millis() as u64;
    let availability = &crm.report.availability;
    for (i, event) in facts.side_events.iter().enumerate() {
        let (to, bound) = if event.down {
            (ServerState::Down, down_bound)
        } else {
            (ServerState::Up, up_bound)
        };
        let seen = proxy
            .state_changes
            .iter()
            .filter(|ch| ch.server == event.side && ch.to == to)
            .map(|ch| ch.at_unix_ms)
            .find(|at| *at >= event.at_unix_ms);
        out.add(
            &format!(
                "proxy marked {} {to} after it was {}",
                event.side, event.what
            ),
            seen.is_some_and(|d| d - event.at_unix_ms <= bound),
            format!(
                "detection {} ms (bound {bound} ms)",
                seen.map_or("none".to_owned(), |d| (d - event.at_unix_ms).to_string())
            ),
        );
        // Agents missing from this fault until the next one (or the end of the CRM's work).
        let until = facts
            .side_events
            .get(i + 1)
            .map_or(crm_end.saturating_sub(1_000), |next| next.at_unix_ms);
        let mut back: Result<Option<u64>, String> = Ok(None);
        for s in &availability.below_full_strength {
            let from = s.from_unix_ms;
            if from < event.at_unix_ms || from >= until {
                continue;
            }
            match (s.to_unix_ms, &back) {
                (Some(t), Ok(last)) => back = Ok(Some(t.max(last.unwrap_or(0)))),
                (None, _) => {
                    back = Err(format!(
                        "agents missing from {} ms after the fault on, never all back ({} ms before the CRM's work ended)",
                        from - event.at_unix_ms,
                        crm_end as i64 - from as i64
                    ));
                }
                (Some(_), Err(_)) => {}
            }
        }
        let bound = facts.max_relogon_ms.unwrap_or(15_000);
        out.add(
            &format!(
                "every agent logged on again after {} was {}",
                event.side, event.what
            ),
            match &back {
                Ok(Some(t)) => t - event.at_unix_ms <= bound,
                Ok(None) => true,
                Err(_) => false,
            },
            match back {
                Ok(Some(t)) => format!(
                    "all back {} ms after the fault (bound {bound} ms)",
                    t - event.at_unix_ms
                ),
                Ok(None) => "no agent went missing".to_owned(),
                Err(e) => e,
            },
        );
    }
    if let Some(first) = facts.side_events.first() {
        // Each span in which the CRM's requests went unanswered; None: never answered again.
        let gaps: Vec<Option<u64>> = availability
            .unreachable
            .iter()
            .filter(|s| s.from_unix_ms >= first.at_unix_ms)
            .map(|s| s.to_unix_ms.map(|t| t.saturating_sub(s.from_unix_ms)))
            .collect();
        let shown: Vec<String> = gaps
            .iter()
            .map(|g| g.map_or("open".to_owned(), |ms| format!("{ms} ms")))
            .collect();
        let bound = facts.max_failover_gap_ms;
        out.add(
            "requests answered again after the failover",
            gaps.iter()
                .all(|g| g.is_some_and(|ms| bound.is_none_or(|b| ms <= b))),
            format!(
                "request gaps after the first fault: [{}]{}",
                shown.join(", "),
                bound.map_or_else(String::new, |b| format!(" (bound {b} ms each)"))
            ),
        );
    }
}

/// Events went through the proxy's static route, or straight to the CRM, as the deployment says.
fn event_path(out: &mut Checks, plan: &Placement, crm: &CrmFile, proxy: &ProxyReport) {
    let routes = &proxy.proxy.routes;
    let events_link = crm.report.events_link.connections;
    if plan.deployment() == Deployment::ProxyStaticRoute {
        let (connections, bytes) = routes
            .first()
            .map_or((0, 0), |r| (r.connections, r.bytes_in));
        out.add(
            "events crossed the proxy's static route",
            connections > 0 && bytes > 0,
            format!("route: {connections} connections, {bytes} bytes"),
        );
    } else {
        out.add(
            "events bypassed the proxy",
            routes.is_empty() && events_link > 0,
            format!(
                "the proxy has {} routes; the CRM accepted {events_link} event connections",
                routes.len()
            ),
        );
    }
}
