//! The foreign dialect fixture (`examples/dialects/foreign.toml`): every sample survives encode →
//! decode in it, what it writes is not crmsim's profile, and the two dialects refuse each other
//! with a message that names what was expected and what arrived.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ici::{Dialect, Expect, Message};

fn foreign() -> Dialect {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dialects/foreign.toml");
    Dialect::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Encodes a sample in `d`, or `None` for the messages without a template there.
fn encode(d: &Dialect, m: &Message) -> String {
    match m {
        Message::Request(r) => d.encode_request(r).unwrap(),
        Message::Response(r) => d.encode_response(r).unwrap(),
        Message::Event(e) => d.encode_event(e).unwrap(),
        Message::EventAck(op) => d.encode_event_ack(*op).unwrap(),
        Message::Fault(f) => d.encode_fault(f),
    }
}

fn expect_of(m: &Message) -> Expect {
    match m {
        Message::Response(r) => Expect::Reply(r.operation()),
        Message::EventAck(op) => Expect::Reply(*op),
        _ => Expect::Any,
    }
}

#[test]
fn every_sample_round_trips_in_the_foreign_dialect() {
    let d = foreign();
    for (name, message, _) in crate::common::all() {
        let xml = encode(&d, &message);
        assert!(
            !xml.contains("urn:Ici"),
            "{name}: crmsim's namespaces leaked: {xml}"
        );
        let back = d
            .decode_as(xml.as_bytes(), expect_of(&message))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        assert_eq!(back, message, "{name}\n{xml}");
    }
}

#[test]
fn the_foreign_wire_looks_as_its_file_says() {
    let d = foreign();
    let op = ici::Operation::Logon;
    assert_eq!(d.soap_action(op), None);
    assert_eq!(
        d.content_type(op),
        "application/soap+xml; charset=UTF-8; action=\"urn:example:cti:agent:2/SignIn\""
    );
    assert_eq!(
        d.content_type(ici::Operation::CallChanged),
        "application/soap+xml; charset=UTF-8"
    );
    let event = crate::common::events()
        .into_iter()
        .find(|e| matches!(e.body, ici::EventBody::CallChanged(_)))
        .unwrap();
    let xml = d.encode_event(&event).unwrap();
    assert!(xml.starts_with("<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Header><h:Client"), "{xml}");
    assert!(
        xml.contains(
            "<nt:CallNotice xmlns:nt=\"urn:example:cti:notify:2\" seq=\"10\" at=\"1795774530123\""
        ),
        "{xml}"
    );
    let fault = d.encode_fault(&ici::Fault::client(ici::IciError::NotLoggedOn, "who?"));
    assert!(
        fault.contains("<env:Value>env:Sender</env:Value>"),
        "{fault}"
    );
    assert!(
        fault.contains(r#"<env:Text xml:lang="en">who?</env:Text>"#),
        "{fault}"
    );
    assert!(fault.contains(r#"code="E_NOT_LOGGED_IN""#), "{fault}");
}

#[test]
fn each_dialect_refuses_the_other_and_says_what_it_expected() {
    let ours = Dialect::builtin();
    let theirs = foreign();
    let logon = ici::Request::Logon {
        user: "u".into(),
        login: "4711;pw;3001".into(),
        language: None,
    };
    let err = theirs
        .decode(ours.encode_request(&logon).unwrap().as_bytes())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("soap-envelope") && text.contains("Envelope"),
        "{text}"
    );
    let err = ours
        .decode(theirs.encode_request(&logon).unwrap().as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("SOAP 1.1"), "{err}");
}

#[test]
fn a_character_reference_to_a_control_character_in_an_attribute_is_refused() {
    // Found by the soap_decode fuzz target: `&#12;` in an attribute decoded to U+000C, which the
    // encoder cannot write, so the connector would have acted on a value it cannot say back.
    let xml = concat!(
        r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>"#,
        r#"<cc:Release xmlns:cc="urn:example:cti:callcontrol:2">"#,
        r#"<cc:target agent="agent4711" callRef="c&#12;1"/></cc:Release></env:Body></env:Envelope>"#
    );
    let err = foreign().decode(xml.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("callRef"), "{err}");
    assert!(
        err.contains("U+000C, which is not an XML 1.0 character"),
        "{err}"
    );
}

#[test]
fn a_dialect_may_leave_out_the_events_sequence_and_timestamp() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dialects/foreign.toml"),
    )
    .unwrap()
    .replace(r#" seq="{sequence}" at="{timestamp}""#, "");
    let d = Dialect::from_toml(&text, "unnumbered.toml").unwrap_or_else(|e| panic!("{e}"));
    for event in crate::common::events() {
        let xml = d.encode_event(&event).unwrap();
        assert!(!xml.contains("seq="), "{xml}");
        let Message::Event(back) = d.decode(xml.as_bytes()).unwrap() else {
            panic!("not an event: {xml}");
        };
        assert_eq!((back.sequence, &back.timestamp), (None, &None), "{xml}");
        assert_eq!(back.body, event.body);
    }
    // Placed without `?`, the number stays required on the wire.
    let builtin = Dialect::builtin();
    let xml = builtin.encode_event(&crate::common::events()[0]).unwrap();
    let without = xml.replace("<sequence>1</sequence>", "");
    assert_ne!(xml, without, "{xml}");
    let err = builtin.decode(without.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("sequence"), "{err}");
}
