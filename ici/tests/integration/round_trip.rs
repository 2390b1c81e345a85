//! Every message variant survives encode → decode unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use ici::Message;

fn decode(xml: &[u8]) -> Result<Message, ici::DecodeError> {
    ici::Dialect::builtin().decode(xml)
}

#[test]
fn every_sample_round_trips() {
    let all = crate::common::all();
    assert!(all.len() > 60, "{} samples", all.len());
    for (name, message, xml) in &all {
        let decoded = decode(xml.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        assert_eq!(&decoded, message, "{name}\n{xml}");
    }
}

#[test]
fn every_request_operation_and_event_is_covered() {
    let all = crate::common::all();
    for op in ici::Operation::ALL {
        let request_or_event = all.iter().any(|(_, m, _)| match m {
            Message::Request(r) => r.operation() == op,
            Message::Event(e) => e.body.operation() == op,
            _ => false,
        });
        let response_or_ack = all.iter().any(|(_, m, _)| match m {
            Message::Response(r) => r.operation() == op,
            Message::EventAck(a) => *a == op,
            _ => false,
        });
        assert!(request_or_event && response_or_ack, "{op:?}");
    }
    for error in ici::IciError::ALL {
        assert!(
            all.iter()
                .any(|(_, m, _)| matches!(m, Message::Fault(f) if f.error == Some(error))),
            "{error:?}"
        );
    }
}

#[test]
fn the_encoding_looks_as_documented() {
    let logon = ici::Dialect::builtin()
        .encode_request(&ici::Request::Logon {
            user: "u".into(),
            login: ici::LoginString::phone("4711", "pw", "3001").to_string(),
            language: None,
        })
        .unwrap();
    assert_eq!(
        logon,
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><usr:logon xmlns:usr="urn:IciUserInterface"><user>u</user><login>4711;pw;3001;p</login></usr:logon></soapenv:Body></soapenv:Envelope>"#
    );
    let ack = ici::Dialect::builtin()
        .encode_response(&ici::Response::Ack(ici::Operation::Logoff))
        .unwrap();
    assert!(
        ack.contains(
            r#"<soapenv:Body><usr:logoffResponse xmlns:usr="urn:IciUserInterface"/></soapenv:Body>"#
        ),
        "{ack}"
    );
    let fault = ici::Dialect::builtin()
        .encode_fault(&ici::Fault::client(ici::IciError::NotLoggedOn, "who?"));
    assert!(fault.contains(r#"<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>who?</faultstring><detail><sys:iciError xmlns:sys="urn:IciSystemInterface"><code>notLoggedOn</code></sys:iciError></detail></soapenv:Fault>"#), "{fault}");
    let event = ici::Dialect::builtin()
        .encode_event(&crate::common::events()[0])
        .unwrap();
    assert!(event.contains("<evt:containerChanged xmlns:evt=\"urn:IciEventInterface\"><sequence>1</sequence><timestamp>2026-11-27T10:15:30.123Z</timestamp>"), "{event}");
}

#[test]
fn attached_data_is_written_in_the_vendor_layout() {
    let call = ici::CallChanged {
        user: "u".into(),
        call_id: "c".into(),
        state: ici::CallState::Alerting,
        cause: None,
        participants: vec![],
        remote_numbers: vec![],
        attached: Some(ici::AttachedData {
            call_variables: [
                Some("one".into()),
                None,
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
            ecc: vec![("ECC.x".into(), "a & b".into())],
            ecc_arrays: vec![("ECCA.y".into(), vec!["1".into(), "2".into()])],
        }),
    };
    let xml = ici::Dialect::builtin()
        .encode_event(&ici::Event {
            sequence: Some(1),
            session: None,
            timestamp: Some(crate::common::TS.into()),
            body: ici::EventBody::CallChanged(Box::new(call)),
        })
        .unwrap();
    let expected = concat!(
        r#"<attachedData><ItemAttachedData><Application id="SAP-IC">"#,
        "<CV01>one</CV01><CV02/><CV03/><CV04/><CV05/><CV06/><CV07/><CV08/><CV09/><CV10/><MID/>",
        r#"<ECC><Var name="ECC.x">a &amp; b</Var><Array name="ECCA.y"><Item>1</Item><Item>2</Item></Array></ECC>"#,
        "</Application></ItemAttachedData></attachedData>"
    );
    assert!(xml.contains(expected), "{xml}");
}
