//! Each `DecodeError` variant, triggered on purpose: the variant, its location (byte, line and
//! column, checked against an independent count) and its element path.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use ici::{DecodeError, IciError};

fn decode(xml: &[u8]) -> Result<ici::Message, DecodeError> {
    ici::Dialect::builtin().decode(xml)
}

const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A multi-line envelope, so that line numbers are exercised.
fn pretty(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<soapenv:Envelope xmlns:soapenv=\"{SOAP}\">\n  <soapenv:Body>\n    {body}\n  </soapenv:Body>\n</soapenv:Envelope>\n"
    )
}

fn error(xml: &[u8]) -> DecodeError {
    match decode(xml) {
        Ok(m) => panic!("decoded as {m:?}"),
        Err(e) => e,
    }
}

/// Byte offset of the first `needle` in `xml`.
fn offset(xml: &str, needle: &str) -> u64 {
    xml.find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {xml}")) as u64
}

/// Asserts the error points at byte `byte`, with line and column counted independently, and says
/// so in its message together with the path.
fn assert_at(err: &DecodeError, xml: &str, byte: u64, path: &str) {
    let before = &xml[..byte as usize];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
    let at = err.location();
    assert_eq!((at.byte, at.line, at.column), (byte, line, column), "{err}");
    assert_eq!(err.path(), path, "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("{line}:{column} (byte {byte})")),
        "{message}"
    );
    if !path.is_empty() {
        assert!(message.contains(path), "{message}");
    }
}

#[test]
fn not_xml_mismatched_end_tag() {
    let xml = pretty(r#"<usr:logoff xmlns:usr="urn:IciUserInterface"><user>u</usr></usr:logoff>"#);
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(
        &err,
        &xml,
        offset(&xml, "</usr>"),
        "Envelope/Body/logoff/user",
    );
    assert!(err.to_string().contains("not well-formed XML"), "{err}");
}

#[test]
fn not_xml_invalid_utf8() {
    let xml =
        pretty(r#"<usr:logoff xmlns:usr="urn:IciUserInterface"><user>u#</user></usr:logoff>"#);
    let hash = offset(&xml, "#");
    let mut bytes = xml.clone().into_bytes();
    bytes[hash as usize] = 0xFF;
    let err = error(&bytes);
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(&err, &xml, hash, "Envelope/Body/logoff/user");
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

#[test]
fn not_xml_raw_control_character() {
    // Found by the soap_decode fuzz target: a raw U+0003 in an attribute was accepted, and the
    // encoder, which cannot write it, answered with something else.
    let xml =
        pretty("<usr:logoff xmlns:usr=\"urn:IciUserInterface\"><user>u\u{3}v</user></usr:logoff>");
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(
        &err,
        &xml,
        offset(&xml, "\u{3}"),
        "Envelope/Body/logoff/user",
    );
    assert!(
        err.to_string()
            .contains("U+0003 is not an XML 1.0 character"),
        "{err}"
    );
}

#[test]
fn not_xml_unknown_entity() {
    let xml = pretty(
        r#"<usr:logoff xmlns:usr="urn:IciUserInterface"><user>a&nbsp;b</user></usr:logoff>"#,
    );
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(
        &err,
        &xml,
        offset(&xml, "&nbsp;"),
        "Envelope/Body/logoff/user",
    );
    assert!(err.to_string().contains("unknown entity &nbsp;"), "{err}");
}

#[test]
fn not_xml_truncated_input() {
    let xml = pretty(r#"<usr:logoff xmlns:usr="urn:IciUserInterface"><user>u</user></usr:logoff>"#);
    let cut = offset(&xml, "</soapenv:Body>");
    let err = error(&xml.as_bytes()[..cut as usize]);
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(&err, &xml, cut, "Envelope/Body");
    assert!(
        err.to_string().contains("ends inside an open element"),
        "{err}"
    );
}

#[test]
fn not_xml_undeclared_prefix() {
    let xml = pretty(r#"<usr:logoff><user>u</user></usr:logoff>"#);
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(
        &err,
        &xml,
        offset(&xml, "<usr:logoff"),
        "Envelope/Body/logoff",
    );
    assert!(
        err.to_string()
            .contains("undeclared namespace prefix `usr`"),
        "{err}"
    );
}

#[test]
fn not_xml_other_encoding() {
    let xml = pretty("").replace(
        "<?xml version=\"1.0\"?>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    );
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NotXml { .. }), "{err}");
    assert_at(&err, &xml, 0, "");
    assert!(err.to_string().contains("ISO-8859-1"), "{err}");
}

#[test]
fn doctype_is_refused() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e \"boom\">]>\n{}",
        crate::common::envelope("").replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "")
    );
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::DocType { .. }), "{err}");
    assert_at(&err, &xml, offset(&xml, "<!DOCTYPE"), "");
}

#[test]
fn not_a_soap_envelope() {
    let xml = "<?xml version=\"1.0\"?>\n\n  <html><body/></html>";
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::NotSoapEnvelope { found, .. } => assert_eq!(found, "html"),
        other => panic!("{other}"),
    }
    assert_at(&err, xml, offset(xml, "<html>"), "html");
    let soap12 =
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
    let err = error(soap12.as_bytes());
    assert!(
        err.to_string()
            .contains("{http://www.w3.org/2003/05/soap-envelope}Envelope"),
        "{err}"
    );
}

#[test]
fn no_body() {
    let xml = format!(
        "<soapenv:Envelope xmlns:soapenv=\"{SOAP}\">\n  <soapenv:Header/>\n</soapenv:Envelope>"
    );
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::NoBody { .. }), "{err}");
    assert_at(&err, &xml, 0, "Envelope");
}

#[test]
fn empty_body() {
    let xml = pretty("<!-- nothing -->");
    let err = error(xml.as_bytes());
    assert!(matches!(err, DecodeError::EmptyBody { .. }), "{err}");
    assert_at(&err, &xml, offset(&xml, "<soapenv:Body>"), "Envelope/Body");
}

#[test]
fn unknown_operation_names_the_known_namespaces() {
    let xml = pretty(r#"<x:logon xmlns:x="urn:IciUserInterfaceV2"><user>u</user></x:logon>"#);
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::UnknownOperation {
            namespace, element, ..
        } => assert_eq!(
            (namespace.as_str(), element.as_str()),
            ("urn:IciUserInterfaceV2", "logon")
        ),
        other => panic!("{other}"),
    }
    assert_at(&err, &xml, offset(&xml, "<x:logon"), "Envelope/Body/logon");
    for namespace in [
        "urn:IciUserInterface",
        "urn:IciEventInterface",
        "urn:IciSystemInterface",
    ] {
        assert!(err.to_string().contains(namespace), "{err}");
    }
    assert_eq!(err.ici_error(), IciError::UnknownOperation);

    let xml = pretty(r#"<u:dance xmlns:u="urn:IciUserInterface"/>"#);
    let err = error(xml.as_bytes());
    assert!(
        err.to_string().contains("{urn:IciUserInterface}dance"),
        "{err}"
    );
}

#[test]
fn missing_element() {
    let xml = pretty(
        r#"<usr:logon xmlns:usr="urn:IciUserInterface">
      <user>u</user>
    </usr:logon>"#,
    );
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::MissingElement {
            operation, element, ..
        } => assert_eq!((*operation, element.as_str()), ("user.logon", "login")),
        other => panic!("{other}"),
    }
    assert_at(
        &err,
        &xml,
        offset(&xml, "<usr:logon"),
        "Envelope/Body/logon",
    );
    assert_eq!(err.ici_error(), IciError::MalformedRequest);
}

#[test]
fn unexpected_element() {
    let xml = pretty(
        r#"<usr:logoff xmlns:usr="urn:IciUserInterface">
      <user>u</user>
      <force>true</force>
    </usr:logoff>"#,
    );
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::UnexpectedElement {
            found, expected, ..
        } => {
            assert_eq!(found, "force");
            assert_eq!(expected, "the end of `logoff`");
        }
        other => panic!("{other}"),
    }
    assert_at(
        &err,
        &xml,
        offset(&xml, "<force>"),
        "Envelope/Body/logoff/force",
    );
}

#[test]
fn unexpected_text() {
    let xml = pretty(
        r#"<usr:logoff xmlns:usr="urn:IciUserInterface">
      stray<user>u</user>
    </usr:logoff>"#,
    );
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::UnexpectedText { text, .. } => assert!(text.contains("stray"), "{text:?}"),
        other => panic!("{other}"),
    }
    // The text event starts right after the start tag.
    let start = offset(&xml, "<usr:logoff")
        + r#"<usr:logoff xmlns:usr="urn:IciUserInterface">"#.len() as u64;
    assert_at(&err, &xml, start, "Envelope/Body/logoff");
}

#[test]
fn invalid_value_carries_the_value_error() {
    let xml = pretty(
        r#"<usr:setWorkMode xmlns:usr="urn:IciUserInterface">
      <user>u</user>
      <workMode>notReady</workMode>
      <reasonCode>999</reasonCode>
    </usr:setWorkMode>"#,
    );
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::InvalidValue {
            element, source, ..
        } => {
            assert_eq!(*element, "reasonCode");
            assert_eq!(source.value, "999");
        }
        other => panic!("{other}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert_at(
        &err,
        &xml,
        offset(&xml, "<reasonCode>"),
        "Envelope/Body/setWorkMode/reasonCode",
    );
    assert!(err.to_string().contains("above 999"), "{err}");
}

#[test]
fn missing_attribute() {
    let xml = pretty(
        r#"<evt:callChanged xmlns:evt="urn:IciEventInterface">
      <sequence>1</sequence><timestamp>2026-11-27T10:15:30Z</timestamp><user>u</user><callId>c</callId><state>held</state>
      <attachedData><ItemAttachedData><Application id="SAP-IC"><ECC>
        <Var>no name</Var>
      </ECC></Application></ItemAttachedData></attachedData>
    </evt:callChanged>"#,
    );
    let err = error(xml.as_bytes());
    match &err {
        DecodeError::MissingAttribute {
            element, attribute, ..
        } => assert_eq!((element.as_str(), attribute.as_str()), ("Var", "name")),
        other => panic!("{other}"),
    }
    assert_at(
        &err,
        &xml,
        offset(&xml, "<Var>"),
        "Envelope/Body/callChanged/attachedData/ItemAttachedData/Application/ECC/Var",
    );
}
