//! One run: build the deployment, drive it through its phases, collect what every component
//! measured, and judge it.
//!
//! Phases: **logon** (agents log on, subscribe, go ready), **warmup** (calls flow, numbers kept
//! apart), **steady** (the measured phase: thresholds apply), **drain** (arrivals stop; calls
//! end; events are delivered), **logoff** (agents log off), then every component shuts down and
//! reports.

pub mod progress;

use std::time::{Duration, Instant};

use progress::{Live, Progress, ProgressMode};
use sim_connector::{Connector, ConnectorReport};
use sim_crm::CrmReport;

use stats::{LatencyBook, Timeline};

use crate::report::{self, Report, RunOutcome};
use crate::scenario::LoadedScenario;
use crate::topology::{self, BuildError, Topology};

/// Phase names, as latency books and reports know them.
pub const PHASES: [&str; 5] = ["logon", "warmup", "steady", "drain", "logoff"];

/// What the runner saw of the phases, for the report.
#[derive(Debug, Clone, Default)]
pub struct PhaseLog {
    pub logon_s: f64,
    pub all_logged_on: bool,
    pub logged_on_after_logon: u64,
    pub steady_s: f64,
    pub steady_offered: u64,
    pub steady_requests: u64,
    pub steady_events: u64,
    pub drained: bool,
    pub drain_s: f64,
    pub logged_off: bool,
}

/// The run could not be carried out (as opposed to: it ran and failed its checks).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Build(#[from] BuildError),
}

/// Runs a scenario to its report.
pub async fn run(loaded: &LoadedScenario, mode: ProgressMode) -> Result<Report, RunError> {
    let s = &loaded.scenario;
    let started_at = std::time::SystemTime::now();
    let started = Instant::now();
    let topology = topology::build(loaded).await?;
    let expected = s.run.logon_timeout.min(Duration::from_secs(10)) + s.run.warmup + s.run.steady;
    let mut progress = Progress::new(mode, expected);
    let mut log = PhaseLog::default();
    let agents = (s.crm.agents * s.crm.instances) as u64;

    // Logon.
    set_phase(&topology, "logon");
    progress.phase("logon");
    let t = Instant::now();
    for crm in &topology.crms {
        crm.start_work();
    }
    log.all_logged_on = watch_until(
        &topology,
        &mut progress,
        started,
        s.run.logon_timeout,
        |t| logged_on(t) >= agents,
    )
    .await;
    log.logon_s = t.elapsed().as_secs_f64();
    log.logged_on_after_logon = logged_on(&topology);

    // Warm-up and steady: calls flow.
    set_phase(&topology, "warmup");
    progress.phase("warmup");
    for connector in &topology.connectors {
        connector.set_call_rate(s.calls.rate / topology.connectors.len() as f64);
    }
    watch_for(&topology, &mut progress, started, s.run.warmup).await;
    set_phase(&topology, "steady");
    progress.phase("steady");
    let before = totals(&topology);
    let t = Instant::now();
    watch_for(&topology, &mut progress, started, s.run.steady).await;
    let after = totals(&topology);
    log.steady_s = t.elapsed().as_secs_f64();
    log.steady_offered = after.offered - before.offered;
    log.steady_requests = after.requests - before.requests;
    log.steady_events = after.events - before.events;

    // Drain.
    set_phase(&topology, "drain");
    progress.phase("drain");
    for connector in &topology.connectors {
        connector.set_call_rate(0.0);
    }
    let t = Instant::now();
    log.drained = watch_until(&topology, &mut progress, started, s.run.drain, is_quiet).await;
    log.drain_s = t.elapsed().as_secs_f64();

    // Log off.
    if s.run.logoff {
        set_phase(&topology, "logoff");
        progress.phase("logoff");
        for crm in &topology.crms {
            crm.log_off();
        }
        log.logged_off = watch_until(&topology, &mut progress, started, s.run.drain, |t| {
            logged_on(t) == 0 && is_quiet(t)
        })
        .await;
    }
    progress.finish();

    let latency = LatencyBook::default();
    let timeline = Timeline::new(started);
    for crm in &topology.crms {
        latency.absorb(&crm.metrics().latency);
        timeline.absorb(&crm.metrics().timeline);
    }
    for c in &topology.connectors {
        latency.absorb(&c.metrics().latency);
        timeline.absorb(&c.metrics().timeline);
    }
    let (crms, connectors) = shut_down(topology).await;
    Ok(report::assemble(
        loaded,
        RunOutcome {
            started_at,
            elapsed: started.elapsed(),
            log,
            crms,
            connectors,
            latency,
            timeline,
        },
    ))
}

fn set_phase(t: &Topology, phase: &str) {
    for crm in &t.crms {
        crm.metrics().latency.set_phase(phase);
    }
    for c in &t.connectors {
        c.metrics().latency.set_phase(phase);
    }
}

async fn shut_down(t: Topology) -> (Vec<CrmReport>, Vec<ConnectorReport>) {
    let grace = Duration::from_secs(5);
    let mut crms = Vec::new();
    for crm in t.crms {
        crms.push(crm.shutdown(grace).await);
    }
    let mut connectors = Vec::new();
    for c in t.connectors {
        connectors.push(c.shutdown(grace).await);
    }
    (crms, connectors)
}

fn logged_on(t: &Topology) -> u64 {
    t.crms.iter().map(|c| c.metrics().logged_on()).sum()
}

/// Nothing in flight: no active call, no undelivered event, no unanswered request.
fn is_quiet(t: &Topology) -> bool {
    t.connectors.iter().all(Connector::is_idle)
        && t.crms.iter().all(|c| c.metrics().in_flight() == 0)
}

#[derive(Debug, Default)]
struct Totals {
    offered: u64,
    requests: u64,
    events: u64,
}

fn totals(t: &Topology) -> Totals {
    let mut totals = Totals::default();
    for c in &t.connectors {
        totals.offered += c.counters().offered;
    }
    for crm in &t.crms {
        let counts = crm.metrics().counters.snapshot();
        totals.requests += counts.requests;
        totals.events += counts.events;
    }
    totals
}

fn live(t: &Topology) -> Live {
    let mut live = Live::default();
    for c in &t.connectors {
        let counters = c.counters();
        live.offered += counters.offered;
        live.completed += counters.completed + counters.transferred;
        live.lost += counters.lost();
        live.active_calls += counters
            .offered
            .saturating_sub(counters.completed + counters.transferred + counters.lost());
        live.errors += c.metrics().errors.total();
    }
    for crm in &t.crms {
        let counts = crm.metrics().counters.snapshot();
        live.logged_on += crm.metrics().logged_on();
        live.agents += crm.agents() as u64;
        live.requests += counts.requests;
        live.events += counts.events;
        live.errors += crm.metrics().errors.total();
    }
    live
}

/// Shows progress for `duration`.
async fn watch_for(t: &Topology, progress: &mut Progress, started: Instant, duration: Duration) {
    watch_until(t, progress, started, duration, |_| false).await;
}

/// Shows progress until `done` holds (true) or `timeout` passes (false).
async fn watch_until(
    t: &Topology,
    progress: &mut Progress,
    started: Instant,
    timeout: Duration,
    done: impl Fn(&Topology) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    let mut next_update = Instant::now();
    loop {
        if done(t) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        if now >= next_update {
            progress.update(started.elapsed(), live(t));
            next_update = now + Duration::from_millis(500);
        }
        tokio::time::sleep(Duration::from_millis(20).min(deadline - now)).await;
    }
}
