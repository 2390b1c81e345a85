use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ici::{CallState, ContainerChange, EventBody, IciError, Request, Response, WorkMode};

use super::*;

/// Collects events instead of sending them.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<(String, EventBody)>>>);

impl EventOutlet for Collect {
    fn send(
        &mut self,
        _sink: &str,
        user: &str,
        _session: Option<&str>,
        body: EventBody,
        _at: Instant,
    ) {
        self.0.lock().unwrap().push((user.to_owned(), body));
    }
    fn close(&mut self, _user: &str) {}
}

impl Collect {
    fn take(&self) -> Vec<(String, EventBody)> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn acd(cfg: AcdConfig) -> (Acd, Collect) {
    let events = Collect::default();
    (Acd::new(cfg, Box::new(events.clone())).unwrap(), events)
}

fn ok(acd: &mut Acd, request: Request, now: Instant) -> Response {
    acd.handle(request.clone(), now)
        .unwrap_or_else(|f| panic!("{request:?} refused: {f}"))
}

fn fault(acd: &mut Acd, request: Request, now: Instant) -> IciError {
    match acd.handle(request.clone(), now) {
        Err(f) => f.error.unwrap(),
        Ok(r) => panic!("{request:?} accepted: {r:?}"),
    }
}

/// Logs an agent on, subscribes it and makes it ready.
fn ready_agent(acd: &mut Acd, n: u32, now: Instant) -> String {
    let user = format!("AGENT{n:04}");
    ok(
        acd,
        Request::Logon {
            user: user.clone(),
            login: format!("{};pw;{};p", 4000 + n, 3000 + n),
            language: None,
        },
        now,
    );
    for request in [
        Request::UserSubscribe {
            user: user.clone(),
            sink_url: "https://crm/ev".into(),
        },
        Request::ContainerSubscribe {
            user: user.clone(),
            address: format!("{}", 3000 + n),
            sink_url: "https://crm/ev".into(),
        },
        Request::SetWorkMode {
            user: user.clone(),
            mode: WorkMode::Ready,
            reason: None,
        },
    ] {
        ok(acd, request, now);
    }
    user
}

fn call_states(events: &[(String, EventBody)]) -> Vec<CallState> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            EventBody::CallChanged(c) => Some(c.state),
            _ => None,
        })
        .collect()
}

fn modes(events: &[(String, EventBody)]) -> Vec<WorkMode> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            EventBody::UserChanged { mode, .. } => Some(*mode),
            _ => None,
        })
        .collect()
}

#[test]
fn a_call_goes_from_alerting_to_wrap_up_and_back_to_ready() {
    let now = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let user = ready_agent(&mut acd, 1, now);
    assert_eq!(modes(&events.take()), [WorkMode::NotReady, WorkMode::Ready]);

    let call = acd.offer_call(now, now);
    let ev = events.take();
    assert!(matches!(
        &ev[0].1,
        EventBody::ContainerChanged { change: ContainerChange::ItemAdded, item_id, .. } if item_id == &call
    ));
    let EventBody::CallChanged(alerting) = &ev[1].1 else {
        panic!("{ev:?}")
    };
    assert_eq!(alerting.state, CallState::Alerting);
    assert!(alerting.attached.is_some());
    assert!(alerting.remote_numbers[0].as_str().starts_with("+4131555"));

    ok(
        &mut acd,
        Request::Answer {
            user: user.clone(),
            call_id: call.clone(),
        },
        now,
    );
    ok(
        &mut acd,
        Request::HangUp {
            user: user.clone(),
            call_id: call.clone(),
        },
        now,
    );
    let ev = events.take();
    assert_eq!(
        call_states(&ev),
        [CallState::Connected, CallState::Disconnected]
    );
    assert_eq!(modes(&ev), [WorkMode::WrapUp]);

    ok(
        &mut acd,
        Request::SetWorkMode {
            user,
            mode: WorkMode::Ready,
            reason: None,
        },
        now,
    );
    assert_eq!(modes(&events.take()), [WorkMode::Ready]);
    let s = acd.snapshot();
    assert_eq!(
        (
            s.counters.offered,
            s.counters.answered,
            s.counters.completed
        ),
        (1, 1, 1)
    );
    assert_eq!(s.counters.direct_wrap_up_ends, 1);
    assert!(s.active_calls.is_empty());
}

#[test]
fn the_longest_idle_agent_gets_the_call() {
    let t0 = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let first = ready_agent(&mut acd, 1, t0);
    let _second = ready_agent(&mut acd, 2, t0 + Duration::from_secs(1));
    events.take();
    acd.offer_call(t0 + Duration::from_secs(2), t0 + Duration::from_secs(2));
    assert!(events.take().iter().all(|(user, _)| user == &first));
}

#[test]
fn a_caller_without_agent_abandons_after_patience_and_is_lost() {
    let now = Instant::now();
    let (mut acd, _events) = acd(AcdConfig::default());
    let call = acd.offer_call(now, now);
    let timers = acd.take_timers();
    assert_eq!(
        timers,
        [Armed {
            after: Duration::from_secs(60),
            timer: Timer::Patience { call, epoch: 0 }
        }]
    );
    acd.fire(timers[0].timer.clone(), now + Duration::from_secs(60));
    let s = acd.snapshot();
    assert_eq!((s.counters.abandoned, s.counters.lost()), (1, 1));
    assert!(s.active_calls.is_empty() && s.queued == 0);
}

#[test]
fn a_queued_call_is_routed_when_an_agent_becomes_ready_and_its_patience_timer_is_stale() {
    let now = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let call = acd.offer_call(now, now);
    let patience = acd.take_timers().remove(0);
    ready_agent(&mut acd, 1, now);
    assert!(call_states(&events.take()).contains(&CallState::Alerting));
    acd.fire(patience.timer, now + Duration::from_secs(60));
    assert_eq!(acd.snapshot().counters.abandoned, 0);
    assert_eq!(acd.snapshot().active_calls, [call]);
}

#[test]
fn ring_no_answer_requeues_the_call_and_makes_the_agent_not_ready() {
    let now = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let user = ready_agent(&mut acd, 1, now);
    acd.take_timers();
    let call = acd.offer_call(now, now);
    let rona = acd
        .take_timers()
        .into_iter()
        .find(|a| matches!(a.timer, Timer::RingNoAnswer { .. }))
        .unwrap();
    events.take();
    acd.fire(rona.timer, now + Duration::from_secs(15));
    let ev = events.take();
    assert_eq!(call_states(&ev), [CallState::Disconnected]);
    assert_eq!(modes(&ev), [WorkMode::NotReady]);
    let s = acd.snapshot();
    assert_eq!((s.counters.ring_no_answer, s.queued), (1, 1));
    assert_eq!(
        fault(
            &mut acd,
            Request::Answer {
                user,
                call_id: call
            },
            now
        ),
        IciError::UnknownCall,
        "the call was taken back from the agent"
    );
}

#[test]
fn the_wrap_up_timer_returns_the_agent_to_its_state_before_the_call() {
    let now = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let user = ready_agent(&mut acd, 1, now);
    let call = acd.offer_call(now, now);
    ok(
        &mut acd,
        Request::Answer {
            user: user.clone(),
            call_id: call.clone(),
        },
        now,
    );
    ok(
        &mut acd,
        Request::HangUp {
            user: user.clone(),
            call_id: call,
        },
        now,
    );
    let wrap = acd
        .take_timers()
        .into_iter()
        .find(|a| matches!(a.timer, Timer::WrapUpEnd { .. }))
        .unwrap();
    events.take();
    // A second call waits in the queue until wrap-up ends.
    acd.offer_call(now, now);
    assert!(events.take().is_empty());
    acd.fire(wrap.timer, now + Duration::from_secs(60));
    let ev = events.take();
    assert_eq!(modes(&ev), [WorkMode::Ready]);
    assert_eq!(call_states(&ev), [CallState::Alerting]);
    assert_eq!(acd.snapshot().counters.wrap_up_timer_ends, 1);
}

/// A call answered by an agent, whose caller hangs up after 3 s: the ACD, its events, the
/// agent, the call and the caller's hang-up timer.
fn answered_call_with_caller_talk_time(now: Instant) -> (Acd, Collect, String, String, Armed) {
    let cfg = AcdConfig {
        caller_talk_time: Some("3s".parse().unwrap()),
        ..AcdConfig::default()
    };
    let (mut acd, events) = acd(cfg);
    let user = ready_agent(&mut acd, 1, now);
    let call = acd.offer_call(now, now);
    acd.take_timers();
    let answer = Request::Answer {
        user: user.clone(),
        call_id: call.clone(),
    };
    ok(&mut acd, answer, now);
    let hang_up = acd.take_timers().remove(0);
    assert_eq!(hang_up.after, Duration::from_secs(3));
    (acd, events, user, call, hang_up)
}

/// The last event was the caller hanging up.
fn assert_caller_hung_up(events: &[(String, EventBody)]) {
    let EventBody::CallChanged(c) = &events[0].1 else {
        panic!("{events:?}")
    };
    assert_eq!(
        (c.state, c.cause.as_deref()),
        (CallState::Disconnected, Some("callerHangUp"))
    );
}

#[test]
fn callers_hang_up_after_talk_time_when_configured() {
    let now = Instant::now();
    let (mut acd, events, _, _, hang_up) = answered_call_with_caller_talk_time(now);
    events.take();
    acd.fire(hang_up.timer, now + Duration::from_secs(3));
    assert_caller_hung_up(&events.take());
}

#[test]
fn outbound_calls_dial_connect_and_end() {
    let now = Instant::now();
    let (mut acd, events) = acd(AcdConfig::default());
    let user = ready_agent(&mut acd, 1, now);
    events.take();
    let Response::MakeCall { call_id } = ok(
        &mut acd,
        Request::MakeCall {
            user: user.clone(),
            address: "3001".into(),
            destination: "+41445550000".parse().unwrap(),
        },
        now,
    ) else {
        panic!()
    };
    let answer = acd.take_timers().remove(0);
    acd.fire(answer.timer, now + answer.after);
    ok(&mut acd, Request::HangUp { user, call_id }, now);
    assert_eq!(
        call_states(&events.take()),
        [
            CallState::Initiated,
            CallState::Connected,
            CallState::Disconnected
        ]
    );
    let c = acd.snapshot().counters;
    assert_eq!((c.outbound, c.completed, c.offered), (1, 1, 0));
}

#[test]
fn wrong_requests_earn_precise_faults() {
    let now = Instant::now();
    let (mut acd, _events) = acd(AcdConfig::default());
    assert_eq!(
        fault(
            &mut acd,
            Request::Logoff {
                user: "NOBODY".into()
            },
            now
        ),
        IciError::NotLoggedOn
    );
    assert_eq!(
        fault(
            &mut acd,
            Request::Logon {
                user: "A".into(),
                login: "4001;3001".into(),
                language: None
            },
            now
        ),
        IciError::InvalidLogin
    );
    let user = ready_agent(&mut acd, 1, now);
    assert_eq!(
        fault(
            &mut acd,
            Request::Logon {
                user: "OTHER".into(),
                login: "4002;pw;3001;p".into(),
                language: None
            },
            now
        ),
        IciError::InvalidLogin,
        "a device belongs to one agent"
    );
    assert_eq!(
        fault(
            &mut acd,
            Request::Answer {
                user: user.clone(),
                call_id: "x".into()
            },
            now
        ),
        IciError::UnknownCall
    );
    let call = acd.offer_call(now, now);
    assert_eq!(
        fault(&mut acd, Request::Logoff { user: user.clone() }, now),
        IciError::InvalidWorkMode
    );
    assert_eq!(
        fault(
            &mut acd,
            Request::SetWorkMode {
                user: user.clone(),
                mode: WorkMode::Ready,
                reason: None
            },
            now
        ),
        IciError::InvalidWorkMode
    );
    assert_eq!(
        fault(
            &mut acd,
            Request::HangUp {
                user,
                call_id: call
            },
            now
        ),
        IciError::InvalidCallState
    );
    let faults = acd.snapshot().counters.faults;
    assert_eq!(faults["invalidWorkMode"], 2);
}

/// One agent, ready, who answered the call offered to them.
fn talking_agent(acd: &mut Acd, now: Instant) {
    let user = ready_agent(acd, 1, now);
    let call_id = acd.offer_call(now, now);
    ok(acd, Request::Answer { user, call_id }, now);
}

#[test]
fn dropping_all_calls_accounts_for_every_one_with_its_reason() {
    let now = Instant::now();
    let (mut acd, _events) = acd(AcdConfig::default());
    talking_agent(&mut acd, now);
    acd.offer_call(now, now);
    acd.drop_all_calls("connector-a stopped", now);
    let s = acd.snapshot();
    assert!(s.active_calls.is_empty());
    assert_eq!(s.counters.dropped, 2);
    assert_eq!(s.counters.drop_reasons["connector-a stopped"], 2);
    // The connector goes on running: the agent whose call was dropped is ready again, not left
    // busy with no call.
    assert_eq!(s.ready, 1, "{s:?}");
}

#[test]
fn a_dead_connector_frees_nobody() {
    let now = Instant::now();
    let (mut acd, _events) = acd(AcdConfig::default());
    talking_agent(&mut acd, now);
    acd.die("connector-a killed", now);
    let s = acd.snapshot();
    assert_eq!(s.counters.dropped, 1);
    assert_eq!(s.ready, 0, "{s:?}");
}

#[test]
fn a_bad_ani_prefix_is_refused_up_front() {
    let cfg = AcdConfig {
        ani_prefix: "0315".into(),
        ..AcdConfig::default()
    };
    assert!(Acd::new(cfg, Box::new(Collect::default())).is_err());
}

#[test]
fn agents_of_a_crm_that_went_silent_are_logged_off_and_their_calls_dropped() {
    let now = Instant::now();
    let cfg = AcdConfig {
        crm_session_timeout: Some(Duration::from_secs(4)),
        ..AcdConfig::default()
    };
    let (mut acd, events) = acd(cfg);
    let sweep = acd.take_timers();
    assert_eq!(sweep[0].timer, Timer::SessionSweep);
    assert_eq!(sweep[0].after, Duration::from_secs(1));
    let user = ready_agent(&mut acd, 1, now);
    let call = acd.offer_call(now, now);
    ok(
        &mut acd,
        Request::Answer {
            user,
            call_id: call,
        },
        now,
    );
    events.take();
    // Not yet: the CRM spoke 3 s ago.
    acd.fire(Timer::SessionSweep, now + Duration::from_secs(3));
    assert_eq!(acd.logged_on(), 1);
    acd.fire(Timer::SessionSweep, now + Duration::from_secs(4));
    assert_eq!(acd.logged_on(), 0);
    let s = acd.snapshot();
    assert_eq!(s.counters.session_expiries, 1);
    assert_eq!(s.counters.dropped, 1);
    assert!(
        s.counters
            .drop_reasons
            .keys()
            .all(|r| r.contains("CRM session lost"))
    );
    assert!(s.active_calls.is_empty());
}

#[test]
fn a_call_requeued_by_ring_no_answer_is_still_abandoned_when_its_caller_runs_out_of_patience() {
    let t0 = Instant::now();
    let (mut acd, _events) = acd(AcdConfig::default());
    ready_agent(&mut acd, 1, t0);
    acd.take_timers();
    acd.offer_call(t0, t0);
    let rona = acd
        .take_timers()
        .into_iter()
        .find(|a| matches!(a.timer, Timer::RingNoAnswer { .. }))
        .unwrap();
    acd.fire(rona.timer, t0 + Duration::from_secs(15));
    // The patience left is counted from the call's arrival, not from the requeue.
    let patience = acd
        .take_timers()
        .into_iter()
        .find(|a| matches!(a.timer, Timer::Patience { .. }))
        .expect("the requeued call's patience is armed again");
    assert_eq!(patience.after, Duration::from_secs(45));
    acd.fire(patience.timer, t0 + Duration::from_secs(60));
    let s = acd.snapshot();
    assert_eq!((s.counters.abandoned, s.queued), (1, 0), "{s:?}");
}

#[test]
fn a_held_call_is_still_ended_by_its_caller_at_the_talk_time() {
    let now = Instant::now();
    let (mut acd, events, user, call, hang_up) = answered_call_with_caller_talk_time(now);
    let hold = Request::Hold {
        user,
        call_id: call,
    };
    ok(&mut acd, hold, now);
    events.take();
    acd.fire(hang_up.timer, now + Duration::from_secs(3));
    assert_caller_hung_up(&events.take());
    assert_eq!(acd.snapshot().counters.completed, 1);
}
