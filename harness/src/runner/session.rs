//! A deployment being driven: the phases of a run, the windows of a capacity search, and the
//! faults of the timeline, over one topology and its contact center.

use std::time::{Duration, Instant, SystemTime};

use stats::{LatencyBook, Timeline};

use super::observe::{self, Totals};
use super::progress::Progress;
use super::{RunError, RunOptions};
use crate::outcome::{PhaseLog, RunOutcome, WindowMark, window_name};
use crate::topology::contact_center::{CenterConfig, ContactCenter};
use crate::topology::{self, Topology};
use scenario::{LoadedScenario, Scenario};

/// A running deployment and what has been seen of it.
pub struct Session<'a> {
    pub(super) loaded: &'a LoadedScenario,
    pub(super) topology: Topology,
    pub(super) center: ContactCenter,
    pub(super) progress: Progress,
    pub(super) started: Instant,
    pub(super) started_at: SystemTime,
    pub(super) log: PhaseLog,
    cpu: super::cost::CpuWatch,
    /// Live metrics: where to publish, when next, and what only the run loop knows.
    live: Option<LiveState>,
}

/// The run loop's side of `--metrics`.
struct LiveState {
    published: exposition::Published,
    next: Instant,
    phase: String,
    /// Fault steps applied, by action and whether they worked.
    faults: std::collections::BTreeMap<(&'static str, bool), u64>,
}

/// What one window of a running deployment showed (a capacity step).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Window {
    /// Calls per second asked for.
    pub rate: f64,
    /// Seconds the measured part lasted.
    pub duration_s: f64,
    /// Calls per second that arrived.
    pub achieved_rate: f64,
    /// Calls that arrived.
    pub offered: u64,
    /// Calls that ended completed or transferred.
    pub completed: u64,
    /// Calls lost: abandoned or dropped.
    pub lost: u64,
    /// Requests without an answer, faults, failed or refused events.
    pub failures: u64,
    /// Requests sent plus events received by the CRMs.
    pub messages: u64,
    /// `failures` per message (0 when no message flowed).
    pub error_rate: f64,
    /// Arrivals the generator started later than `calls.late_tolerance`.
    pub late_arrivals: u64,
    /// 99th percentile request latency over the window, all components, ms.
    pub request_p99_ms: Option<f64>,
    /// 99th percentile event latency over the window, all components, ms.
    pub event_p99_ms: Option<f64>,
    /// Full TLS handshakes per second, both directions.
    pub full_handshakes_per_s: f64,
    /// Resumed TLS handshakes per second, both directions.
    pub resumed_handshakes_per_s: f64,
    /// What the window cost in CPU.
    pub cpu: crate::outcome::CpuUse,
}

impl<'a> Session<'a> {
    /// Builds the deployment and its contact center (no agent logged on, no call yet).
    pub async fn start(
        loaded: &'a LoadedScenario,
        options: &RunOptions,
    ) -> Result<Session<'a>, RunError> {
        let s = &loaded.scenario;
        let started_at = SystemTime::now();
        let started = Instant::now();
        let topology = topology::build(loaded, options.keep_pki.as_deref()).await?;
        let center = ContactCenter::start(
            CenterConfig {
                process: s.calls.arrival,
                seed: s.run.seed.wrapping_add(1),
                patience: s.calls.patience,
                late_tolerance: s.calls.late_tolerance,
            },
            topology.call_desks(),
            started,
        );
        let expected =
            s.run.logon_timeout.min(Duration::from_secs(10)) + s.run.warmup + s.run.steady;
        Ok(Session {
            loaded,
            topology,
            center,
            progress: Progress::new(options.progress, expected),
            started,
            started_at,
            log: PhaseLog::default(),
            cpu: super::cost::CpuWatch::start(),
            live: options.metrics.clone().map(|published| LiveState {
                published,
                next: started,
                phase: "setup".to_owned(),
                faults: std::collections::BTreeMap::new(),
            }),
        })
    }

    /// Runs calls at `rate` for `warmup`, then measures `steady` as phase `label`.
    pub async fn window(
        &mut self,
        rate: f64,
        warmup: Duration,
        steady: Duration,
        label: &str,
    ) -> Window {
        // Each step ramps from the one before, within its own warm-up.
        let ramp = self.loaded.scenario.calls.ramp.min(warmup);
        self.center.ramp_to(rate, ramp);
        self.enter(&format!("{label} warm-up"));
        self.until(warmup, |_, _| false).await;
        self.enter(label);
        let before = self.totals();
        let cpu = super::cost::CpuWatch::start();
        let t = Instant::now();
        self.until(steady, |_, _| false).await;
        let d = self.totals().since(&before);
        let secs = t.elapsed().as_secs_f64().max(f64::EPSILON);
        let messages = d.requests + d.events;
        Window {
            rate,
            duration_s: secs,
            achieved_rate: d.offered as f64 / secs,
            offered: d.offered,
            completed: d.completed,
            lost: d.lost,
            failures: d.failures,
            messages,
            error_rate: if messages == 0 {
                0.0
            } else {
                d.failures as f64 / messages as f64
            },
            late_arrivals: d.late,
            request_p99_ms: self.phase_p99(label, |op| !op.is_event()),
            event_p99_ms: self.phase_p99(label, ici::Operation::is_event),
            full_handshakes_per_s: d.handshakes_full as f64 / secs,
            resumed_handshakes_per_s: d.handshakes_resumed as f64 / secs,
            cpu: cpu.read(),
        }
    }

    /// Stops arrivals and waits until calls and events have settled (after a failed step).
    pub async fn settle(&mut self, timeout: Duration) -> bool {
        self.center.set_rate(0.0);
        self.enter("settle");
        self.until(timeout, |t, c| {
            c.stats.counts().waiting == 0 && observe::is_quiet(t)
        })
        .await
    }

    /// p99 in ms over phase `phase` of every operation `pick` selects, across all components.
    fn phase_p99(&self, phase: &str, pick: impl Fn(ici::Operation) -> bool) -> Option<f64> {
        let mut merged: Option<hdrhistogram::Histogram<u64>> = None;
        let books = self
            .topology
            .crms()
            .map(|c| &c.metrics().latency)
            .chain(self.topology.connectors().map(|c| &c.metrics().latency));
        for book in books {
            for op in ici::Operation::ALL.into_iter().filter(|op| pick(*op)) {
                let Some(h) = book.histogram(op.key(), Some(phase)) else {
                    continue;
                };
                match &mut merged {
                    Some(m) => {
                        let _ = m.add(&h);
                    }
                    None => merged = Some(h),
                }
            }
        }
        merged
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(0.99) as f64 / 1000.0)
    }

    /// What has been seen of the phases so far.
    pub fn log(&self) -> &PhaseLog {
        &self.log
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.loaded.scenario
    }

    /// The running deployment.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Starts a named phase: latencies from now on also count towards it.
    pub fn enter(&mut self, phase: &str) {
        for crm in self.topology.crms() {
            crm.metrics().latency.set_phase(phase);
        }
        for c in self.topology.connectors() {
            c.metrics().latency.set_phase(phase);
        }
        self.center.latency.set_phase(phase);
        self.center.timeline.mark(Instant::now(), phase);
        self.progress.phase(phase);
        if let Some(live) = &mut self.live {
            live.phase = phase.to_owned();
            live.next = Instant::now();
        }
    }

    /// Publishes the live metrics when a second has passed since the last time.
    fn publish_live(&mut self, now: Instant) {
        let Some(live) = &mut self.live else {
            return;
        };
        if now < live.next {
            return;
        }
        live.next = now + crate::live::PUBLISH_EVERY;
        let s = &self.loaded.scenario;
        let info = crate::live::RunInfo {
            scenario: &self.loaded.name,
            deployment: s.run.deployment.as_str(),
            tls: s.tls.enabled,
            phase: &live.phase,
            elapsed_s: self.started.elapsed().as_secs_f64(),
            faults: &live.faults,
        };
        let families = crate::live::topology(&self.topology, &self.center.stats.counts(), info);
        live.published.publish(families);
    }

    /// The latencies of window `ended` across every component, summarised; then each
    /// component's histograms of it are emptied and reused for window `next` (freed when there
    /// is none), so that windows cost no allocation after the first.
    fn roll_window(
        &self,
        ended: &str,
        next: Option<&str>,
    ) -> std::collections::BTreeMap<String, stats::LatencySummary> {
        let books: Vec<&stats::LatencyBook> = self
            .topology
            .crms()
            .map(|c| &c.metrics().latency)
            .chain(self.topology.connectors().map(|c| &c.metrics().latency))
            .chain(std::iter::once(&*self.center.latency))
            .collect();
        let keys: std::collections::BTreeSet<String> =
            books.iter().flat_map(|b| b.phase_keys(ended)).collect();
        let mut out = std::collections::BTreeMap::new();
        // One scratch histogram, merged into key by key: percentiles of the merged
        // distribution, without a copy of every component's histograms.
        if let Some(mut scratch) = stats::latency::new_histogram(3) {
            for key in keys {
                scratch.reset();
                for book in &books {
                    book.add_phase_into(&key, ended, &mut scratch);
                }
                if !scratch.is_empty() {
                    out.insert(key, stats::latency::summarize(&scratch));
                }
            }
        }
        for book in &books {
            book.roll_window(ended, next);
        }
        out
    }

    /// From now on, latencies also count towards the window `name` of the current phase.
    fn enter_window(&mut self, name: &str) {
        for crm in self.topology.crms() {
            crm.metrics().latency.set_window(name);
        }
        for c in self.topology.connectors() {
            c.metrics().latency.set_window(name);
        }
        self.center.latency.set_window(name);
    }

    /// Shows progress until `done` holds (true) or `timeout` passes (false).
    pub async fn until(
        &mut self,
        timeout: Duration,
        done: impl Fn(&Topology, &ContactCenter) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut next_update = Instant::now();
        loop {
            if done(&self.topology, &self.center) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.publish_live(now);
            if now >= next_update {
                let live = observe::live(&self.topology, &self.center);
                self.progress.update(self.started.elapsed(), live);
                next_update = now + Duration::from_millis(500);
            }
            tokio::time::sleep(Duration::from_millis(20).min(deadline - now)).await;
        }
    }

    /// Waits `wait`, looking once a second for a threshold broken for good; returns it if one
    /// is.
    async fn wait_unless_broken(&mut self, wait: Duration) -> Option<String> {
        let end = Instant::now() + wait;
        loop {
            let t = &self.loaded.scenario.thresholds;
            if let Some(why) = super::abort::certainly_broken(t, &self.topology, &self.center) {
                return Some(why);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.until(left.min(Duration::from_secs(1)), |_, _| false)
                .await;
        }
    }

    /// The counters phases and windows difference, as of now.
    pub fn totals(&self) -> Totals {
        observe::totals(&self.topology, &self.center)
    }

    /// Each CRM probes the connector in its dialect before any agent acts; the first mismatch.
    pub async fn probe_dialects(&mut self) -> Option<String> {
        for crm in self.topology.crms() {
            if let Err(why) = crm.probe_dialect().await {
                return Some(why);
            }
        }
        None
    }

    /// Every agent logs on (as the scenario says: a ramp or a storm) within `run.logon_timeout`.
    pub async fn logon(&mut self) {
        self.enter("logon");
        let s = &self.loaded.scenario;
        let agents = (s.crm.agents * s.crm.instances) as u64;
        let t = Instant::now();
        self.topology.start_work();
        let timeout = s.run.logon_timeout;
        self.log.all_logged_on = self
            .until(timeout, |t, _| observe::logged_on(t) >= agents)
            .await;
        self.log.logon_s = t.elapsed().as_secs_f64();
        self.log.logged_on_after_logon = observe::logged_on(&self.topology);
    }

    /// Warm-up, then the measured steady phase with its faults: calls flow.
    pub async fn traffic(&mut self) {
        let s = &self.loaded.scenario;
        let (rate, warmup, steady) = (s.calls.rate, s.run.warmup, s.run.steady);
        self.enter("warmup");
        self.center.ramp_to(rate, s.calls.ramp);
        self.until(warmup, |_, _| false).await;
        self.enter("steady");
        let before = self.totals();
        let t = Instant::now();
        self.steady_with_faults(steady).await;
        let during = self.totals().since(&before);
        self.log.steady_end = Some(Instant::now());
        self.log.steady_s = t.elapsed().as_secs_f64();
        self.log.steady_offered = during.offered;
        self.log.steady_requests = during.requests;
        self.log.steady_events = during.events;
    }

    /// The steady phase, applying the scenario's faults at their times, and cut into
    /// `run.window`s when the scenario asks for them.
    async fn steady_with_faults(&mut self, steady: Duration) {
        let start = Instant::now();
        let end = start + steady;
        let mut timeline = super::faults::Timeline::new(&self.loaded.scenario.faults, start);
        let mut windows = self
            .loaded
            .scenario
            .run
            .window
            .map(|length| Windows::new(length, start, end));
        if let Some(w) = &windows {
            self.enter_window(&w.name());
        }
        let mut window_totals = self.totals();
        loop {
            let next_window = windows.as_ref().map_or(end, |w| w.current_end);
            let next = timeline
                .next_due()
                .map_or(end, |at| at.min(end))
                .min(next_window);
            let wait = next.saturating_duration_since(Instant::now());
            if self.loaded.scenario.run.abort_on_fail {
                if let Some(why) = self.wait_unless_broken(wait).await {
                    let at = start.elapsed().as_secs_f64();
                    self.progress.note(
                        self.started.elapsed(),
                        &format!("aborting the steady phase at {at:.1}s: {why}"),
                    );
                    self.center.timeline.mark(Instant::now(), "aborted");
                    self.log.aborted = Some((at, why));
                    break;
                }
            } else {
                self.until(wait, |_, _| false).await;
            }
            let now = Instant::now();
            if let Some(w) = &mut windows
                && now >= w.current_end
            {
                let totals = self.totals();
                let mut mark = w.close(now, start, totals.since(&window_totals));
                // After `close`, the windows' name is the next one's.
                let next = (now < end).then(|| w.name());
                mark.latency_ms = self.roll_window(&mark.name, next.as_deref());
                self.log.windows.push(mark);
                window_totals = totals;
            }
            if now >= end {
                break;
            }
            for due in timeline.take_due(now) {
                self.apply(&due).await;
            }
        }
        if self.log.aborted.is_some() {
            // Cut short: undo what was applied (a paused side resumes, a latency ends) so the
            // drain can finish, but start no new fault.
            let now = Instant::now();
            for due in timeline.take_due(start + steady) {
                if due.undo && start + due.spec.at <= now {
                    self.apply(&due).await;
                }
            }
            return;
        }
        // Faults that were meant to be undone by now are undone; the rest stay for the record.
        for due in timeline.take_due(start + steady) {
            self.apply(&due).await;
        }
    }

    /// Applies one fault step, notes it on the timeline and in the log.
    async fn apply(&mut self, step: &super::faults::Due) {
        let label = step.label();
        let now = Instant::now();
        let applied = self
            .topology
            .apply(&step.spec, step.undo, &self.center)
            .await;
        if let Some(live) = &mut self.live {
            let action = if step.undo {
                "undo"
            } else {
                step.spec.action.as_str()
            };
            *live.faults.entry((action, applied.is_ok())).or_default() += 1;
            live.next = now;
        }
        match applied {
            Ok(done) => {
                tracing::info!("fault: {label}: {done}");
                self.progress
                    .note(self.started.elapsed(), &format!("fault {label}: {done}"));
                self.center.timeline.mark(now, label);
                self.log.faults.push((now, step.clone(), Ok(done)));
            }
            Err(why) => {
                tracing::warn!("fault: {label} could not be applied: {why}");
                self.progress.note(
                    self.started.elapsed(),
                    &format!("fault {label} could not be applied: {why}"),
                );
                self.center.timeline.mark(now, format!("{label} (failed)"));
                self.log.faults.push((now, step.clone(), Err(why)));
            }
        }
    }

    /// Arrivals stop; calls end and events are delivered.
    pub async fn drain(&mut self) {
        self.enter("drain");
        self.center.set_rate(0.0);
        let t = Instant::now();
        let timeout = self.loaded.scenario.run.drain;
        self.log.drained = self
            .until(timeout, |t, c| {
                c.stats.counts().waiting == 0 && observe::is_quiet(t)
            })
            .await;
        self.log.drain_s = t.elapsed().as_secs_f64();
    }

    /// Every agent logs off; waits up to `run.drain` for the deployment to go quiet.
    pub async fn logoff(&mut self) {
        self.enter("logoff");
        for crm in self.topology.crms() {
            crm.log_off();
        }
        let timeout = self.loaded.scenario.run.drain;
        self.log.logged_off = self
            .until(timeout, |t, _| {
                observe::logged_on(t) == 0 && observe::is_quiet(t)
            })
            .await;
    }

    /// Shuts everything down and hands over what the run left (`report::assemble` judges it).
    pub async fn finish(mut self) -> RunOutcome {
        // A last scrape after the run shows its final counts, not a second before the end.
        if let Some(live) = &mut self.live {
            live.phase = "done".to_owned();
            live.next = Instant::now();
        }
        self.publish_live(Instant::now());
        self.progress.finish();
        let latency = LatencyBook::default();
        let timeline = Timeline::new(self.started);
        for crm in self.topology.crms() {
            latency.absorb(&crm.metrics().latency);
            timeline.absorb(&crm.metrics().timeline);
        }
        for c in self.topology.connectors() {
            latency.absorb(&c.metrics().latency);
            timeline.absorb(&c.metrics().timeline);
        }
        // Killed instances measured until they died: their latencies and seconds count too.
        for (book, seconds) in self.topology.past_books() {
            latency.absorb(book);
            timeline.absorb(seconds);
        }
        latency.absorb(&self.center.latency);
        timeline.absorb(&self.center.timeline);
        let timeline_by_side = super::sides::per_side(self.topology.side_timelines(), self.started);
        self.center.stop();
        let center = self.center.stats.counts();
        let setup_warnings = self.topology.warnings.clone();
        // Failover figures are read within the steady phase: the drain and the logoff that
        // follow also make agents go away, by design.
        let window_end = self.log.steady_end.unwrap_or_else(Instant::now);
        let failover =
            super::failover::measure(&self.log, &self.topology, self.started, window_end);
        let harness = crate::outcome::HarnessCost::measure(&self.cpu, center.late);
        let (crms, connectors, network) = self.topology.shut_down().await;
        RunOutcome {
            started_at: self.started_at,
            elapsed: self.started.elapsed(),
            log: self.log,
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
        }
    }
}

/// The steady phase cut into windows of one length (the last may be shorter).
struct Windows {
    length: Duration,
    end: Instant,
    index: usize,
    current_start: Instant,
    current_end: Instant,
}

impl Windows {
    fn new(length: Duration, start: Instant, end: Instant) -> Windows {
        Windows {
            length,
            end,
            index: 1,
            current_start: start,
            current_end: (start + length).min(end),
        }
    }

    /// The current window's name, as its latencies are kept under.
    fn name(&self) -> String {
        window_name(self.index)
    }

    /// Ends the current window at `now` and starts the next one.
    fn close(
        &mut self,
        now: Instant,
        steady_start: Instant,
        during: super::observe::Totals,
    ) -> WindowMark {
        let mark = WindowMark {
            name: self.name(),
            start_s: self
                .current_start
                .saturating_duration_since(steady_start)
                .as_secs_f64(),
            end_s: now.saturating_duration_since(steady_start).as_secs_f64(),
            rss_mib: super::cost::rss_mib(),
            offered: during.offered,
            completed: during.completed,
            lost: during.lost,
            failures: during.failures,
            requests: during.requests,
            events: during.events,
            latency_ms: std::collections::BTreeMap::new(),
        };
        self.index += 1;
        self.current_start = now;
        self.current_end = (now + self.length).min(self.end);
        mark
    }
}
