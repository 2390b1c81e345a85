//! What each ICI request does to the contact center, and the faults it can earn.

use std::time::Instant;

use ici::{
    CallState, ContainerChange, E164, Fault, IciError, LoginString, Request, Response,
    TransferMode, WorkMode,
};

use super::{Acd, Agent, Call, CallPhase, Direction, Outcome, Timer};

/// Version string the connector reports (`getVersion`).
pub const VERSION: &str = concat!(
    "crmsim-connector ",
    env!("CARGO_PKG_VERSION"),
    " (ICI profile 1)"
);

impl Acd {
    /// Handles one request. A fault is a normal answer (the request was wrong or not allowed
    /// now), counted by error code.
    pub fn handle(&mut self, request: Request, now: Instant) -> Result<Response, Fault> {
        let op = request.operation();
        *self.counters.requests.entry(op.key().into()).or_default() += 1;
        let user = request.user().map(str::to_owned);
        let result = self.dispatch(request, now);
        if let Some(user) = user {
            self.crm_alive(&user, now);
        }
        if let Err(fault) = &result {
            let code = fault.error.map_or("unspecified", |e| e.as_str());
            *self.counters.faults.entry(code.into()).or_default() += 1;
        }
        result
    }

    fn dispatch(&mut self, request: Request, now: Instant) -> Result<Response, Fault> {
        match request {
            Request::GetVersion => Ok(Response::Version {
                version: VERSION.to_owned(),
                vendor: "crmsim".to_owned(),
            }),
            // With a user, the heartbeat also checks that the user's session exists (SAP's "CMS
            // session availability"): after a failover the other side answers, but without it.
            Request::Heartbeat { user } => {
                if let Some(user) = user
                    && !self.agents.contains_key(&user)
                {
                    return Err(Fault::client(
                        IciError::NotLoggedOn,
                        format!(
                            "CMS session not available: {user} is not logged on at {}",
                            self.cfg.side
                        ),
                    ));
                }
                Ok(Response::Heartbeat {
                    status: "ok".to_owned(),
                    timestamp: crate::clock::rfc3339_now(),
                })
            }
            Request::Logon { user, login, .. } => self.logon(user, &login, now),
            Request::Logoff { user } => self.logoff(&user, now),
            Request::SetWorkMode { user, mode, reason } => {
                self.set_work_mode(&user, mode, reason, now)
            }
            Request::UserSubscribe { user, sink_url } => {
                self.agent_mut(&user)?.user_sink = Some(sink_url);
                // Tell the new subscriber where the agent stands, as it cannot know otherwise.
                self.user_event(&user, now);
                Ok(Response::Ack(ici::Operation::UserSubscribe))
            }
            Request::UserUnsubscribe { user, .. } => {
                self.agent_mut(&user)?.user_sink = None;
                Ok(Response::Ack(ici::Operation::UserUnsubscribe))
            }
            Request::ContainerSubscribe {
                user,
                address,
                sink_url,
            } => {
                let agent = self.agent_mut(&user)?;
                check_device(agent, &address)?;
                agent.container_sink = Some(sink_url);
                // A new subscriber learns what the container holds (a CRM that logged on again
                // while the agent was on a call must see the call to go on with it).
                if let Some(call) = agent.call.clone() {
                    self.container_event(&user, ContainerChange::ItemAdded, &call, now);
                    let state = match self.calls.get(&call).map(|c| c.phase) {
                        Some(CallPhase::Connected) => CallState::Connected,
                        Some(CallPhase::Held) => CallState::Held,
                        Some(CallPhase::Dialling) => CallState::Initiated,
                        _ => CallState::Alerting,
                    };
                    self.call_event(&call, state, None, now);
                }
                Ok(Response::Ack(ici::Operation::ContainerSubscribe))
            }
            Request::ContainerUnsubscribe { user, address, .. } => {
                let agent = self.agent_mut(&user)?;
                check_device(agent, &address)?;
                agent.container_sink = None;
                Ok(Response::Ack(ici::Operation::ContainerUnsubscribe))
            }
            Request::MakeCall {
                user,
                address,
                destination,
            } => self.make_call(&user, &address, destination, now),
            Request::Answer { user, call_id } => self.answer(&user, &call_id, now),
            Request::HangUp { user, call_id } => {
                self.own_call(
                    &user,
                    &call_id,
                    &[CallPhase::Connected, CallPhase::Held, CallPhase::Dialling],
                )?;
                self.finish_call(&call_id, Outcome::Completed, Some("agentHangUp"), now);
                Ok(Response::Ack(ici::Operation::HangUp))
            }
            Request::Hold { user, call_id } => {
                self.own_call(&user, &call_id, &[CallPhase::Connected])?;
                // Hold and retrieve keep the call's epoch: the caller is still on the line, so
                // the caller's hang-up timer armed at the answer still counts.
                self.hold_phase(&call_id, CallPhase::Held);
                self.call_event(&call_id, CallState::Held, None, now);
                Ok(Response::Ack(ici::Operation::Hold))
            }
            Request::Retrieve { user, call_id } => {
                self.own_call(&user, &call_id, &[CallPhase::Held])?;
                self.hold_phase(&call_id, CallPhase::Connected);
                self.call_event(&call_id, CallState::Connected, None, now);
                Ok(Response::Ack(ici::Operation::Retrieve))
            }
            Request::Transfer {
                user,
                call_id,
                destination,
                mode,
            } => {
                self.own_call(&user, &call_id, &[CallPhase::Connected, CallPhase::Held])?;
                let cause = match mode {
                    TransferMode::Blind => "blindTransfer",
                    TransferMode::Consult => "consultTransfer",
                };
                tracing::debug!(call = %call_id, to = %destination, "transferred");
                self.finish_call(&call_id, Outcome::Transferred, Some(cause), now);
                Ok(Response::Ack(ici::Operation::Transfer))
            }
        }
    }

    fn logon(&mut self, user: String, login: &str, now: Instant) -> Result<Response, Fault> {
        let parsed = LoginString::parse(login, self.cfg.login_type).map_err(|e| {
            Fault::client(
                IciError::InvalidLogin,
                format!(
                    "login string of {user} refused: {e} (AgentLoginType={})",
                    self.cfg.login_type
                ),
            )
        })?;
        if let Some(owner) = self.devices.get(&parsed.device)
            && owner != &user
        {
            return Err(Fault::client(
                IciError::InvalidLogin,
                format!("device {} is in use by {owner}", parsed.device),
            ));
        }
        self.next_session += 1;
        let session = format!("{}-{}-s{}", self.cfg.side, self.instance, self.next_session);
        self.counters.logons += 1;
        if let Some(agent) = self.agents.get_mut(&user) {
            // A re-logon (the CRM lost track of its session, e.g. after a network fault): the
            // agent keeps its state and call, with a new session id.
            agent.session = session.clone();
            return Ok(Response::Logon { session });
        }
        self.devices.insert(parsed.device.clone(), user.clone());
        self.agents.insert(
            user.clone(),
            Agent {
                user,
                agent_id: parsed.agent,
                device: parsed.device,
                session: session.clone(),
                mode: WorkMode::NotReady,
                reason: None,
                call: None,
                wrap_up_return: (WorkMode::NotReady, None),
                idle_since: now,
                ready_key: None,
                epoch: 0,
                user_sink: None,
                container_sink: None,
            },
        );
        Ok(Response::Logon { session })
    }

    fn logoff(&mut self, user: &str, now: Instant) -> Result<Response, Fault> {
        let agent = self.agent_mut(user)?;
        if let Some(call) = &agent.call {
            return Err(Fault::client(
                IciError::InvalidWorkMode,
                format!("{user} cannot log off while call {call} is active"),
            ));
        }
        let sink = agent.user_sink.clone();
        self.counters.logoffs += 1;
        let body = ici::EventBody::UserChanged {
            user: user.to_owned(),
            logged_on: false,
            mode: WorkMode::LoggedOff,
            reason: None,
        };
        self.emit(sink, user, body, now);
        self.remove_agent(user);
        Ok(Response::Ack(ici::Operation::Logoff))
    }

    fn set_work_mode(
        &mut self,
        user: &str,
        mode: WorkMode,
        reason: Option<ici::ReasonCode>,
        now: Instant,
    ) -> Result<Response, Fault> {
        let agent = self.agent_mut(user)?;
        let current = agent.mode;
        match (current, mode) {
            (_, WorkMode::LoggedOff | WorkMode::Busy) => {
                return Err(Fault::client(
                    IciError::InvalidWorkMode,
                    format!(
                        "work mode {} cannot be set; use logoff, or answer a call",
                        mode.as_str()
                    ),
                ));
            }
            (WorkMode::Busy, _) => {
                return Err(Fault::client(
                    IciError::InvalidWorkMode,
                    format!("{user} is on a call; hang up first"),
                ));
            }
            (WorkMode::WrapUp, WorkMode::WrapUp) => {}
            (_, WorkMode::WrapUp) => {
                return Err(Fault::client(
                    IciError::InvalidWorkMode,
                    format!("{user} can enter wrap-up only after a call"),
                ));
            }
            // Ready or not ready during wrap-up ends wrap-up at once ("direct wrap up end").
            (_, WorkMode::Ready | WorkMode::NotReady) => {
                if current == WorkMode::WrapUp {
                    self.counters.direct_wrap_up_ends += 1;
                }
                self.change_mode(user, mode, reason, now);
                self.route(now);
            }
        }
        Ok(Response::Ack(ici::Operation::SetWorkMode))
    }

    fn answer(&mut self, user: &str, call_id: &str, now: Instant) -> Result<Response, Fault> {
        self.own_call(user, call_id, &[CallPhase::Alerting])?;
        let epoch = self.set_phase(call_id, CallPhase::Connected);
        if let Some(c) = self.calls.get_mut(call_id) {
            c.answered = true;
        }
        self.counters.answered += 1;
        self.call_event(call_id, CallState::Connected, None, now);
        if let Some(talk) = self.cfg.caller_talk_time {
            let after = talk.sample(&mut self.rng);
            self.arm(
                after,
                Timer::CallerHangUp {
                    call: call_id.to_owned(),
                    epoch,
                },
            );
        }
        Ok(Response::Ack(ici::Operation::Answer))
    }

    fn make_call(
        &mut self,
        user: &str,
        address: &str,
        destination: E164,
        now: Instant,
    ) -> Result<Response, Fault> {
        let agent = self.agent_mut(user)?;
        check_device(agent, address)?;
        if agent.call.is_some() || agent.mode == WorkMode::Busy {
            return Err(Fault::client(
                IciError::InvalidWorkMode,
                format!("{user} is already on a call"),
            ));
        }
        let id = self.call_id();
        self.counters.outbound += 1;
        if let Some(agent) = self.agents.get_mut(user) {
            if let Some(key) = agent.ready_key.take() {
                self.ready.remove(&key);
            }
            agent.wrap_up_return = (agent.mode, agent.reason);
            agent.mode = WorkMode::Busy;
            agent.reason = None;
            agent.call = Some(id.clone());
            agent.epoch += 1;
        }
        self.calls.insert(
            id.clone(),
            Call {
                id: id.clone(),
                direction: Direction::Outbound,
                remote: destination,
                attached: ici::AttachedData::default(),
                phase: CallPhase::Dialling,
                agent: Some(user.to_owned()),
                offered_at: now,
                answered: false,
                epoch: 0,
            },
        );
        self.container_event(user, ContainerChange::ItemAdded, &id, now);
        self.call_event(&id, CallState::Initiated, None, now);
        let after = self.cfg.outbound_answer.sample(&mut self.rng);
        self.arm(
            after,
            Timer::RemoteAnswer {
                call: id.clone(),
                epoch: 0,
            },
        );
        Ok(Response::MakeCall { call_id: id })
    }

    fn agent_mut(&mut self, user: &str) -> Result<&mut Agent, Fault> {
        self.agents.get_mut(user).ok_or_else(|| {
            Fault::client(
                IciError::NotLoggedOn,
                format!("{user} is not logged on at {}", self.cfg.side),
            )
        })
    }

    /// Checks that `call_id` exists, belongs to `user`, and is in one of `phases`.
    fn own_call(&self, user: &str, call_id: &str, phases: &[CallPhase]) -> Result<(), Fault> {
        if !self.agents.contains_key(user) {
            return Err(Fault::client(
                IciError::NotLoggedOn,
                format!("{user} is not logged on at {}", self.cfg.side),
            ));
        }
        let call = self.calls.get(call_id).ok_or_else(|| {
            Fault::client(
                IciError::UnknownCall,
                format!("no call {call_id} at {}", self.cfg.side),
            )
        })?;
        if call.agent.as_deref() != Some(user) {
            return Err(Fault::client(
                IciError::UnknownCall,
                format!("call {call_id} is not {user}'s"),
            ));
        }
        if !phases.contains(&call.phase) {
            return Err(Fault::client(
                IciError::InvalidCallState,
                format!(
                    "call {call_id} is {:?}, the operation needs {phases:?}",
                    call.phase
                ),
            ));
        }
        Ok(())
    }
}

fn check_device(agent: &Agent, address: &str) -> Result<(), Fault> {
    if agent.device == address {
        Ok(())
    } else {
        Err(Fault::client(
            IciError::InvalidLogin,
            format!(
                "address {address} is not the device of {} (logged on at {})",
                agent.user, agent.device
            ),
        ))
    }
}
