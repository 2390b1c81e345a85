//! SOAP 1.1 envelopes → typed messages.
//!
//! What is accepted:
//! - any namespace prefixes (names are resolved with quick-xml's `NsReader`), default
//!   namespaces included; an XML declaration (UTF-8 only); a UTF-8 BOM; comments and processing
//!   instructions; pretty-printing whitespace between elements;
//! - an optional SOAP `Header`, skipped unread (including `mustUnderstand` entries: routing data
//!   travels in HTTP headers in SAP's set-up, not in SOAP headers);
//! - values written with entity or character references, CDATA sections, or a mix, joined
//!   exactly; string values keep all their spaces;
//! - elements of foreign namespaces after the `Body`, which the SOAP 1.1 envelope schema allows.
//!
//! What is refused, with a [`DecodeError`] that says what and where (line:column, byte, element
//! path): anything that is not well-formed XML, a DOCTYPE (forbidden by SOAP 1.1), a root that is
//! not a SOAP 1.1 `Envelope`, a missing or empty `Body`, more than one body element, an unknown
//! operation, and, inside an operation, any child the profile's XSD would refuse: missing,
//! unknown, repeated, out of order, or namespace-qualified (children are unqualified). Unknown
//! extra children are refused rather than skipped on purpose: this is a test harness's profile,
//! and a peer that sends something the profile does not know should be told, not tolerated.
//!
//! How the message kind is told apart: by the body element's namespace and local name through the
//! catalog: `{urn:IciUserInterface}logon` is a request, `logonResponse` its response,
//! `{urn:IciEventInterface}callChanged` an event and `callChangedResponse` its acknowledgement,
//! `{soapenv}Fault` a fault.
//!
//! The decoder streams: no DOM, one pass, each message shape reads its own children
//! (`request.rs`, `response.rs`, `event.rs`, `attached.rs`, `fault.rs`) with the shared helpers in
//! `fields.rs`; string values borrow from the input until they are stored.

mod attached;
mod cursor;
mod error;
mod event;
mod fault;
mod fields;
mod request;
mod response;

use cursor::{Cursor, Elem, Ns};
pub use error::{DecodeError, Location};

use crate::catalog::{Operation, SOAP_ENV_NS, el};
use crate::message::Message;

const ENVELOPE: &str = "Envelope";
const HEADER: &str = "Header";
const BODY: &str = "Body";

/// Decodes one SOAP 1.1 message of the profile.
pub fn decode(xml: &[u8]) -> Result<Message, DecodeError> {
    let input = std::str::from_utf8(xml).map_err(|e| not_utf8(xml, e))?;
    let mut cur = Cursor::new(input);
    let envelope = envelope(&mut cur)?;
    let body = body(&mut cur, &envelope)?;
    let message = body_content(&mut cur, &body)?;
    after_body(&mut cur)?;
    if let Some(extra) = cur.next_child()? {
        let found = cur.expanded_name(&extra);
        return Err(cur
            .doc
            .unexpected(extra.at, found, "the end of the document".into()));
    }
    Ok(message)
}

fn not_utf8(xml: &[u8], error: std::str::Utf8Error) -> DecodeError {
    let valid = error.valid_up_to();
    let prefix = std::str::from_utf8(&xml[..valid]).unwrap_or_default();
    error::Doc::new(prefix).not_xml(
        valid as u64,
        format_args!("invalid UTF-8 ({error}); the ICI profile is UTF-8"),
    )
}

fn envelope<'a>(cur: &mut Cursor<'a>) -> Result<Elem<'a>, DecodeError> {
    match cur.next_child()? {
        Some(root) if root.is(Ns::Soap, ENVELOPE) => Ok(root),
        Some(root) => Err(cur.doc.not_envelope(root.at, cur.expanded_name(&root))),
        None => Err(cur.doc.not_xml(0, "no root element")),
    }
}

/// Skips an optional `Header` and enters the `Body`.
fn body<'a>(cur: &mut Cursor<'a>, envelope: &Elem<'a>) -> Result<Elem<'a>, DecodeError> {
    let mut header_allowed = true;
    loop {
        let Some(child) = cur.next_child()? else {
            return Err(cur.doc.no_body(envelope.at));
        };
        if header_allowed && child.is(Ns::Soap, HEADER) {
            header_allowed = false;
            cur.skip(&child)?;
        } else if child.is(Ns::Soap, BODY) {
            return Ok(child);
        } else {
            let expected = if header_allowed {
                format!("{{{SOAP_ENV_NS}}}Header or {{{SOAP_ENV_NS}}}Body")
            } else {
                format!("{{{SOAP_ENV_NS}}}Body")
            };
            return Err(cur
                .doc
                .unexpected(child.at, cur.expanded_name(&child), expected));
        }
    }
}

/// Reads the one element in the `Body` and the `Body`'s end.
fn body_content(cur: &mut Cursor<'_>, body: &Elem<'_>) -> Result<Message, DecodeError> {
    let Some(elem) = cur.next_child()? else {
        return Err(cur.doc.empty_body(body.at));
    };
    let message = match elem.ns {
        Ns::Soap if elem.local() == el::FAULT => Message::Fault(fault::read(cur, &elem)?),
        Ns::Interface(interface) => {
            let local = elem.local();
            if let Some(op) = Operation::find(interface, local) {
                operation(cur, &elem, op)?
            } else if let Some(op) = local
                .strip_suffix("Response")
                .and_then(|name| Operation::find(interface, name))
            {
                response::read(cur, &elem, op)?
            } else {
                return Err(unknown_operation(cur, &elem));
            }
        }
        Ns::Soap | Ns::Unqualified | Ns::Other => return Err(unknown_operation(cur, &elem)),
    };
    if let Some(extra) = cur.next_child()? {
        let found = cur.expanded_name(&extra);
        let expected = "the end of `Body`: a message carries exactly one operation".to_owned();
        return Err(cur.doc.unexpected(extra.at, found, expected));
    }
    Ok(message)
}

fn unknown_operation(cur: &Cursor<'_>, elem: &Elem<'_>) -> DecodeError {
    cur.doc
        .unknown_operation(elem.at, &cur.namespace(elem), elem.local())
}

/// Requests and events: one reader per message shape.
fn operation(cur: &mut Cursor<'_>, elem: &Elem<'_>, op: Operation) -> Result<Message, DecodeError> {
    use Operation::*;
    let message = match op {
        GetVersion => Message::Request(request::get_version(cur, elem)?),
        Heartbeat => Message::Request(request::heartbeat(cur, elem)?),
        Logon => Message::Request(request::logon(cur, elem)?),
        Logoff => Message::Request(request::logoff(cur, elem)?),
        SetWorkMode => Message::Request(request::set_work_mode(cur, elem)?),
        UserSubscribe | UserUnsubscribe => {
            Message::Request(request::user_subscription(cur, elem, op)?)
        }
        ContainerSubscribe | ContainerUnsubscribe => {
            Message::Request(request::container_subscription(cur, elem, op)?)
        }
        MakeCall => Message::Request(request::make_call(cur, elem)?),
        Answer | HangUp | Hold | Retrieve => {
            Message::Request(request::call_control(cur, elem, op)?)
        }
        Transfer => Message::Request(request::transfer(cur, elem)?),
        ContainerChanged => Message::Event(event::container_changed(cur, elem)?),
        CallChanged => Message::Event(event::call_changed(cur, elem)?),
        UserChanged => Message::Event(event::user_changed(cur, elem)?),
    };
    Ok(message)
}

/// After the `Body`: elements of other namespaces are allowed (and skipped) until the
/// `Envelope` ends.
fn after_body(cur: &mut Cursor<'_>) -> Result<(), DecodeError> {
    while let Some(child) = cur.next_child()? {
        match child.ns {
            Ns::Interface(_) | Ns::Other => cur.skip(&child)?,
            Ns::Soap | Ns::Unqualified => {
                let found = cur.expanded_name(&child);
                let expected =
                    "the end of `Envelope` (only elements of other namespaces may follow the Body)";
                return Err(cur.doc.unexpected(child.at, found, expected.to_owned()));
            }
        }
    }
    Ok(())
}
