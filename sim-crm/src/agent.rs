//! One simulated IC WebClient user: a state machine driven by events, timers and the harness.
//!
//! The agent is the closed half of the workload: it does its next step only when the previous
//! one is done, like a person at a desk. Each step has an intended time (an alerting event plus
//! the ring delay, a connected event plus the talk time); requests are timed from it.
//!
//! The connector is the authority on the agent's state: the agent acts on `userChanged` and
//! `callChanged` events, not on its own guesses, which is also how the IC WebClient works.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ici::{CallState, Event, EventBody, LoginString, Media, Request, WorkMode};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};

use crate::client::{IciClient, RequestError};
use crate::config::AgentsConfig;
use crate::metrics::CrmMetrics;

/// What the harness asks of all agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directive {
    /// What the agents do now: wait, work, log off or stop.
    pub phase: Phase,
    /// Bumped to make every agent log on again (the watchdog saw the CMS connection come back).
    pub relogon_epoch: u64,
}

/// The stage of the run the harness has put the agents in; each agent reacts when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Wait: not logged on yet.
    Idle,
    /// Log on (at each agent's own start time) and work.
    Work,
    /// Finish the current call and log off.
    LogOff,
    /// Stop at once.
    Stop,
}

/// What every agent of one CRM shares.
pub(crate) struct AgentContext {
    pub client: Arc<IciClient>,
    pub config: Arc<AgentsConfig>,
    pub metrics: Arc<CrmMetrics>,
    pub sink_url: String,
    /// A user known to be logged on, for the heartbeat's session check.
    pub session_probe: Arc<std::sync::Mutex<Option<String>>>,
    /// Set when a logged-on agent's request finds the connector does not know it: the relogon
    /// epoch the agent had logged on in, plus one (0: nothing suspected). The watchdog then
    /// re-logs on every agent, unless a relogon has happened since (see `heartbeat`).
    pub session_suspect: Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    LogOn,
    Answer(String),
    HangUp(String),
    EndWrapUp,
    Ready,
    LogOff,
}

#[derive(Debug, Clone)]
struct Planned {
    at: Instant,
    action: Action,
}

pub(crate) struct Agent {
    pub user: String,
    login: String,
    device: String,
    rx: mpsc::UnboundedReceiver<Event>,
    /// The connector session the agent is in, shared with the event receiver.
    session: Arc<std::sync::Mutex<Option<String>>>,
    control: watch::Receiver<Directive>,
    ctx: Arc<AgentContext>,
    rng: SmallRng,
    /// Offset from the start of the logon phase (a ramp or a storm).
    logon_offset: Duration,
    logged_on: bool,
    logged_on_before: bool,
    call: Option<String>,
    plan: Option<Planned>,
    relogon_epoch: u64,
    /// The relogon epoch of the agent's last completed logon: when it equals `relogon_epoch`, no
    /// relogon wave has happened since, so a lost session is news for the watchdog.
    logon_epoch: u64,
    /// The call connected (its id) and when that was seen: the start of a talk.
    talking: Option<(String, Instant)>,
    /// When wrap-up began, as the connector said.
    wrapping: Option<Instant>,
}

/// Latency-book keys of the work the agents do, as the CRM saw it from the connector's events:
/// connected → disconnected, and wrap-up → the next work mode. They show what workload a run
/// carried (a talk time set in the scenario reads back here, in process and as processes);
/// they are not ICI messages, so request and event percentiles leave them out.
pub const TALK_KEY: &str = "agent.talk";
/// Latency-book key of wrap-ups: from wrap-up mode to the next ready or not-ready mode.
pub const WRAP_UP_KEY: &str = "agent.wrap_up";
/// What the keys of the agents' work start with.
pub const WORK_PREFIX: &str = "agent.";

impl Agent {
    pub fn new(
        index: usize,
        rx: mpsc::UnboundedReceiver<Event>,
        session: Arc<std::sync::Mutex<Option<String>>>,
        control: watch::Receiver<Directive>,
        ctx: Arc<AgentContext>,
        logon_offset: Duration,
    ) -> Agent {
        let cfg = &ctx.config;
        let user = user_name(&cfg.user_prefix, index);
        let device = (cfg.first_device as usize + index).to_string();
        let agent_id = (cfg.first_agent_id as usize + index).to_string();
        let login = LoginString {
            agent: matches!(cfg.login_type, 0 | 5).then(|| agent_id.clone()),
            password: matches!(cfg.login_type, 0 | 1 | 5).then(|| cfg.password.clone()),
            device: device.clone(),
            media: Media {
                phone: true,
                ..Media::default()
            },
            login_type: cfg.login_type,
        }
        .to_string();
        let rng =
            SmallRng::seed_from_u64(cfg.seed.wrapping_mul(1_000_003).wrapping_add(index as u64));
        Agent {
            user,
            login,
            device,
            rx,
            session,
            control,
            ctx,
            rng,
            logon_offset,
            logged_on: false,
            logged_on_before: false,
            call: None,
            plan: None,
            relogon_epoch: 0,
            logon_epoch: 0,
            talking: None,
            wrapping: None,
        }
    }

    /// Runs until told to stop or until the CRM shuts down.
    pub async fn run(mut self) {
        let mut phase = Phase::Idle;
        loop {
            let directive = *self.control.borrow_and_update();
            if directive.phase != phase {
                phase = directive.phase;
                match phase {
                    Phase::Stop => return,
                    Phase::Work if !self.logged_on => {
                        self.plan(Instant::now() + self.logon_offset, Action::LogOn)
                    }
                    Phase::LogOff => self.start_log_off(),
                    _ => {}
                }
            }
            if directive.relogon_epoch != self.relogon_epoch {
                self.relogon_epoch = directive.relogon_epoch;
                if phase == Phase::Work {
                    self.lose_session("the CMS connection was lost and is back");
                }
            }
            let wake = self.plan.as_ref().map(|p| p.at);
            tokio::select! {
                event = self.rx.recv() => match event {
                    Some(event) => self.on_event(event, phase),
                    None => return,
                },
                changed = self.control.changed() => if changed.is_err() { return },
                _ = sleep_until(wake), if wake.is_some() => {
                    if let Some(planned) = self.plan.take() {
                        self.act(planned, phase).await;
                    }
                }
            }
        }
    }

    fn plan(&mut self, at: Instant, action: Action) {
        self.plan = Some(Planned { at, action });
    }

    fn sample(&mut self, dist: stats::DurationDist) -> Duration {
        dist.sample(&mut self.rng)
    }

    fn on_event(&mut self, event: Event, phase: Phase) {
        // Not logged on while working means a logon is pending (or backing off) after a lost
        // session. The events still arriving from the lost session must not plan an answer, a
        // hang-up or a wrap-up over that logon: the agent has one plan at a time, and a request
        // that a side still knowing the old session answers would leave it working calls while
        // never logging on again. The next logon's subscriptions show whatever is still up.
        if !self.logged_on && phase == Phase::Work {
            return;
        }
        let now = Instant::now();
        match event.body {
            EventBody::UserChanged {
                mode, logged_on, ..
            } => self.on_mode(mode, logged_on, phase, now),
            EventBody::CallChanged(change) => match change.state {
                CallState::Alerting => {
                    self.call = Some(change.call_id.clone());
                    let delay = self.sample(self.ctx.config.ring_delay);
                    self.plan(now + delay, Action::Answer(change.call_id));
                }
                CallState::Initiated => self.call = Some(change.call_id),
                CallState::Connected => {
                    self.talking = Some((change.call_id.clone(), now));
                    if let Some(talk) = self.ctx.config.talk_time {
                        let talk = self.sample(talk);
                        self.plan(now + talk, Action::HangUp(change.call_id));
                    }
                }
                CallState::Held => {}
                CallState::Disconnected | CallState::Transferred => {
                    if let Some((_, since)) =
                        self.talking.take_if(|(call, _)| *call == change.call_id)
                    {
                        self.ctx
                            .metrics
                            .latency
                            .record(TALK_KEY, now.saturating_duration_since(since));
                    }
                    if self.call.as_deref() == Some(change.call_id.as_str()) {
                        self.call = None;
                    }
                    if matches!(&self.plan, Some(Planned { action: Action::Answer(c) | Action::HangUp(c), .. }) if *c == change.call_id)
                    {
                        self.plan = None;
                    }
                }
            },
            EventBody::ContainerChanged { .. } => {}
        }
    }

    fn on_mode(&mut self, mode: WorkMode, logged_on: bool, phase: Phase, now: Instant) {
        // A wrap-up ends in the mode the agent (or the connector's timer) chose; one cut short
        // by a logoff is not a wrap-up of the workload's.
        match (mode, self.wrapping) {
            (WorkMode::WrapUp, None) if logged_on => self.wrapping = Some(now),
            (WorkMode::WrapUp, _) => {}
            (WorkMode::Ready | WorkMode::NotReady, Some(since)) if logged_on => {
                self.ctx
                    .metrics
                    .latency
                    .record(WRAP_UP_KEY, now.saturating_duration_since(since));
                self.wrapping = None;
            }
            _ => self.wrapping = None,
        }
        if !logged_on {
            if self.logged_on && phase == Phase::Work {
                self.lose_session("the connector logged the agent off");
            } else if self.logged_on {
                self.logged_on = false;
                self.ctx.metrics.agent_logged_on(false);
            }
            return;
        }
        match mode {
            WorkMode::WrapUp => {
                let wrap = self.sample(self.ctx.config.wrap_up);
                self.plan(now + wrap, Action::EndWrapUp);
            }
            WorkMode::Ready => {
                // The connector's wrap-up timer ended wrap-up before we did.
                if matches!(
                    &self.plan,
                    Some(Planned {
                        action: Action::EndWrapUp | Action::Ready,
                        ..
                    })
                ) {
                    self.plan = None;
                }
                // Told to log off while a call kept us busy: now is the time (once).
                if phase == Phase::LogOff && self.logged_on && self.call.is_none() {
                    self.plan(now, Action::LogOff);
                }
            }
            WorkMode::NotReady => {
                // Not ready without our asking (ring-no-answer, or right after logon before our
                // ready request lands): come back after the not-ready time.
                if self.logged_on && self.plan.is_none() && phase == Phase::Work {
                    let back = self.sample(self.ctx.config.not_ready_time);
                    self.plan(now + back, Action::Ready);
                }
            }
            WorkMode::Busy | WorkMode::LoggedOff => {}
        }
    }

    fn start_log_off(&mut self) {
        if self.logged_on && self.call.is_none() {
            self.plan(Instant::now(), Action::LogOff);
        } else if !self.logged_on {
            self.plan = None;
        }
    }

    /// The connector no longer knows this agent: log on again.
    fn lose_session(&mut self, why: &str) {
        tracing::debug!(user = %self.user, why, "session lost; logging on again");
        if self.logged_on {
            self.logged_on = false;
            self.ctx.metrics.agent_logged_on(false);
        }
        let mut probe = crate::lock(&self.ctx.session_probe);
        if probe.as_deref() == Some(self.user.as_str()) {
            *probe = None;
        }
        drop(probe);
        self.call = None;
        self.talking = None;
        self.wrapping = None;
        let jitter = Duration::from_millis(self.rng.random_range(0..200));
        self.plan(Instant::now() + jitter, Action::LogOn);
    }

    async fn act(&mut self, planned: Planned, phase: Phase) {
        let intended = planned.at;
        let result = match planned.action {
            Action::LogOn => return self.log_on(intended, phase).await,
            Action::Answer(call) => {
                let r = self
                    .send(
                        Request::Answer {
                            user: self.user.clone(),
                            call_id: call,
                        },
                        intended,
                    )
                    .await;
                if r.is_ok() {
                    CrmMetrics::count(&self.ctx.metrics.counters.answered);
                }
                r
            }
            Action::HangUp(call) => {
                let r = self
                    .send(
                        Request::HangUp {
                            user: self.user.clone(),
                            call_id: call,
                        },
                        intended,
                    )
                    .await;
                if r.is_ok() {
                    CrmMetrics::count(&self.ctx.metrics.counters.hung_up);
                }
                r
            }
            Action::EndWrapUp => return self.end_wrap_up(intended, phase).await,
            Action::Ready => {
                let request = Request::SetWorkMode {
                    user: self.user.clone(),
                    mode: WorkMode::Ready,
                    reason: None,
                };
                self.send(request, intended).await
            }
            // Already logged off (a duplicate plan after our own logoff): nothing to do.
            Action::LogOff if !self.logged_on => return,
            Action::LogOff => self.log_off(intended).await,
        };
        self.after(result, phase);
    }

    /// What to do after a request failed.
    fn after(&mut self, result: Result<(), RequestError>, phase: Phase) {
        let Err(e) = result else { return };
        if e.is_not_logged_on() {
            if phase == Phase::Work {
                // News only if no relogon wave has come since the agent's last logon: after a
                // wave, requests of the old session failing are expected, and a second wave would
                // log on again agents who have just done so (and may already be in a call).
                if self.logon_epoch == self.relogon_epoch {
                    self.ctx
                        .session_suspect
                        .store(self.relogon_epoch + 1, std::sync::atomic::Ordering::SeqCst);
                }
                self.lose_session("the connector does not know the agent");
            }
            return;
        }
        if let RequestError::Transport(_) = e
            && phase == Phase::Work
            && self.plan.is_none()
            && self.logged_on
        {
            // The connector could not be reached: try to get back to ready after a while; the
            // call, if any, is gone with the connection.
            self.call = None;
            let backoff = self.ctx.config.relogon_backoff;
            self.plan(Instant::now() + backoff, Action::Ready);
        }
    }

    /// Logs off. A connector that no longer knows the agent has it logged off already, which is
    /// what was wanted.
    async fn log_off(&mut self, intended: Instant) -> Result<(), RequestError> {
        let request = Request::Logoff {
            user: self.user.clone(),
        };
        let result = match self.send(request, intended).await {
            Err(e) if e.is_not_logged_on() => Ok(()),
            other => other,
        };
        if result.is_ok() && self.logged_on {
            self.logged_on = false;
            self.ctx.metrics.agent_logged_on(false);
        }
        result
    }

    async fn end_wrap_up(&mut self, intended: Instant, phase: Phase) {
        if phase == Phase::LogOff {
            let r = self.log_off(intended).await;
            return self.after(r, phase);
        }
        let cfg = self.ctx.config.clone();
        let draw: f64 = self.rng.random();
        if draw < cfg.outbound_ratio {
            let reason = cfg.not_ready_reasons.first().copied();
            let not_ready = Request::SetWorkMode {
                user: self.user.clone(),
                mode: WorkMode::NotReady,
                reason,
            };
            let r = self.send(not_ready, intended).await;
            if r.is_err() {
                return self.after(r, phase);
            }
            let destination = format!("+4144{:07}", self.rng.random_range(0..10_000_000u32));
            let Ok(destination) = destination.parse() else {
                return;
            };
            let request = Request::MakeCall {
                user: self.user.clone(),
                address: self.device.clone(),
                destination,
            };
            let r = self.send(request, Instant::now()).await;
            if r.is_ok() {
                CrmMetrics::count(&self.ctx.metrics.counters.outbound);
            }
            return self.after(r, phase);
        }
        if draw < cfg.outbound_ratio + cfg.not_ready_ratio && !cfg.not_ready_reasons.is_empty() {
            let reason =
                cfg.not_ready_reasons[self.rng.random_range(0..cfg.not_ready_reasons.len())];
            let request = Request::SetWorkMode {
                user: self.user.clone(),
                mode: WorkMode::NotReady,
                reason: Some(reason),
            };
            let r = self.send(request, intended).await;
            if r.is_ok() {
                let back = self.sample(cfg.not_ready_time);
                self.plan(Instant::now() + back, Action::Ready);
            }
            return self.after(r, phase);
        }
        let request = Request::SetWorkMode {
            user: self.user.clone(),
            mode: WorkMode::Ready,
            reason: None,
        };
        let r = self.send(request, intended).await;
        self.after(r, phase);
    }

    /// Log on, subscribe user and container events, go ready. Any failure: start over after the
    /// back-off.
    async fn log_on(&mut self, intended: Instant, phase: Phase) {
        if phase != Phase::Work {
            return;
        }
        let steps = [
            Request::Logon {
                user: self.user.clone(),
                login: self.login.clone(),
                language: Some("EN".to_owned()),
            },
            Request::UserSubscribe {
                user: self.user.clone(),
                sink_url: self.ctx.sink_url.clone(),
            },
            Request::ContainerSubscribe {
                user: self.user.clone(),
                address: self.device.clone(),
                sink_url: self.ctx.sink_url.clone(),
            },
            Request::SetWorkMode {
                user: self.user.clone(),
                mode: WorkMode::Ready,
                reason: None,
            },
        ];
        let mut at = intended;
        for step in steps {
            match self.ctx.client.send(&step, at).await {
                // From now on, events of any other session are from a side the agent left.
                Ok(ici::Response::Logon { session }) => *crate::lock(&self.session) = Some(session),
                Ok(_) => {}
                // Logged on again while a call is still up at the connector: ready must wait
                // for the call, which the container subscription has just shown us.
                Err(RequestError::Fault(f))
                    if f.error == Some(ici::IciError::InvalidWorkMode)
                        && matches!(step, Request::SetWorkMode { .. }) => {}
                Err(_) => {
                    let backoff = self.ctx.config.relogon_backoff;
                    self.plan(Instant::now() + backoff, Action::LogOn);
                    return;
                }
            }
            at = Instant::now();
        }
        self.logged_on = true;
        self.ctx.metrics.agent_logged_on(true);
        let counter = if self.logged_on_before {
            &self.ctx.metrics.counters.relogons
        } else {
            &self.ctx.metrics.counters.logons
        };
        CrmMetrics::count(counter);
        self.logged_on_before = true;
        self.logon_epoch = self.relogon_epoch;
        let mut probe = crate::lock(&self.ctx.session_probe);
        if probe.is_none() {
            *probe = Some(self.user.clone());
        }
    }

    async fn send(&self, request: Request, intended: Instant) -> Result<(), RequestError> {
        self.ctx.client.send(&request, intended).await.map(|_| ())
    }
}

/// SAP user name of agent `index` (0-based): `AGENT00001`.
pub fn user_name(prefix: &str, index: usize) -> String {
    format!("{prefix}{:05}", index + 1)
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}
