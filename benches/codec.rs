//! Encoding and decoding each ICI message of the profile: the per-message CPU cost of the wire
//! format, without any I/O.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ici::{
    AttachedData, CallChanged, CallState, ContainerChange, Event, EventBody, Fault, IciError,
    ItemType, Operation, Participant, ParticipantRole, ReasonCode, Request, Response, TransferMode,
    WorkMode,
};

fn number() -> ici::E164 {
    match "+41315550123".parse() {
        Ok(n) => n,
        Err(e) => panic!("bench constant: {e}"),
    }
}

fn requests() -> Vec<Request> {
    let user = || "AGENT00042".to_owned();
    let call = || "connector-a-k3x9-0001234".to_owned();
    let reason = ReasonCode::new(1001).ok();
    vec![
        Request::GetVersion,
        Request::Heartbeat { user: Some(user()) },
        Request::Logon {
            user: user(),
            login: "10042;crmsim;30042;p".into(),
            language: Some("EN".into()),
        },
        Request::Logoff { user: user() },
        Request::SetWorkMode {
            user: user(),
            mode: WorkMode::NotReady,
            reason,
        },
        Request::UserSubscribe {
            user: user(),
            sink_url: "https://crm.crmsim.test:8443/sap/bc/crm/ici/events".into(),
        },
        Request::ContainerSubscribe {
            user: user(),
            address: "30042".into(),
            sink_url: "https://crm.crmsim.test:8443/sap/bc/crm/ici/events".into(),
        },
        Request::MakeCall {
            user: user(),
            address: "30042".into(),
            destination: number(),
        },
        Request::Answer {
            user: user(),
            call_id: call(),
        },
        Request::HangUp {
            user: user(),
            call_id: call(),
        },
        Request::Hold {
            user: user(),
            call_id: call(),
        },
        Request::Retrieve {
            user: user(),
            call_id: call(),
        },
        Request::Transfer {
            user: user(),
            call_id: call(),
            destination: number(),
            mode: TransferMode::Blind,
        },
    ]
}

fn events() -> Vec<Event> {
    let mut attached = AttachedData::default();
    for (i, slot) in attached.call_variables.iter_mut().enumerate() {
        *slot = Some(format!("value {i}"));
    }
    attached.media_id = Some("connector-a-k3x9-0001234".into());
    attached
        .ecc
        .push(("ECC.user.CustomerId".into(), "C004711".into()));
    attached.ecc_arrays.push((
        "ECCA.user.Products".into(),
        vec!["Internet".into(), "Mobile".into()],
    ));
    let call = CallChanged {
        user: "AGENT00042".into(),
        call_id: "connector-a-k3x9-0001234".into(),
        state: CallState::Alerting,
        cause: None,
        participants: vec![
            Participant {
                address: "+41315550123".into(),
                role: ParticipantRole::Caller,
                state: CallState::Alerting,
            },
            Participant {
                address: "30042".into(),
                role: ParticipantRole::Agent,
                state: CallState::Alerting,
            },
        ],
        remote_numbers: vec![number()],
        attached: Some(attached),
    };
    let event = |body| Event {
        sequence: Some(17),
        session: Some("connector-a-k3x9-s42".into()),
        timestamp: Some("2026-11-27T10:15:30.123Z".into()),
        body,
    };
    vec![
        event(EventBody::CallChanged(Box::new(call))),
        event(EventBody::ContainerChanged {
            user: "AGENT00042".into(),
            container: "30042".into(),
            change: ContainerChange::ItemAdded,
            item_id: "connector-a-k3x9-0001234".into(),
            item_type: ItemType::Call,
        }),
        event(EventBody::UserChanged {
            user: "AGENT00042".into(),
            logged_on: true,
            mode: WorkMode::WrapUp,
            reason: None,
        }),
    ]
}

fn codec(c: &mut Criterion) {
    let d = ici::Dialect::builtin();
    let d = &*d;
    let mut encode = c.benchmark_group("encode");
    for request in requests() {
        let name = request.operation().key();
        encode.throughput(Throughput::Elements(1));
        encode.bench_with_input(BenchmarkId::new("request", name), &request, |b, r| {
            b.iter(|| d.encode_request(std::hint::black_box(r)))
        });
    }
    for event in events() {
        let name = event.body.operation().key();
        encode.bench_with_input(BenchmarkId::new("event", name), &event, |b, e| {
            b.iter(|| d.encode_event(std::hint::black_box(e)))
        });
    }
    let responses = [
        Response::Logon {
            session: "connector-a-k3x9-s42".into(),
        },
        Response::Ack(Operation::Answer),
    ];
    for response in &responses {
        encode.bench_with_input(
            BenchmarkId::new("response", response.operation().key()),
            response,
            |b, r| b.iter(|| d.encode_response(std::hint::black_box(r))),
        );
    }
    let fault = Fault::client(
        IciError::NotLoggedOn,
        "AGENT00042 is not logged on at connector-b",
    );
    encode.bench_function("fault", |b| {
        b.iter(|| d.encode_fault(std::hint::black_box(&fault)))
    });
    encode.finish();

    let mut decode = c.benchmark_group("decode");
    for request in requests() {
        let xml = d.encode_request(&request).unwrap_or_default();
        decode.throughput(Throughput::Bytes(xml.len() as u64));
        decode.bench_with_input(
            BenchmarkId::new("request", request.operation().key()),
            &xml,
            |b, x| b.iter(|| d.decode(std::hint::black_box(x.as_bytes()))),
        );
    }
    for event in events() {
        let xml = d.encode_event(&event).unwrap_or_default();
        decode.throughput(Throughput::Bytes(xml.len() as u64));
        decode.bench_with_input(
            BenchmarkId::new("event", event.body.operation().key()),
            &xml,
            |b, x| b.iter(|| d.decode(std::hint::black_box(x.as_bytes()))),
        );
    }
    let ack = d
        .encode_event_ack(Operation::CallChanged)
        .unwrap_or_default();
    decode.bench_function("event-ack", |b| {
        b.iter(|| d.decode(std::hint::black_box(ack.as_bytes())))
    });
    decode.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
