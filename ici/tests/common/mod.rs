//! Sample messages covering every variant, shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers

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
            login: LoginString::phone("4711", "secret", "3001").to_string(),
            language: Some("EN".into()),
        },
        Request::Logon {
            user: TRICKY.into(),
            login: LoginString::phone("a&b <x>", "", "3001").to_string(),
            language: None,
        },
        Request::Logon {
            user: user(),
            login: "4711;secret;3001;pm3c2".to_owned(),
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
    // Every other event carries a session, so both shapes are covered.
    let event = |sequence: u64, body| Event {
        sequence: Some(sequence),
        session: sequence
            .is_multiple_of(2)
            .then(|| format!("connector-a-k3x9-s{sequence}")),
        timestamp: Some(TS.into()),
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
    Operation::ALL
        .into_iter()
        .filter(|op| op.is_event())
        .collect()
}

/// Every sample as (file-friendly name, message, encoded XML in the built-in dialect).
#[allow(dead_code)] // not every test binary uses every helper
pub fn all() -> Vec<(String, Message, String)> {
    let mut all = Vec::new();
    for (i, r) in requests().into_iter().enumerate() {
        let name = format!("request-{i:02}-{}", r.operation().key());
        all.push((
            name,
            ici::Dialect::builtin().encode_request(&r).unwrap(),
            Message::Request(r),
        ));
    }
    for (i, r) in responses().into_iter().enumerate() {
        let name = format!("response-{i:02}-{}", r.operation().key());
        all.push((
            name,
            ici::Dialect::builtin().encode_response(&r).unwrap(),
            Message::Response(r),
        ));
    }
    for (i, e) in events().into_iter().enumerate() {
        let name = format!("event-{i:02}-{}", e.body.operation().key());
        all.push((
            name,
            ici::Dialect::builtin().encode_event(&e).unwrap(),
            Message::Event(e),
        ));
    }
    for op in event_acks() {
        let name = format!("ack-{}", op.key());
        all.push((
            name,
            ici::Dialect::builtin().encode_event_ack(op).unwrap(),
            Message::EventAck(op),
        ));
    }
    for (i, f) in faults().into_iter().enumerate() {
        let name = format!("fault-{i:02}");
        all.push((
            name,
            ici::Dialect::builtin().encode_fault(&f),
            Message::Fault(f),
        ));
    }
    all.into_iter().map(|(n, x, m)| (n, m, x)).collect()
}

const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Wraps a body element in a plain envelope.
pub fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// Hand-written inputs from "other senders" that the decoder and the XSD both accept, with the
/// message each means.
pub fn accepted_inputs() -> Vec<(&'static str, String, Message)> {
    let logon = Message::Request(Request::Logon {
        user: "agent4711".into(),
        login: LoginString::phone("4711", "secret", "3001").to_string(),
        language: Some("EN".into()),
    });
    vec![
        (
            "foreign prefixes, header, comments, pretty printing",
            format!(
                r#"<?xml version="1.0" encoding="utf-8"?>
<!-- sent by another SOAP stack -->
<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}"
                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <SOAP-ENV:Header>
    <route:session xmlns:route="urn:example:routing" SOAP-ENV:mustUnderstand="0">s-1</route:session>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body>
    <ns1:logon xmlns:ns1="urn:IciUserInterface">
      <!-- the agent -->
      <user>agent4711</user>
      <?trace id="7"?>
      <login>4711;secret;3001;p</login>
      <language>EN</language>
    </ns1:logon>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>
"#
            ),
            logon.clone(),
        ),
        (
            "default namespaces, reset for the unqualified children",
            format!(
                r#"<Envelope xmlns="{SOAP}"><Body><logon xmlns="urn:IciUserInterface"><user xmlns="">agent4711</user><login xmlns="">4711;secret;3001;p</login><language xmlns="">EN</language></logon></Body></Envelope>"#
            ),
            logon.clone(),
        ),
        (
            "byte order mark",
            format!(
                "\u{FEFF}{}",
                envelope(
                    r#"<u:logon xmlns:u="urn:IciUserInterface"><user>agent4711</user><login>4711;secret;3001;p</login><language>EN</language></u:logon>"#
                )
            ),
            logon,
        ),
        (
            "entities, character references, CDATA and comments inside values",
            envelope(concat!(
                r#"<c:hangUp xmlns:c="urn:IciCallInterface">"#,
                "<user> a &amp; b <![CDATA[<c> & \"d\"]]> &#x41;&#66;&apos;&quot;&lt;&gt; </user>",
                "<callId>ca<!-- split -->ll-1</callId>",
                "</c:hangUp>"
            )),
            Message::Request(Request::HangUp {
                user: " a & b <c> & \"d\" AB'\"<> ".into(),
                call_id: "call-1".into(),
            }),
        ),
        (
            "pretty-printed event with attached data, unset call variables left out",
            envelope(
                r#"
  <e:callChanged xmlns:e="urn:IciEventInterface">
    <sequence>7</sequence>
    <timestamp>2026-11-27T10:15:30+01:00</timestamp>
    <user>agent4711</user>
    <callId>call-1</callId>
    <state>alerting</state>
    <participants>
      <participant><address>3001</address><role>agent</role><state>alerting</state></participant>
    </participants>
    <remoteNumbers>
      <number>+41315550100</number>
    </remoteNumbers>
    <attachedData>
      <ItemAttachedData>
        <Application id="SAP-IC">
          <CV02>two</CV02>
          <ECC>
            <Var name="ECC.x">1</Var>
            <Var name="ECC.y"/>
            <Array name="ECCA.z">
              <Item>a</Item>
              <Item>b</Item>
            </Array>
          </ECC>
        </Application>
      </ItemAttachedData>
    </attachedData>
  </e:callChanged>
"#,
            ),
            Message::Event(Event {
                sequence: Some(7),
                session: None,
                timestamp: Some("2026-11-27T10:15:30+01:00".into()),
                body: EventBody::CallChanged(Box::new(CallChanged {
                    user: "agent4711".into(),
                    call_id: "call-1".into(),
                    state: CallState::Alerting,
                    cause: None,
                    participants: vec![Participant {
                        address: "3001".into(),
                        role: ParticipantRole::Agent,
                        state: CallState::Alerting,
                    }],
                    remote_numbers: vec![e164("+41315550100")],
                    attached: Some(AttachedData {
                        call_variables: [
                            None,
                            Some("two".into()),
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                        ],
                        media_id: None,
                        ecc: vec![
                            ("ECC.x".into(), "1".into()),
                            ("ECC.y".into(), String::new()),
                        ],
                        ecc_arrays: vec![("ECCA.z".into(), vec!["a".into(), "b".into()])],
                    }),
                })),
            }),
        ),
        (
            "fault with another prefix, a dotted subcode, faultactor and a foreign detail entry",
            format!(
                r#"<S:Envelope xmlns:S="{SOAP}"><S:Body><S:Fault><faultcode>S:Server.Overload</faultcode><faultstring>busy</faultstring><faultactor>http://connector.example/ici</faultactor><detail><x:trace xmlns:x="urn:example:trace"><x:id>9</x:id></x:trace><i:iciError xmlns:i="urn:IciSystemInterface"><code>unavailable</code></i:iciError></detail></S:Fault></S:Body></S:Envelope>"#
            ),
            Message::Fault(Fault::server(IciError::Unavailable, "busy")),
        ),
        (
            "userChanged with xs:boolean 1 and a whitespace-padded boolean and timestamp",
            envelope(
                r#"<e:userChanged xmlns:e="urn:IciEventInterface"><sequence>1</sequence><timestamp> 2026-11-27T10:15:30Z </timestamp><user>a</user><loggedOn> 1 </loggedOn><workMode>notReady</workMode><reasonCode>1001</reasonCode></e:userChanged>"#,
            ),
            Message::Event(Event {
                sequence: Some(1),
                session: None,
                timestamp: Some("2026-11-27T10:15:30Z".into()),
                body: EventBody::UserChanged {
                    user: "a".into(),
                    logged_on: true,
                    mode: WorkMode::NotReady,
                    reason: Some(reason(1001)),
                },
            }),
        ),
        (
            "empty acknowledgement written with a start and an end tag",
            envelope(
                r#"<e:callChangedResponse xmlns:e="urn:IciEventInterface"></e:callChangedResponse>"#,
            ),
            Message::EventAck(Operation::CallChanged),
        ),
    ]
}

/// Inputs that both the decoder and the XSD must refuse, each with one thing wrong.
pub fn rejected_inputs() -> Vec<(&'static str, String)> {
    let usr = |inner: &str| {
        envelope(&format!(
            r#"<usr:logon xmlns:usr="urn:IciUserInterface">{inner}</usr:logon>"#
        ))
    };
    let wm = |inner: &str| {
        envelope(&format!(
            r#"<usr:setWorkMode xmlns:usr="urn:IciUserInterface">{inner}</usr:setWorkMode>"#
        ))
    };
    let evt = |inner: &str| {
        envelope(&format!(
            r#"<evt:callChanged xmlns:evt="urn:IciEventInterface"><sequence>1</sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>u</user><callId>c</callId><state>alerting</state>{inner}</evt:callChanged>"#
        ))
    };
    let app = |attrs: &str, inner: &str| {
        evt(&format!(
            "<attachedData><ItemAttachedData><Application{attrs}>{inner}</Application></ItemAttachedData></attachedData>"
        ))
    };
    vec![
        ("missing required element", usr("<user>u</user>")),
        ("wrong work mode enumeration", wm("<user>u</user><workMode>lunch</workMode>")),
        ("reason code below 1000", wm("<user>u</user><workMode>notReady</workMode><reasonCode>999</reasonCode>")),
        ("login string with too many fields", usr("<user>u</user><login>4711;pw;3001;p;x</login>")),
        ("empty login string", usr("<user>u</user><login></login>")),
        ("unknown extra child", usr("<user>u</user><login>a;b;c</login><foo/>")),
        ("qualified child", usr("<usr:user>u</usr:user><login>a;b;c</login>")),
        ("children out of order", usr("<login>a;b;c</login><user>u</user>")),
        ("repeated child", usr("<user>u</user><user>v</user><login>a;b;c</login>")),
        ("text in element-only content", usr("<user>u</user>oops<login>a;b;c</login>")),
        (
            "number without +",
            envelope(r#"<cal:makeCall xmlns:cal="urn:IciCallInterface"><user>u</user><address>3001</address><destination>0315550100</destination></cal:makeCall>"#),
        ),
        (
            "unknown transfer mode",
            envelope(r#"<cal:transfer xmlns:cal="urn:IciCallInterface"><user>u</user><callId>c</callId><destination>+41315550100</destination><mode>warm</mode></cal:transfer>"#),
        ),
        ("unknown operation", envelope(r#"<usr:logonx xmlns:usr="urn:IciUserInterface"/>"#)),
        (
            "two operations in one body",
            envelope(r#"<usr:logoff xmlns:usr="urn:IciUserInterface"><user>u</user></usr:logoff><usr:logoff xmlns:usr="urn:IciUserInterface"><user>u</user></usr:logoff>"#),
        ),
        ("empty body", envelope("")),
        (
            "content in an empty response",
            envelope(r#"<usr:logoffResponse xmlns:usr="urn:IciUserInterface"><result>ok</result></usr:logoffResponse>"#),
        ),
        ("wrong call state", evt("").replace(">alerting<", ">ringing<")),
        ("bad timestamp", evt("").replace("2026-11-27T10:15:30Z", "2026-11-27 10:15:30")),
        ("timestamp without zone", evt("").replace("2026-11-27T10:15:30Z", "2026-11-27T10:15:30")),
        ("bad participant role", evt("<participants><participant><address>a</address><role>boss</role><state>held</state></participant></participants>")),
        ("bad remote number", evt("<remoteNumbers><number>+0</number></remoteNumbers>")),
        ("wrong application id", app(r#" id="OTHER""#, "")),
        ("application without id", app("", "")),
        ("call variable out of order", app(r#" id="SAP-IC""#, "<CV02/><CV01/>")),
        ("ECC variable without its prefix", app(r#" id="SAP-IC""#, r#"<ECC><Var name="x">1</Var></ECC>"#)),
        ("ECC array before a variable", app(r#" id="SAP-IC""#, r#"<ECC><Array name="ECCA.a"/><Var name="ECC.b">1</Var></ECC>"#)),
        (
            "boolean spelled yes",
            envelope(r#"<evt:userChanged xmlns:evt="urn:IciEventInterface"><sequence>1</sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>a</user><loggedOn>yes</loggedOn><workMode>ready</workMode></evt:userChanged>"#),
        ),
        (
            "negative sequence",
            envelope(r#"<evt:userChanged xmlns:evt="urn:IciEventInterface"><sequence>-1</sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>a</user><loggedOn>true</loggedOn><workMode>ready</workMode></evt:userChanged>"#),
        ),
        (
            "sequence with a sign",
            envelope(r#"<evt:userChanged xmlns:evt="urn:IciEventInterface"><sequence>+1</sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>a</user><loggedOn>true</loggedOn><workMode>ready</workMode></evt:userChanged>"#),
        ),
        ("reason code with a sign", wm("<user>u</user><workMode>notReady</workMode><reasonCode>+1001</reasonCode>")),
        (
            "unknown ICI error code",
            envelope(r#"<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>x</faultstring><detail><sys:iciError xmlns:sys="urn:IciSystemInterface"><code>bogus</code></sys:iciError></detail></soapenv:Fault>"#),
        ),
        (
            "fault without faultstring",
            envelope(r#"<soapenv:Fault><faultcode>soapenv:Client</faultcode></soapenv:Fault>"#),
        ),
        (
            "SOAP 1.2 envelope",
            r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><usr:logoff xmlns:usr="urn:IciUserInterface"><user>u</user></usr:logoff></env:Body></env:Envelope>"#.to_owned(),
        ),
        (
            "envelope without body",
            format!(r#"<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/></soapenv:Envelope>"#),
        ),
    ]
}

/// `{namespace}local` → `(namespace, local)`.
fn split_expanded(expanded: &str) -> (String, String) {
    let rest = expanded.strip_prefix('{').unwrap_or(expanded);
    match rest.split_once('}') {
        Some((ns, local)) => (ns.to_owned(), local.to_owned()),
        None => (String::new(), rest.to_owned()),
    }
}

/// The built-in dialect's request (or event) element of `op`: (namespace, local name).
#[allow(dead_code)]
pub fn builtin_element(op: Operation) -> (String, String) {
    split_expanded(&ici::Dialect::builtin().message_element(op).unwrap())
}

/// The built-in dialect's response (or acknowledgement) element of `op`.
#[allow(dead_code)]
pub fn builtin_reply_element(op: Operation) -> (String, String) {
    split_expanded(&ici::Dialect::builtin().reply_element(op).unwrap())
}
