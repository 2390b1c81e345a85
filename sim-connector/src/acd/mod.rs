//! The contact center behind the connector: agents, calls, the queue and routing.
//!
//! This is the telephony model in one state machine, with no I/O: requests and timer expiries go
//! in; responses or faults come out, events go to an [`EventOutlet`], and new timers are left in
//! [`Acd::take_timers`] for the caller to arm. Being pure, it is tested without sockets, and the
//! simulator around it only decides *when* things happen.
//!
//! The rules follow the connector vendor's documentation where it has any (wrap-up, reason
//! codes, login strings) and common ACD behaviour elsewhere (longest-idle routing, ring-no-answer,
//! queue abandonment).

mod agents;
mod calls;
mod counters;
mod requests;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use ici::{
    AttachedData, CallChanged, CallState, ContainerChange, E164, EventBody, ItemType, Participant,
    ParticipantRole, ReasonCode, WorkMode,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use stats::DurationDist;

pub use agents::{Agent, ReadySet};
pub use calls::{Call, CallPhase, Direction, Outcome};
pub use counters::{AcdCounters, AcdGauges, AcdSnapshot};

/// How the contact center behaves.
#[derive(Debug, Clone)]
pub struct AcdConfig {
    /// Prefix of call and session ids (`connector-a`), so ids from two sides never collide.
    pub side: String,
    /// `AgentLoginType` from the connector's `[Config]`: the shape of login strings.
    pub login_type: u8,
    /// Whether agents enter wrap-up after a call.
    pub wrap_up: bool,
    /// The connector's wrap-up timer: ends wrap-up by itself, returning the agent to the state it
    /// had before the call. `None`: only the agent ends wrap-up.
    pub wrap_up_timer: Option<Duration>,
    /// Ring-no-answer: an alerting call not answered in this time goes back to the queue and the
    /// agent is made not ready.
    pub ring_no_answer: Duration,
    /// Reason code given to an agent made not ready by ring-no-answer.
    pub ring_no_answer_reason: Option<ReasonCode>,
    /// A queued caller hangs up after this long without an agent (abandoned, lost).
    pub patience: Duration,
    /// When set, callers hang up after this talk time; otherwise agents do.
    pub caller_talk_time: Option<DurationDist>,
    /// How long the far end of an outbound call takes to answer.
    pub outbound_answer: DurationDist,
    /// Callers' numbers are this E.164 prefix followed by random digits up to 12 digits in all.
    pub ani_prefix: String,
    /// A CRM (event sink origin) that sends no request for this long is considered gone: its
    /// agents are logged off and their calls dropped. The events still go out (naming the
    /// session), so a CRM that is alive learns of it. After a failover and fail-back
    /// this is what clears the side nobody talks to any more. `None`: never.
    pub crm_session_timeout: Option<Duration>,
    /// Seed of the ACD's random draws (caller numbers, customer ids, talk and answer times), so
    /// that a run can be repeated.
    pub seed: u64,
}

impl Default for AcdConfig {
    fn default() -> Self {
        AcdConfig {
            side: "connector".to_owned(),
            login_type: 0,
            wrap_up: true,
            wrap_up_timer: Some(Duration::from_secs(60)),
            ring_no_answer: Duration::from_secs(15),
            ring_no_answer_reason: None,
            patience: Duration::from_secs(60),
            caller_talk_time: None,
            outbound_answer: DurationDist::Constant(Duration::from_secs(2)),
            ani_prefix: "+4131555".to_owned(),
            crm_session_timeout: None,
            seed: 1,
        }
    }
}

/// Where events go. The connector's implementation queues them per subscriber in order; tests
/// collect them.
pub trait EventOutlet: Send {
    /// Sends one event to `sink` for `user`. Called while the ACD is locked, so that events of
    /// one agent are queued in the order their state changes happened.
    fn send(&mut self, sink: &str, user: &str, session: Option<&str>, body: EventBody, at: Instant);
    /// The agent logged off: its streams may close once drained.
    fn close(&mut self, user: &str);
}

/// A timer the ACD wants armed. When it expires, pass it back to [`Acd::fire`]; the epoch makes
/// a timer that no longer applies do nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timer {
    /// A queued caller's patience ran out: the call is abandoned if still queued.
    Patience {
        /// The call's id.
        call: String,
        /// The call's epoch when the timer was armed; the timer is stale once it changed.
        epoch: u64,
    },
    /// An alerting call was not answered in time: it goes back to the front of the queue and the
    /// agent is made not ready.
    RingNoAnswer {
        /// The call's id.
        call: String,
        /// The call's epoch when the timer was armed; the timer is stale once it changed.
        epoch: u64,
    },
    /// The caller's talk time is over (when callers hang up): the call completes.
    CallerHangUp {
        /// The call's id.
        call: String,
        /// The call's epoch when the timer was armed; the timer is stale once it changed.
        epoch: u64,
    },
    /// The far end of an outbound call answers: the call is connected.
    RemoteAnswer {
        /// The call's id.
        call: String,
        /// The call's epoch when the timer was armed; the timer is stale once it changed.
        epoch: u64,
    },
    /// The wrap-up timer ends an agent's wrap-up: the agent returns to its mode before the call.
    WrapUpEnd {
        /// The agent's user name.
        user: String,
        /// The agent's epoch when wrap-up began; any later mode change makes the timer stale.
        epoch: u64,
    },
    /// Looks for CRMs that went silent (see [`AcdConfig::crm_session_timeout`]).
    SessionSweep,
}

/// A timer to arm and its delay, as left in [`Acd::take_timers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Armed {
    /// How long from now until it fires.
    pub after: Duration,
    /// What to pass back to [`Acd::fire`] when it expires.
    pub timer: Timer,
}

/// The contact center's whole state.
pub struct Acd {
    cfg: AcdConfig,
    agents: HashMap<String, Agent>,
    devices: HashMap<String, String>,
    calls: HashMap<String, Call>,
    queue: VecDeque<String>,
    ready: ReadySet,
    counters: AcdCounters,
    outlet: Box<dyn EventOutlet>,
    rng: SmallRng,
    next_call: u64,
    next_session: u64,
    armed: Vec<Armed>,
    fallback_ani: E164,
    dead: bool,
    /// Last request seen from each CRM, by event sink origin (`https://crm.example:8443`).
    crm_seen: HashMap<String, Instant>,
    /// Marks this instance's call and session ids (see [`Acd::call_id`]).
    instance: String,
}

/// The ACD configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcdConfigError {
    /// `ani_prefix` does not start a valid E.164 number (checked padded with zeros to 13 chars).
    #[error("caller number prefix {prefix:?} is not the start of an E.164 number: {source}")]
    AniPrefix {
        /// The prefix as configured.
        prefix: String,
        /// Why the padded number was refused.
        source: ici::ValueError,
    },
    /// `login_type` is not 0, 1, 2 or 5; holds the value given.
    #[error("AgentLoginType {0} is not one the connector documents (0, 1, 2 or 5)")]
    LoginType(u8),
}

impl Acd {
    /// A contact center with no agents and no calls, sending its events to `outlet`. Fails when the
    /// login type or the caller number prefix is unusable.
    pub fn new(cfg: AcdConfig, outlet: Box<dyn EventOutlet>) -> Result<Acd, AcdConfigError> {
        if ![0, 1, 2, 5].contains(&cfg.login_type) {
            return Err(AcdConfigError::LoginType(cfg.login_type));
        }
        let padded = format!("{:0<13}", cfg.ani_prefix);
        let fallback_ani = padded
            .parse::<E164>()
            .map_err(|source| AcdConfigError::AniPrefix {
                prefix: cfg.ani_prefix.clone(),
                source,
            })?;
        let rng = SmallRng::seed_from_u64(cfg.seed);
        let mut acd = Acd {
            cfg,
            agents: HashMap::new(),
            devices: HashMap::new(),
            calls: HashMap::new(),
            queue: VecDeque::new(),
            ready: ReadySet::default(),
            counters: AcdCounters::default(),
            outlet,
            rng,
            next_call: 0,
            next_session: 0,
            armed: Vec::new(),
            fallback_ani,
            dead: false,
            crm_seen: HashMap::new(),
            instance: instance_mark(),
        };
        if let Some(timeout) = acd.cfg.crm_session_timeout {
            acd.arm(sweep_interval(timeout), Timer::SessionSweep);
        }
        Ok(acd)
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &AcdConfig {
        &self.cfg
    }

    /// Timers armed since the last call.
    pub fn take_timers(&mut self) -> Vec<Armed> {
        std::mem::take(&mut self.armed)
    }

    /// Agents logged on now.
    pub fn logged_on(&self) -> usize {
        self.agents.len()
    }

    /// Whether [`Acd::die`] was called: a dead connector takes no call.
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// Calls not yet ended.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// The counters alone (cheaper than a snapshot: no call list).
    pub fn counters(&self) -> &AcdCounters {
        &self.counters
    }

    /// What live metrics show of this moment: agents by work mode (a scan of the agents, done
    /// once per scrape, not per call), calls waiting and calls in progress.
    pub fn gauges(&self) -> AcdGauges {
        let mut by_mode = WorkMode::ALL.map(|m| (m, 0u64));
        for agent in self.agents.values() {
            if let Some(slot) = by_mode.iter_mut().find(|(m, _)| *m == agent.mode) {
                slot.1 += 1;
            }
        }
        AcdGauges {
            agents_by_mode: by_mode,
            queued: self.queue.len() as u64,
            active_calls: self.calls.len() as u64,
        }
    }

    /// Counters and gauges, for reports and invariants.
    pub fn snapshot(&self) -> AcdSnapshot {
        let mut active: Vec<String> = self.calls.keys().cloned().collect();
        active.sort();
        AcdSnapshot {
            counters: self.counters.clone(),
            logged_on: self.agents.len() as u64,
            ready: self.ready.len() as u64,
            queued: self.queue.len() as u64,
            active_calls: active,
        }
    }

    /// A new inbound call arrives. `at` is its intended arrival time; the caller's patience
    /// counts from then, even if the call reaches us later (it waited in the contact center).
    pub fn offer_call(&mut self, at: Instant, now: Instant) -> String {
        let id = self.call_id();
        let remote = self.random_ani();
        let attached = self.attached_data(&id, &remote);
        self.counters.offered += 1;
        self.calls.insert(
            id.clone(),
            Call {
                id: id.clone(),
                direction: Direction::Inbound,
                remote,
                attached,
                phase: CallPhase::Queued,
                agent: None,
                offered_at: at,
                answered: false,
                epoch: 0,
            },
        );
        self.queue.push_back(id.clone());
        let waited = now.saturating_duration_since(at);
        self.arm(
            self.cfg.patience.saturating_sub(waited),
            Timer::Patience {
                call: id.clone(),
                epoch: 0,
            },
        );
        self.route(now);
        id
    }

    /// A new call id: the side, this instance's mark, a counter. The mark keeps ids apart when a
    /// side is restarted and counts from 1 again, so the CRM never mixes a new call with an old.
    pub(crate) fn call_id(&mut self) -> String {
        self.next_call += 1;
        format!("{}-{}-{:07}", self.cfg.side, self.instance, self.next_call)
    }

    /// A timer expired.
    pub fn fire(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::Patience { call, epoch } => {
                if self.call_at(&call, epoch, &[CallPhase::Queued]) {
                    self.queue.retain(|c| c != &call);
                    self.finish_call(&call, Outcome::Abandoned, None, now);
                }
            }
            Timer::RingNoAnswer { call, epoch } => {
                if self.call_at(&call, epoch, &[CallPhase::Alerting]) {
                    self.ring_no_answer(&call, now);
                }
            }
            Timer::CallerHangUp { call, epoch } => {
                if self.call_at(&call, epoch, &[CallPhase::Connected, CallPhase::Held]) {
                    self.finish_call(&call, Outcome::Completed, Some("callerHangUp"), now);
                }
            }
            Timer::RemoteAnswer { call, epoch } => {
                if self.call_at(&call, epoch, &[CallPhase::Dialling]) {
                    self.set_phase(&call, CallPhase::Connected);
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.answered = true;
                    }
                    self.call_event(&call, CallState::Connected, None, now);
                }
            }
            Timer::SessionSweep => {
                if let Some(timeout) = self.cfg.crm_session_timeout {
                    self.expire_silent_crms(timeout, now);
                    self.arm(sweep_interval(timeout), Timer::SessionSweep);
                }
            }
            Timer::WrapUpEnd { user, epoch } => {
                let back = match self.agents.get(&user) {
                    Some(a) if a.epoch == epoch && a.mode == WorkMode::WrapUp => a.wrap_up_return,
                    _ => return,
                };
                self.counters.wrap_up_timer_ends += 1;
                self.change_mode(&user, back.0, back.1, now);
                self.route(now);
            }
        }
    }

    /// The connector dies: from now on no event is produced (a dead process sends nothing), and
    /// every active call is ended as dropped with `reason`, so that none is left without an
    /// outcome.
    pub fn die(&mut self, reason: &str, now: Instant) -> Vec<String> {
        self.dead = true;
        self.drop_all_calls(reason, now)
    }

    /// Ends every active call with `reason`, so that no call is left without an outcome. Agents
    /// keep their sessions: a connector that goes on running puts each agent whose call was
    /// dropped back in the mode the call found them in (no wrap-up: the call was not worked to
    /// its end); a dead one says nothing more. Returns the ids of the calls it ended.
    pub fn drop_all_calls(&mut self, reason: &str, now: Instant) -> Vec<String> {
        let mut ids: Vec<String> = self.calls.keys().cloned().collect();
        ids.sort();
        // Every call goes: none may be routed to an agent freed while the others are dropped.
        self.queue.clear();
        let mut freed = Vec::new();
        for id in &ids {
            if let Some(user) = self.calls.get(id).and_then(|c| c.agent.clone()) {
                freed.push(user);
            }
            self.finish_call(
                id,
                Outcome::Dropped(reason.to_owned()),
                Some("dropped"),
                now,
            );
        }
        if !self.dead {
            for user in freed {
                if let Some(back) = self.agents.get(&user).map(|a| a.wrap_up_return) {
                    self.change_mode(&user, back.0, back.1, now);
                }
            }
        }
        ids
    }

    /// Notes that the CRM of `user` is alive (it sent a request for the user).
    pub(crate) fn crm_alive(&mut self, user: &str, now: Instant) {
        if self.cfg.crm_session_timeout.is_none() {
            return;
        }
        let origin = self
            .agents
            .get(user)
            .and_then(|a| a.user_sink.as_deref().or(a.container_sink.as_deref()))
            .map(origin);
        if let Some(origin) = origin {
            self.crm_seen.insert(origin.to_owned(), now);
        }
    }

    /// Logs off the agents of every CRM that sent nothing for `timeout`, and drops their calls
    /// with that reason.
    fn expire_silent_crms(&mut self, timeout: Duration, now: Instant) {
        let silent: Vec<String> = self
            .crm_seen
            .iter()
            .filter(|(_, seen)| now.saturating_duration_since(**seen) >= timeout)
            .map(|(o, _)| o.clone())
            .collect();
        for gone in silent {
            self.crm_seen.remove(&gone);
            let mut users: Vec<String> = self
                .agents
                .values()
                .filter(|a| {
                    a.user_sink
                        .as_deref()
                        .or(a.container_sink.as_deref())
                        .map(origin)
                        == Some(gone.as_str())
                })
                .map(|a| a.user.clone())
                .collect();
            users.sort();
            let reason = format!(
                "CRM session lost: no request from {gone} for {}s",
                timeout.as_secs_f64()
            );
            for user in users {
                if let Some(call) = self.agents.get(&user).and_then(|a| a.call.clone()) {
                    self.finish_call(
                        &call,
                        Outcome::Dropped(reason.clone()),
                        Some("dropped"),
                        now,
                    );
                }
                // Said to the CRM in case it is alive and still thinks the agent is here; the
                // event names this session, so a CRM whose agent moved on ignores it.
                let sink = self.agents.get(&user).and_then(|a| a.user_sink.clone());
                let body = EventBody::UserChanged {
                    user: user.clone(),
                    logged_on: false,
                    mode: WorkMode::LoggedOff,
                    reason: None,
                };
                self.emit(sink, &user, body, now);
                self.remove_agent(&user);
                self.counters.session_expiries += 1;
            }
            tracing::info!(side = %self.cfg.side, crm = %gone, "{reason}");
        }
    }

    /// Forgets an agent: ready set, device, session, event streams.
    pub(crate) fn remove_agent(&mut self, user: &str) {
        let Some(agent) = self.agents.remove(user) else {
            return;
        };
        if let Some(key) = &agent.ready_key {
            self.ready.remove(key);
        }
        self.devices.remove(&agent.device);
        self.outlet.close(user);
    }

    fn call_at(&self, call: &str, epoch: u64, phases: &[CallPhase]) -> bool {
        self.calls
            .get(call)
            .is_some_and(|c| c.epoch == epoch && phases.contains(&c.phase))
    }

    fn arm(&mut self, after: Duration, timer: Timer) {
        self.armed.push(Armed { after, timer });
    }

    fn set_phase(&mut self, call: &str, phase: CallPhase) -> u64 {
        match self.calls.get_mut(call) {
            Some(c) => {
                c.phase = phase;
                c.epoch += 1;
                c.epoch
            }
            None => 0,
        }
    }

    /// Between connected and held: the phase changes, the epoch does not, since no timer of
    /// the connected call (the caller's hang-up) is made stale by a hold.
    fn hold_phase(&mut self, call: &str, phase: CallPhase) {
        if let Some(c) = self.calls.get_mut(call) {
            c.phase = phase;
        }
    }

    /// Routes queued calls to the longest-idle ready agents.
    fn route(&mut self, now: Instant) {
        while !self.queue.is_empty() && !self.ready.is_empty() {
            let (Some(call), Some(user)) = (self.queue.pop_front(), self.ready.pop_longest_idle())
            else {
                break;
            };
            self.alert(&call, &user, now);
        }
    }

    fn alert(&mut self, call: &str, user: &str, now: Instant) {
        let Some(agent) = self.agents.get_mut(user) else {
            return;
        };
        agent.ready_key = None;
        agent.wrap_up_return = (agent.mode, agent.reason);
        agent.mode = WorkMode::Busy;
        agent.reason = None;
        agent.call = Some(call.to_owned());
        agent.epoch += 1;
        if let Some(c) = self.calls.get_mut(call) {
            c.agent = Some(user.to_owned());
        }
        let epoch = self.set_phase(call, CallPhase::Alerting);
        self.container_event(user, ContainerChange::ItemAdded, call, now);
        self.call_event(call, CallState::Alerting, None, now);
        self.arm(
            self.cfg.ring_no_answer,
            Timer::RingNoAnswer {
                call: call.to_owned(),
                epoch,
            },
        );
    }

    fn ring_no_answer(&mut self, call: &str, now: Instant) {
        self.counters.ring_no_answer += 1;
        let user = self.calls.get(call).and_then(|c| c.agent.clone());
        self.call_event(call, CallState::Disconnected, Some("ringNoAnswer"), now);
        if let Some(user) = &user {
            self.container_event(user, ContainerChange::ItemRemoved, call, now);
            if let Some(a) = self.agents.get_mut(user) {
                a.call = None;
            }
            let reason = self.cfg.ring_no_answer_reason;
            self.change_mode(user, WorkMode::NotReady, reason, now);
        }
        if let Some(c) = self.calls.get_mut(call) {
            c.agent = None;
        }
        let epoch = self.set_phase(call, CallPhase::Queued);
        self.queue.push_front(call.to_owned());
        // Back in the queue, the caller's patience goes on from the call's arrival: the
        // timer armed then is stale (its epoch is gone), so it is armed again for what is left.
        if let Some(c) = self.calls.get(call) {
            let waited = now.saturating_duration_since(c.offered_at);
            self.arm(
                self.cfg.patience.saturating_sub(waited),
                Timer::Patience {
                    call: call.to_owned(),
                    epoch,
                },
            );
        }
        self.route(now);
    }

    /// Ends a call for good: counts its outcome, tells the agent, and starts wrap-up.
    fn finish_call(&mut self, call: &str, outcome: Outcome, cause: Option<&str>, now: Instant) {
        let Some(record) = self.calls.get(call).cloned() else {
            return;
        };
        let state = match outcome {
            Outcome::Transferred => CallState::Transferred,
            _ => CallState::Disconnected,
        };
        if record.agent.is_some() {
            self.call_event(call, state, cause, now);
        }
        self.calls.remove(call);
        self.counters.count_outcome(&outcome);
        let Some(user) = record.agent else { return };
        self.container_event(&user, ContainerChange::ItemRemoved, call, now);
        let Some(agent) = self.agents.get_mut(&user) else {
            return;
        };
        agent.call = None;
        if matches!(outcome, Outcome::Dropped(_)) {
            return;
        }
        if self.cfg.wrap_up && record.answered {
            self.change_mode(&user, WorkMode::WrapUp, None, now);
            if let (Some(after), Some(a)) = (self.cfg.wrap_up_timer, self.agents.get(&user)) {
                let epoch = a.epoch;
                self.arm(after, Timer::WrapUpEnd { user, epoch });
            }
        } else {
            let back = agent.wrap_up_return;
            self.change_mode(&user, back.0, back.1, now);
            self.route(now);
        }
    }

    /// Sets an agent's work mode, keeps the ready set in step, and sends `userChanged`.
    fn change_mode(
        &mut self,
        user: &str,
        mode: WorkMode,
        reason: Option<ReasonCode>,
        now: Instant,
    ) {
        let Some(agent) = self.agents.get_mut(user) else {
            return;
        };
        if let Some(key) = agent.ready_key.take() {
            self.ready.remove(&key);
        }
        agent.mode = mode;
        agent.reason = if mode == WorkMode::NotReady {
            reason
        } else {
            None
        };
        agent.epoch += 1;
        if mode == WorkMode::Ready {
            agent.idle_since = now;
            agent.ready_key = Some(self.ready.insert(now, user));
        }
        self.user_event(user, now);
    }

    fn user_event(&mut self, user: &str, now: Instant) {
        let Some(agent) = self.agents.get(user) else {
            return;
        };
        let body = EventBody::UserChanged {
            user: user.to_owned(),
            logged_on: true,
            mode: agent.mode,
            reason: agent.reason,
        };
        let sink = agent.user_sink.clone();
        self.emit(sink, user, body, now);
    }

    fn container_event(&mut self, user: &str, change: ContainerChange, call: &str, now: Instant) {
        let Some(agent) = self.agents.get(user) else {
            return;
        };
        let body = EventBody::ContainerChanged {
            user: user.to_owned(),
            container: agent.device.clone(),
            change,
            item_id: call.to_owned(),
            item_type: ItemType::Call,
        };
        let sink = agent.container_sink.clone();
        self.emit(sink, user, body, now);
    }

    fn call_event(&mut self, call: &str, state: CallState, cause: Option<&str>, now: Instant) {
        let Some(c) = self.calls.get(call) else {
            return;
        };
        let Some(user) = c.agent.clone() else { return };
        let Some(agent) = self.agents.get(&user) else {
            return;
        };
        let (caller, called) = match c.direction {
            Direction::Inbound => (c.remote.to_string(), agent.device.clone()),
            Direction::Outbound => (agent.device.clone(), c.remote.to_string()),
        };
        let (caller_role, called_role) = match c.direction {
            Direction::Inbound => (ParticipantRole::Caller, ParticipantRole::Agent),
            Direction::Outbound => (ParticipantRole::Agent, ParticipantRole::Destination),
        };
        let with_data = matches!(state, CallState::Alerting | CallState::Initiated);
        let body = EventBody::CallChanged(Box::new(CallChanged {
            user: user.clone(),
            call_id: call.to_owned(),
            state,
            cause: cause.map(str::to_owned),
            participants: vec![
                Participant {
                    address: caller,
                    role: caller_role,
                    state,
                },
                Participant {
                    address: called,
                    role: called_role,
                    state,
                },
            ],
            remote_numbers: vec![c.remote.clone()],
            attached: with_data.then(|| c.attached.clone()),
        }));
        let sink = agent.container_sink.clone();
        self.emit(sink, &user, body, now);
    }

    fn emit(&mut self, sink: Option<String>, user: &str, body: EventBody, at: Instant) {
        if self.dead {
            return;
        }
        match sink {
            Some(sink) => {
                self.counters.events_emitted += 1;
                let session = self.agents.get(user).map(|a| a.session.clone());
                self.outlet.send(&sink, user, session.as_deref(), body, at);
            }
            // Nobody subscribed: a real connector has nowhere to send it either. Counted, so a
            // CRM that forgets to subscribe shows up in the report.
            None => self.counters.events_unsubscribed += 1,
        }
    }

    fn random_ani(&mut self) -> E164 {
        let digits_wanted = 12usize.saturating_sub(self.cfg.ani_prefix.len().saturating_sub(1));
        let mut number = self.cfg.ani_prefix.clone();
        for _ in 0..digits_wanted.max(1) {
            number.push(char::from(b'0' + self.rng.random_range(0..10u8)));
        }
        // The prefix was validated in `new`, so only digits were added to a valid number.
        number.parse().unwrap_or_else(|_| self.fallback_ani.clone())
    }

    fn attached_data(&mut self, id: &str, remote: &E164) -> AttachedData {
        let mut data = AttachedData::default();
        data.call_variables[0] = Some(remote.as_str().trim_start_matches('+').to_owned());
        data.call_variables[1] = Some(format!("{}", self.next_call));
        data.media_id = Some(id.to_owned());
        data.ecc.push((
            "ECC.user.CustomerId".to_owned(),
            format!("C{:06}", self.rng.random_range(0..1_000_000u32)),
        ));
        data.ecc_arrays.push((
            "ECCA.user.Products".to_owned(),
            vec!["Internet".to_owned(), "Mobile".to_owned()],
        ));
        data
    }
}

/// A short mark that differs between instances of the same side: the start time in
/// milliseconds, base 36, last four digits, plus a process-wide counter for instances started
/// in the same millisecond.
fn instance_mark() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STARTED: AtomicU64 = AtomicU64::new(0);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let n = millis.wrapping_add(STARTED.fetch_add(1, Ordering::Relaxed) * 7919);
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut mark = String::with_capacity(4);
    let mut v = n;
    for _ in 0..4 {
        mark.insert(0, char::from(digits[(v % 36) as usize]));
        v /= 36;
    }
    mark
}

/// `scheme://authority` of a URL: which CRM a sink belongs to.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// How often to look for silent CRMs: often enough to notice within a quarter of the timeout.
fn sweep_interval(timeout: Duration) -> Duration {
    (timeout / 4).max(Duration::from_millis(100))
}

#[cfg(test)]
mod tests;
