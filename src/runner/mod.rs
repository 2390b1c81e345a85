//! One run: build the deployment, drive it through its phases, collect what every component
//! measured, and judge it.
//!
//! Phases: **logon** (agents log on, subscribe, go ready), **warmup** (calls flow, numbers kept
//! apart), **steady** (the measured phase: thresholds apply), **drain** (arrivals stop; calls
//! end; events are delivered), **logoff** (agents log off), then every component shuts down and
//! reports.

pub mod contact_center;
pub mod progress;

use std::time::{Duration, Instant};

use contact_center::{CenterConfig, ContactCenter};
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

/// How to run, beyond the scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub progress: ProgressMode,
    /// Keep the generated certificates in this folder (a `crmsim certs new` layout).
    pub keep_pki: Option<std::path::PathBuf>,
}

/// Runs a scenario to its report.
pub async fn run(loaded: &LoadedScenario, options: &RunOptions) -> Result<Report, RunError> {
    let s = &loaded.scenario;
    let started_at = std::time::SystemTime::now();
    let started = Instant::now();
    let topology = topology::build(loaded, options.keep_pki.as_deref()).await?;
    let expected = s.run.logon_timeout.min(Duration::from_secs(10)) + s.run.warmup + s.run.steady;
    let center = ContactCenter::start(
        CenterConfig {
            process: s.calls.arrival,
            seed: s.run.seed.wrapping_add(1),
            patience: s.calls.patience,
            late_tolerance: s.calls.late_tolerance,
        },
        topology
            .connectors
            .iter()
            .map(Connector::call_desk)
            .collect(),
        started,
    );
    let mut drive = Drive {
        t: &topology,
        center: &center,
        s,
        progress: Progress::new(options.progress, expected),
        started,
        log: PhaseLog::default(),
    };
    drive.logon().await;
    if drive.log.logged_on_after_logon > 0 {
        drive.traffic().await;
        drive.drain().await;
    } else {
        // Nobody to take calls (typically every logon refused): offering calls would only
        // measure the queue. The report says why through its errors.
        drive.progress.phase("aborted");
        drive.log.drained = true;
    }
    if s.run.logoff {
        drive.logoff().await;
    }
    drive.progress.finish();
    let log = drive.log;

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
    latency.absorb(&center.latency);
    timeline.absorb(&center.timeline);
    center.stop();
    let center_counts = center.stats.counts();
    let setup_warnings = topology.warnings.clone();
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
            setup_warnings,
            center: center_counts,
        },
    ))
}

/// The phases of one run over one deployment.
struct Drive<'a> {
    t: &'a Topology,
    center: &'a ContactCenter,
    s: &'a crate::scenario::Scenario,
    progress: Progress,
    started: Instant,
    log: PhaseLog,
}

impl Drive<'_> {
    fn enter(&mut self, phase: &str) {
        set_phase(self.t, phase);
        self.center.latency.set_phase(phase);
        self.center.timeline.mark(Instant::now(), phase);
        self.progress.phase(phase);
    }

    /// Shows progress until `done` holds (true) or `timeout` passes (false).
    async fn until(&mut self, timeout: Duration, done: impl Fn(&Topology) -> bool) -> bool {
        watch_until(
            self.t,
            self.center,
            &mut self.progress,
            self.started,
            timeout,
            done,
        )
        .await
    }

    async fn logon(&mut self) {
        self.enter("logon");
        let agents = (self.s.crm.agents * self.s.crm.instances) as u64;
        let t = Instant::now();
        for crm in &self.t.crms {
            crm.start_work();
        }
        self.log.all_logged_on = self
            .until(self.s.run.logon_timeout, |t| logged_on(t) >= agents)
            .await;
        self.log.logon_s = t.elapsed().as_secs_f64();
        self.log.logged_on_after_logon = logged_on(self.t);
    }

    /// Warm-up, then the measured steady phase: calls flow.
    async fn traffic(&mut self) {
        self.enter("warmup");
        self.center.set_rate(self.s.calls.rate);
        self.until(self.s.run.warmup, |_| false).await;
        self.enter("steady");
        let before = totals(self.t, self.center);
        let t = Instant::now();
        self.until(self.s.run.steady, |_| false).await;
        let after = totals(self.t, self.center);
        self.log.steady_s = t.elapsed().as_secs_f64();
        self.log.steady_offered = after.offered - before.offered;
        self.log.steady_requests = after.requests - before.requests;
        self.log.steady_events = after.events - before.events;
    }

    /// Arrivals stop; calls end and events are delivered.
    async fn drain(&mut self) {
        self.enter("drain");
        self.center.set_rate(0.0);
        let t = Instant::now();
        let center = self.center;
        self.log.drained = self
            .until(self.s.run.drain, |t| {
                center.stats.counts().waiting == 0 && is_quiet(t)
            })
            .await;
        self.log.drain_s = t.elapsed().as_secs_f64();
    }

    async fn logoff(&mut self) {
        self.enter("logoff");
        for crm in &self.t.crms {
            crm.log_off();
        }
        self.log.logged_off = self
            .until(self.s.run.drain, |t| logged_on(t) == 0 && is_quiet(t))
            .await;
    }
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

fn totals(t: &Topology, center: &ContactCenter) -> Totals {
    let mut totals = Totals {
        offered: center.stats.counts().generated,
        ..Totals::default()
    };
    for crm in &t.crms {
        let counts = crm.metrics().counters.snapshot();
        totals.requests += counts.requests;
        totals.events += counts.events;
    }
    totals
}

fn live(t: &Topology, center: &ContactCenter) -> Live {
    let cc = center.stats.counts();
    let mut live = Live {
        offered: cc.generated,
        lost: cc.abandoned,
        active_calls: cc.waiting,
        ..Live::default()
    };
    for c in &t.connectors {
        let counters = c.counters();
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

/// Shows progress until `done` holds (true) or `timeout` passes (false).
async fn watch_until(
    t: &Topology,
    center: &ContactCenter,
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
            progress.update(started.elapsed(), live(t, center));
            next_update = now + Duration::from_millis(500);
        }
        tokio::time::sleep(Duration::from_millis(20).min(deadline - now)).await;
    }
}
