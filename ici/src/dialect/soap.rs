//! SOAP versions, the `SOAPAction` rules and time formats a dialect can choose, and the checks of
//! a received message's HTTP headers.

use super::Dialect;
use crate::catalog::Operation;

/// SOAP 1.1 (`text/xml`, `SOAPAction` header) or SOAP 1.2 (`application/soap+xml`, the action as
/// a content-type parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    /// SOAP 1.1: `text/xml`, the action in a `SOAPAction` header.
    V11,
    /// SOAP 1.2: `application/soap+xml`, the action as a content-type parameter.
    V12,
}

impl SoapVersion {
    /// The namespace URI of the version's `Envelope`.
    pub fn envelope_ns(self) -> &'static str {
        match self {
            SoapVersion::V11 => "http://schemas.xmlsoap.org/soap/envelope/",
            SoapVersion::V12 => "http://www.w3.org/2003/05/soap-envelope",
        }
    }

    /// The `Content-Type` of its messages, charset included (the `param` rule appends the action).
    pub fn content_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml; charset=UTF-8",
            SoapVersion::V12 => "application/soap+xml; charset=UTF-8",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml",
            SoapVersion::V12 => "application/soap+xml",
        }
    }

    /// The version as a dialect file writes it (`soap.version`): `1.1` or `1.2`.
    pub fn as_str(self) -> &'static str {
        match self {
            SoapVersion::V11 => "1.1",
            SoapVersion::V12 => "1.2",
        }
    }
}

/// How the operation's action travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRule {
    /// `SOAPAction: "urn:…#logon"` (SOAP 1.1's usual form).
    Quoted,
    /// `SOAPAction: urn:…#logon`.
    Unquoted,
    /// `SOAPAction: ""`.
    Empty,
    /// No `SOAPAction` header at all.
    Absent,
    /// SOAP 1.2: `Content-Type: application/soap+xml; charset=UTF-8; action="urn:…#logon"`.
    Param,
}

impl ActionRule {
    /// The words `soap_action` takes, for error messages.
    pub const NAMES: &'static str = "quoted, unquoted, empty, absent or param";

    /// Reads a `soap_action` word of a dialect file.
    pub fn parse(s: &str) -> Option<ActionRule> {
        Some(match s {
            "quoted" => ActionRule::Quoted,
            "unquoted" => ActionRule::Unquoted,
            "empty" => ActionRule::Empty,
            "absent" => ActionRule::Absent,
            "param" => ActionRule::Param,
            _ => return None,
        })
    }
}

/// How timestamps are written on the wire; crmsim's messages hold RFC 3339 text either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// `2026-11-27T10:15:30.123Z` (`xs:dateTime` with a zone).
    Rfc3339,
    /// Milliseconds since 1970-01-01T00:00:00Z.
    UnixMillis,
}

impl TimeFormat {
    /// The words `values.timestamp` takes, for error messages.
    pub const NAMES: &'static str = "rfc3339 or unix-ms";

    /// Reads a `values.timestamp` word of a dialect file.
    pub fn parse(s: &str) -> Option<TimeFormat> {
        match s {
            "rfc3339" => Some(TimeFormat::Rfc3339),
            "unix-ms" => Some(TimeFormat::UnixMillis),
            _ => None,
        }
    }
}

/// The `SOAPAction` header value and the request content type for one operation.
/// The text around every message's body element: `(before, after)`.
pub(super) fn envelope_parts(
    prefix: &str,
    version: SoapVersion,
    xml_declaration: bool,
    header: Option<&str>,
) -> (String, String) {
    let mut open = String::new();
    if xml_declaration {
        open.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    }
    open.push_str(&format!(
        "<{prefix}:Envelope xmlns:{prefix}=\"{}\">",
        version.envelope_ns()
    ));
    if let Some(header) = header {
        open.push_str(&format!("<{prefix}:Header>{header}</{prefix}:Header>"));
    }
    open.push_str(&format!("<{prefix}:Body>"));
    (open, format!("</{prefix}:Body></{prefix}:Envelope>"))
}

pub(super) fn headers(
    version: SoapVersion,
    rule: ActionRule,
    action: &str,
) -> (Option<String>, String) {
    match rule {
        ActionRule::Quoted => (Some(format!("\"{action}\"")), version.content_type().into()),
        ActionRule::Unquoted => (Some(action.to_owned()), version.content_type().into()),
        ActionRule::Empty => (Some("\"\"".to_owned()), version.content_type().into()),
        ActionRule::Absent => (None, version.content_type().into()),
        ActionRule::Param => (
            None,
            format!("{}; action=\"{action}\"", version.content_type()),
        ),
    }
}

pub(super) fn check_content_type(
    version: SoapVersion,
    content_type: Option<&str>,
) -> Result<(), String> {
    let expected = version.media_type();
    let Some(value) = content_type else {
        return Err(format!(
            "no Content-Type: SOAP {} messages travel as {expected}",
            version.as_str()
        ));
    };
    let media = value.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(format!(
            "Content-Type {value:?}: this dialect speaks SOAP {}, which travels as {expected}",
            version.as_str()
        ))
    }
}

/// The `action` parameter of a content type, unquoted.
fn action_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("action")
            .then(|| v.trim().trim_matches('"'))
    })
}

pub(super) fn check_headers(
    d: &Dialect,
    op: Operation,
    content_type: Option<&str>,
    soap_action: Option<&str>,
) -> Result<(), String> {
    check_content_type(d.soap, content_type)?;
    let entry = d.op(op);
    let received = soap_action.map(str::trim);
    if entry.content_type.contains("action=") {
        // SOAP 1.2 action parameter: compare it, and tolerate no SOAPAction header.
        let expected = action_param(&entry.content_type);
        let got = content_type.and_then(action_param);
        return if got == expected {
            Ok(())
        } else {
            Err(format!(
                "the action parameter of Content-Type is {} for {}: expected action=\"{}\" (dialect {})",
                got.map_or("missing".to_owned(), |g| format!("{g:?}")),
                op.key(),
                expected.unwrap_or_default(),
                d.name
            ))
        };
    }
    match (&entry.action, received) {
        (Some(expected), Some(value)) if value == expected => Ok(()),
        (None, None) => Ok(()),
        (Some(expected), Some(value)) => Err(format!(
            "SOAPAction {value} does not match the body's operation {}: expected {expected} (dialect {})",
            op.key(),
            d.name
        )),
        (Some(expected), None) => Err(format!(
            "no SOAPAction header for {}: expected {expected} (dialect {})",
            op.key(),
            d.name
        )),
        // A header the dialect does not send is no contradiction: the body says what it is.
        (None, Some(_)) => Ok(()),
    }
}
