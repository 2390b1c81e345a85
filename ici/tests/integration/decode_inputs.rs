//! Inputs written by other SOAP stacks decode to the right message; broken ones are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

fn decode(xml: &[u8]) -> Result<ici::Message, ici::DecodeError> {
    ici::Dialect::builtin().decode(xml)
}

#[test]
fn other_senders_styles_are_accepted() {
    for (name, xml, expected) in crate::common::accepted_inputs() {
        let decoded = decode(xml.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        assert_eq!(decoded, expected, "{name}");
    }
}

#[test]
fn what_the_schema_refuses_the_decoder_refuses() {
    for (name, xml) in crate::common::rejected_inputs() {
        match decode(xml.as_bytes()) {
            Ok(message) => panic!("{name}: decoded as {message:?}\n{xml}"),
            Err(e) => println!("{name}: {e}"),
        }
    }
}

/// XSD gives integers `whiteSpace="collapse"`, so ` 7 ` is a valid `xs:unsignedLong`; the decoder
/// follows the spec. (libxml2 2.9 refuses such padding, which is why this case is not in the
/// inputs that `xmllint` checks too; our encoder never pads.)
#[test]
fn integers_may_be_padded_with_whitespace() {
    let xml = crate::common::envelope(
        r#"<e:userChanged xmlns:e="urn:IciEventInterface"><sequence> 7 </sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>a</user><loggedOn>false</loggedOn><workMode>notReady</workMode><reasonCode>
1001 </reasonCode></e:userChanged>"#,
    );
    match decode(xml.as_bytes()).unwrap() {
        ici::Message::Event(ici::Event {
            sequence: Some(7),
            session: None,
            body: ici::EventBody::UserChanged {
                reason: Some(r), ..
            },
            ..
        }) => assert_eq!(r.get(), 1001),
        other => panic!("{other:?}"),
    }
}
