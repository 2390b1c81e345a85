//! Typed messages → SOAP 1.1 envelopes.
//!
//! Wire conventions of the profile (the XSDs in `ici/schema/` say the same):
//! - One envelope per message, `soapenv` prefix, an XML declaration, no pretty printing, no
//!   Header.
//! - The body element is in its interface's namespace, declared on the body element itself:
//!   `<usr:logon xmlns:usr="urn:IciUserInterface">`.
//! - Child elements are **unqualified** (no namespace; `elementFormDefault="unqualified"`):
//!   `<usr:logon …><user>4711</user><login>…</login></usr:logon>`. This is the SOAP RPC
//!   convention of the old BCB dispatcher (its confirmed `SOAPAction` is an `rpc` URL), and it
//!   keeps the attached-data block exactly as the connector vendor documents it,
//!   `<attachedData><ItemAttachedData><Application id="SAP-IC">…`.
//! - Optional values are left out when `None`; empty elements are written as `<x/>`.
//! - Faults: `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>…</faultstring>
//!   <detail><sys:iciError xmlns:sys="urn:IciSystemInterface"><code>notLoggedOn</code>
//!   </sys:iciError></detail></soapenv:Fault>`; `detail` is left out when the fault has no
//!   [`IciError`](crate::IciError).
//!
//! Encoding is on the simulators' hot path, so every function writes into one pre-sized `String`,
//! escapes in place (see [`escape`]) and formats numbers and login strings straight into it.

mod escape;
mod event;

use std::fmt::{Display, Write as _};

use crate::catalog::{Interface, Operation, SOAP_ENV_NS, el};
use crate::message::{Fault, Request, Response};

pub use event::encode_event;

/// Encodes a request from the CRM to the connector.
pub fn encode_request(request: &Request) -> String {
    let op = request.operation();
    let mut xml = Xml::envelope(512);
    let tag = Tag::operation(op, "");
    xml.start_operation(tag, op.interface());
    match request {
        Request::GetVersion => {}
        Request::Heartbeat { user } => xml.leaf_opt(el::USER, user.as_deref()),
        Request::Logon {
            user,
            login,
            language,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::LOGIN, login);
            xml.leaf_opt(el::LANGUAGE, language.as_deref());
        }
        Request::Logoff { user } => xml.leaf(el::USER, user),
        Request::SetWorkMode { user, mode, reason } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::WORK_MODE, mode.as_str());
            if let Some(reason) = reason {
                xml.leaf_display(el::REASON_CODE, reason);
            }
        }
        Request::UserSubscribe { user, sink_url } | Request::UserUnsubscribe { user, sink_url } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::SINK_URL, sink_url);
        }
        Request::ContainerSubscribe {
            user,
            address,
            sink_url,
        }
        | Request::ContainerUnsubscribe {
            user,
            address,
            sink_url,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::ADDRESS, address);
            xml.leaf(el::SINK_URL, sink_url);
        }
        Request::MakeCall {
            user,
            address,
            destination,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::ADDRESS, address);
            xml.leaf(el::DESTINATION, destination.as_str());
        }
        Request::Answer { user, call_id }
        | Request::HangUp { user, call_id }
        | Request::Hold { user, call_id }
        | Request::Retrieve { user, call_id } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::CALL_ID, call_id);
        }
        Request::Transfer {
            user,
            call_id,
            destination,
            mode,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf(el::CALL_ID, call_id);
            xml.leaf(el::DESTINATION, destination.as_str());
            xml.leaf(el::TRANSFER_MODE, mode.as_str());
        }
    }
    xml.end(tag);
    xml.finish()
}

/// Encodes a successful response from the connector.
///
/// `Response::Ack(op)` is written as an empty `<opResponse/>` whatever `op` is; see
/// [`Response::Ack`] for why that is only right for [`Operation::response_is_empty`] operations.
pub fn encode_response(response: &Response) -> String {
    let op = response.operation();
    debug_assert!(
        !matches!(response, Response::Ack(_)) || op.response_is_empty(),
        "Response::Ack({op:?}): this operation's response carries data"
    );
    let mut xml = Xml::envelope(384);
    let tag = Tag::operation(op, "Response");
    xml.start_operation(tag, op.interface());
    match response {
        Response::Version { version, vendor } => {
            xml.leaf(el::VERSION, version);
            xml.leaf(el::VENDOR, vendor);
        }
        Response::Heartbeat { status, timestamp } => {
            xml.leaf(el::STATUS, status);
            xml.leaf(el::TIMESTAMP, timestamp);
        }
        Response::Logon { session } => xml.leaf(el::SESSION, session),
        Response::MakeCall { call_id } => xml.leaf(el::CALL_ID, call_id),
        Response::Ack(_) => {}
    }
    xml.end(tag);
    xml.finish()
}

/// Encodes the CRM's acknowledgement of an event: the empty `<evt:callChangedResponse/>` etc.
pub fn encode_event_ack(operation: Operation) -> String {
    let mut xml = Xml::envelope(256);
    let tag = Tag::operation(operation, "Response");
    xml.start_operation(tag, operation.interface());
    xml.end(tag);
    xml.finish()
}

/// Encodes a SOAP 1.1 fault; the profile's error code goes into
/// `detail/sys:iciError/code` (namespace `urn:IciSystemInterface`).
pub fn encode_fault(fault: &Fault) -> String {
    let mut xml = Xml::envelope(448 + fault.reason.len());
    let fault_tag = Tag::soap(el::FAULT);
    xml.start(fault_tag);
    xml.start(Tag::plain(el::FAULT_CODE));
    xml.text("soapenv:");
    xml.text(fault.code.as_str());
    xml.end(Tag::plain(el::FAULT_CODE));
    xml.leaf(el::FAULT_STRING, &fault.reason);
    if let Some(error) = fault.error {
        xml.start(Tag::plain(el::FAULT_DETAIL));
        let system = Interface::System;
        let error_tag = Tag {
            prefix: system.prefix(),
            local: el::ICI_ERROR,
            suffix: "",
        };
        xml.start_operation(error_tag, system);
        xml.leaf(el::ERROR_CODE, error.as_str());
        xml.end(error_tag);
        xml.end(Tag::plain(el::FAULT_DETAIL));
    }
    xml.end(fault_tag);
    xml.finish()
}

/// An element name as written: `prefix:local` + `suffix` (the suffix spares building
/// `"logonResponse"` in a temporary `String`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'n> {
    prefix: &'n str,
    local: &'n str,
    suffix: &'n str,
}

impl<'n> Tag<'n> {
    /// An unqualified child element.
    pub(crate) fn plain(local: &'n str) -> Tag<'n> {
        Tag {
            prefix: "",
            local,
            suffix: "",
        }
    }

    fn soap(local: &'n str) -> Tag<'n> {
        Tag {
            prefix: "soapenv",
            local,
            suffix: "",
        }
    }

    /// The body element of `op`; `suffix` is `""` for requests and events, `"Response"` for
    /// responses and acknowledgements.
    pub(crate) fn operation(op: Operation, suffix: &'n str) -> Tag<'n> {
        Tag {
            prefix: op.interface().prefix(),
            local: op.element(),
            suffix,
        }
    }
}

/// A minimal streaming writer over a `String`.
///
/// A start tag is left open (`<x`) until content follows, so an element that gets none is closed
/// as `<x/>` without the callers having to know in advance.
pub(crate) struct Xml {
    out: String,
    start_tag_open: bool,
}

impl Xml {
    /// Starts an envelope: XML declaration, `Envelope` and `Body` start tags.
    pub(crate) fn envelope(capacity: usize) -> Xml {
        let mut out = String::with_capacity(capacity);
        out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv=""#);
        out.push_str(SOAP_ENV_NS);
        out.push_str(r#""><soapenv:Body>"#);
        Xml {
            out,
            start_tag_open: false,
        }
    }

    /// Closes `Body` and `Envelope` and hands the document over.
    pub(crate) fn finish(mut self) -> String {
        self.close_start_tag();
        self.out.push_str("</soapenv:Body></soapenv:Envelope>");
        self.out
    }

    pub(crate) fn start(&mut self, tag: Tag<'_>) {
        self.close_start_tag();
        self.out.push('<');
        self.push_name(tag);
        self.start_tag_open = true;
    }

    /// Starts the body element of `op` and declares its interface's namespace on it.
    pub(crate) fn start_operation(&mut self, tag: Tag<'_>, interface: Interface) {
        self.start(tag);
        self.declare(interface);
    }

    /// Writes `xmlns:<prefix>="<namespace>"` into the open start tag.
    fn declare(&mut self, interface: Interface) {
        debug_assert!(self.start_tag_open, "namespace declaration after content");
        self.out.push_str(" xmlns:");
        self.out.push_str(interface.prefix());
        self.out.push_str("=\"");
        self.out.push_str(interface.namespace());
        self.out.push('"');
    }

    /// Writes an attribute into the open start tag.
    pub(crate) fn attribute(&mut self, name: &str, value: &str) {
        debug_assert!(self.start_tag_open, "attribute {name} after content");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape::attribute(&mut self.out, value);
        self.out.push('"');
    }

    pub(crate) fn end(&mut self, tag: Tag<'_>) {
        if self.start_tag_open {
            self.out.push_str("/>");
            self.start_tag_open = false;
        } else {
            self.out.push_str("</");
            self.push_name(tag);
            self.out.push('>');
        }
    }

    /// Escaped character data; nothing at all for an empty string (so `<x/>` stays empty).
    pub(crate) fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.close_start_tag();
        escape::text(&mut self.out, s);
    }

    /// `<name>text</name>`, or `<name/>` for an empty string.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) {
        let tag = Tag::plain(name);
        self.start(tag);
        self.text(text);
        self.end(tag);
    }

    /// A leaf that is left out when `None`.
    pub(crate) fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// A leaf whose text is formatted (and escaped) straight into the output.
    pub(crate) fn leaf_display(&mut self, name: &str, value: &impl Display) {
        let tag = Tag::plain(name);
        self.start(tag);
        self.close_start_tag();
        // Writing into a String cannot fail; `TextWriter` never returns an error either.
        let _ = write!(escape::TextWriter(&mut self.out), "{value}");
        self.end(tag);
    }

    fn close_start_tag(&mut self) {
        if self.start_tag_open {
            self.out.push('>');
            self.start_tag_open = false;
        }
    }

    fn push_name(&mut self, tag: Tag<'_>) {
        if !tag.prefix.is_empty() {
            self.out.push_str(tag.prefix);
            self.out.push(':');
        }
        self.out.push_str(tag.local);
        self.out.push_str(tag.suffix);
    }
}
