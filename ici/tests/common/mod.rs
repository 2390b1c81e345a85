//! Sample messages covering every variant, shared by the integration tests.
#![allow(dead_code)]

use ici::attached::AttachedData;
use ici::{
    CallChanged, CallState, ContainerChange, E164, Event, EventBody, Fault, FaultCode, IciError,
    ItemType, LoginString, Message, Operation, Participant, ParticipantRole, ReasonCode, Request,
    Response, TransferMode, WorkMode,
};

/// Text that needs escaping, with significant leading and trailing spaces.
pub const TRICKY: &str = "  a & b <c> \"d\" 'e' ]]> \r\n\ttab é€😀  ";

pub fn e164(s: &str) -> E164 {
    s.parse().unwrap()
}

pub fn reason(code: u16) -> ReasonCode {
    ReasonCode::new(code).unwrap()
}

pub const TS: &str = "2026-11-27T10:15:30.123Z";

pub fn requests() -> Vec<Request> {
    let user = || "agent4711".to_owned();
    let sink = || "https://crm.example:8443/sap/bc/crm/ici/events?client=100&x=<1>".to_owned();
    vec![
        Request::GetVersion,
        Request::Heartbeat { user: None },
        Request::Heartbeat { user: Some(user()) },
        Request::Logon {
            user: user(),
            login: LoginString::phone("4711", "secret", "3001"),
            language: Some("EN".into()),
        },
        Request::Logon {
            user: TRICKY.into(),
            login: LoginString::phone("a&b <x>", "", "3001"),
            language: None,
        },
        Request::Logon {
            user: user(),
            login: LoginString::parse("4711;secret;3001;pm3c2", 0).unwrap(),
            language: None,
        },
        Request::Logoff { user: user() },
        Request::SetWorkMode {
            user: user(),
            mode: WorkMode::NotReady,
            reason: Some(reason(1001)),
        },
        Request::SetWorkMode {
            user: user(),
            mode: WorkMode::Ready,
            reason: None,
        },
        Request::SetWorkMode {
            user: user(),
            mode: WorkMode::WrapUp,
            reason: None,
        },
        Request::UserSubscribe {
            user: user(),
            sink_url: sink(),
        },
        Request::UserUnsubscribe {
            user: user(),
            sink_url: sink(),
        },
        Request::ContainerSubscribe {
            user: user(),
            address: "3001".into(),
            sink_url: sink(),
        },
        Request::ContainerUnsubscribe {
            user: user(),
            address: "3001".into(),
            sink_url: sink(),
        },
        Request::MakeCall {
            user: user(),
            address: "3001".into(),
            destination: e164("+41315550100"),
        },
        Request::Answer {
            user: user(),
            call_id: "call-1".into(),
        },
        Request::HangUp {
            user: user(),
            call_id: TRICKY.into(),
        },
        Request::Hold {
            user: user(),
            call_id: "call-1".into(),
        },
        Request::Retrieve {
            user: user(),
            call_id: "call-1".into(),
        },
        Request::Transfer {
            user: user(),
            call_id: "call-1".into(),
            destination: e164("+4930123456"),
            mode: TransferMode::Blind,
        },
        Request::Transfer {
            user: user(),
            call_id: "call-1".into(),
            destination: e164("+12"),
            mode: TransferMode::Consult,
        },
    ]
}

pub fn responses() -> Vec<Response> {
    let mut responses = vec![
        Response::Version {
            version: "2.4".into(),
            vendor: "crmsim & co <test>".into(),
        },
        Response::Heartbeat {
            status: "ok".into(),
            timestamp: TS.into(),
        },
        Response::Logon {
            session: TRICKY.into(),
        },
        Response::MakeCall {
            call_id: "call-42".into(),
        },
    ];
    responses.extend(
        Operation::ALL
            .into_iter()
            .filter(|op| op.response_is_empty() && !op.is_event())
            .map(Response::Ack),
    );
    responses
}

pub fn full_attached_data() -> AttachedData {
    let mut call_variables: [Option<String>; 10] = Default::default();
    call_variables[0] = Some("customer 4711".into());
    call_variables[2] = Some(TRICKY.into());
    call_variables[9] = Some("last".into());
    AttachedData {
        call_variables,
        media_id: Some("MID-0001".into()),
        ecc: vec![
            ("ECC.customerId".into(), "4711".into()),
            ("ECC.a&b \"q\"\t<x>".into(), TRICKY.into()),
            ("ECC.empty".into(), String::new()),
        ],
        ecc_arrays: vec![
            (
                "ECCA.orders".into(),
                vec!["o-1".into(), TRICKY.into(), String::new()],
            ),
            ("ECCA.none".into(), vec![]),
        ],
    }
}

pub fn events() -> Vec<Event> {
    let event = |sequence, body| Event {
        sequence,
        timestamp: TS.into(),
        body,
    };
    let mut events = Vec::new();
    for (i, (change, item_type)) in [
        (ContainerChange::ItemAdded, ItemType::Call),
        (ContainerChange::ItemRemoved, ItemType::Chat),
        (ContainerChange::ItemAdded, ItemType::ActionItem),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(event(
            i as u64 + 1,
            EventBody::ContainerChanged {
                user: "agent4711".into(),
                container: "3001".into(),
                change,
                item_id: format!("item-{i}"),
                item_type,
            },
        ));
    }
    for (i, state) in CallState::ALL.into_iter().enumerate() {
        events.push(event(
            10 + i as u64,
            EventBody::CallChanged(Box::new(CallChanged {
                user: "agent4711".into(),
                call_id: "call-1".into(),
                state,
                cause: None,
                participants: vec![],
                remote_numbers: vec![],
                attached: None,
            })),
        ));
    }
    events.push(event(
        u64::MAX,
        EventBody::CallChanged(Box::new(CallChanged {
            user: TRICKY.into(),
            call_id: "call-2".into(),
            state: CallState::Alerting,
            cause: Some("callerHangUp".into()),
            participants: vec![
                Participant {
                    address: "+41315550100".into(),
                    role: ParticipantRole::Caller,
                    state: CallState::Connected,
                },
                Participant {
                    address: "3001".into(),
                    role: ParticipantRole::Agent,
                    state: CallState::Alerting,
                },
                Participant {
                    address: TRICKY.into(),
                    role: ParticipantRole::Destination,
                    state: CallState::Initiated,
                },
            ],
            remote_numbers: vec![e164("+41315550100"), e164("+4930123456")],
            attached: Some(full_attached_data()),
        })),
    ));
    events.push(event(
        20,
        EventBody::CallChanged(Box::new(CallChanged {
            user: "agent4711".into(),
            call_id: "call-3".into(),
            state: CallState::Connected,
            cause: None,
            participants: vec![],
            remote_numbers: vec![e164("+41315550100")],
            attached: Some(AttachedData::default()),
        })),
    ));
    for (i, mode) in WorkMode::ALL.into_iter().enumerate() {
        events.push(event(
            30 + i as u64,
            EventBody::UserChanged {
                user: "agent4711".into(),
                logged_on: mode != WorkMode::LoggedOff,
                mode,
                reason: (mode == WorkMode::NotReady).then(|| reason(1047)),
            },
        ));
    }
    events
}

pub fn faults() -> Vec<Fault> {
    let mut faults: Vec<Fault> = IciError::ALL
        .into_iter()
        .map(|error| Fault::client(error, format!("{} happened: {TRICKY}", error.as_str())))
        .collect();
    faults.push(Fault::server(IciError::Unavailable, "shutting down"));
    faults.push(Fault {
        code: FaultCode::Server,
        reason: "no detail".into(),
        error: None,
    });
    faults
}

pub fn event_acks() -> Vec<Operation> {
    Operation::ALL.into_iter().filter(|op| op.is_event()).collect()
}

/// Every sample as (file-friendly name, message, encoded XML).
pub fn all() -> Vec<(String, Message, String)> {
    let mut all = Vec::new();
    for (i, r) in requests().into_iter().enumerate() {
        let name = format!("request-{i:02}-{}", r.operation().key());
        all.push((name, ici::encode_request(&r), Message::Request(r)));
    }
    for (i, r) in responses().into_iter().enumerate() {
        let name = format!("response-{i:02}-{}", r.operation().key());
        all.push((name, ici::encode_response(&r), Message::Response(r)));
    }
    for (i, e) in events().into_iter().enumerate() {
        let name = format!("event-{i:02}-{}", e.body.operation().key());
        all.push((name, ici::encode_event(&e), Message::Event(e)));
    }
    for op in event_acks() {
        let name = format!("ack-{}", op.key());
        all.push((name, ici::encode_event_ack(op), Message::EventAck(op)));
    }
    for (i, f) in faults().into_iter().enumerate() {
        let name = format!("fault-{i:02}");
        all.push((name, ici::encode_fault(&f), Message::Fault(f)));
    }
    all.into_iter().map(|(n, x, m)| (n, m, x)).collect()
}
