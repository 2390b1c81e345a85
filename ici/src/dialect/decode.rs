//! Envelopes → typed messages, by matching the input against the dialect's templates.
//!
//! What is accepted: any namespace prefixes (names are compared by namespace URI and local name),
//! default namespaces, an XML declaration (UTF-8 only), a BOM, comments and processing
//! instructions, pretty-printing whitespace, an optional SOAP `Header` (skipped unread), values
//! written with references, CDATA or a mix, elements of foreign namespaces after the `Body`, and
//! attributes a template does not name (`xsi:type` of RPC senders).
//!
//! What is refused, located (line:column, byte, element path): anything not well-formed, a
//! DOCTYPE, a root that is not the dialect's `Envelope`, a missing or empty `Body`, more than one
//! body element, a body element the dialect does not know (or not the one expected), and inside a
//! message any child its template does not allow here: unknown, repeated, out of order, in
//! another namespace, or missing when required; constants that differ; values outside their
//! vocabulary. Strict on purpose: a peer that speaks another dialect should be told where.
//!
//! The decoder streams (no DOM): each template element reads its own children in order, in the
//! manner of an `xs:sequence`; values borrow from the input until they are converted.

use std::borrow::Cow;

use super::cursor::{Cursor, Elem, Ns, SOAP, trim_xml};
use super::error::DecodeError;
use super::fields::{FieldSpec, Kind, L, R};
use super::template::{Content, Control, Node, NsId, Value};
use super::{Dialect, Role};
use crate::catalog::Operation;
use crate::message::Message;
use crate::values::invalid;

type Result<T> = std::result::Result<T, DecodeError>;

/// What the caller is waiting for, which narrows what a body element may be: a client knows
/// which operation it asked, so a dialect may give several replies one element name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Anything the dialect knows (requests, replies, events, faults).
    Any,
    /// A request (at the connector) or an event (at the CRM's sink).
    Message,
    /// The response or acknowledgement of this operation, or a fault.
    Reply(Operation),
}

/// One value read from the input.
pub(super) struct Cap<'a> {
    pub(super) spec: &'static FieldSpec,
    pub(super) text: Cow<'a, str>,
    pub(super) at: u64,
    /// The element (or attribute) that carried it, for errors: names borrowed from the
    /// template, so a value read costs no allocation for a name only an error would print.
    pub(super) element: Carrier<'a>,
    /// For fault codes: whether the QName's prefix resolved to the envelope namespace.
    pub(super) in_envelope: bool,
}

/// Where a value was read: an element's text or one of its attributes (template names).
#[derive(Clone, Copy)]
pub(super) enum Carrier<'a> {
    Element(&'a str),
    Attribute(&'a str, &'a str),
}

impl std::fmt::Display for Carrier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Carrier::Element(local) => f.write_str(local),
            Carrier::Attribute(local, attr) => write!(f, "{local}/@{attr}"),
        }
    }
}

/// The values of one scope (the message, or one list item, or a record).
#[derive(Default)]
pub(super) struct Captured<'a> {
    pub(super) vals: Vec<Cap<'a>>,
    pub(super) items: Vec<(L, Captured<'a>)>,
    pub(super) records: Vec<(R, Captured<'a>)>,
}

impl Dialect {
    /// Decodes one message of the dialect, whatever it is.
    pub fn decode(&self, xml: &[u8]) -> Result<Message> {
        self.decode_as(xml, Expect::Any)
    }

    /// Decodes one message, accepting only what `expect` allows.
    pub fn decode_as(&self, xml: &[u8], expect: Expect) -> Result<Message> {
        let input = std::str::from_utf8(xml).map_err(|e| super::error::not_utf8(xml, e))?;
        let mut cur = Cursor::new(input, &self.namespaces);
        // quick-xml passes raw control characters through; XML 1.0 forbids them, and a value
        // holding one could not be written back (the encoder replaces it), so refuse them here.
        if let Some((at, c)) = super::cursor::first_non_xml_char(input) {
            return Err(cur.doc.not_xml(
                at as u64,
                format_args!(
                    "U+{:04X} is not an XML 1.0 character; the sender must not put control characters in a message",
                    u32::from(c)
                ),
            ));
        }
        let envelope = self.envelope(&mut cur)?;
        let body = self.body(&mut cur, &envelope)?;
        let Some(elem) = cur.next_child()? else {
            return Err(cur.doc.empty_body(body.at));
        };
        let candidates: Vec<Role> = self
            .candidates
            .iter()
            .filter(|c| elem.ns.is(c.ns) && *c.local == *elem.local())
            .map(|c| c.role)
            .filter(|role| allowed(*role, expect))
            .collect();
        let Some(first) = candidates.first().copied() else {
            return Err(self.unknown(&cur, &elem, expect));
        };
        let result = self.finish(&mut cur, &elem, first);
        if result.is_ok() || candidates.len() == 1 {
            return result;
        }
        // Several messages share this element name (replies in some dialects): try the others
        // from the start; report the first one's error if none fits.
        for role in &candidates[1..] {
            let mut cur = Cursor::new(input, &self.namespaces);
            let envelope = self.envelope(&mut cur)?;
            self.body(&mut cur, &envelope)?;
            if let Some(elem) = cur.next_child()?
                && let Ok(message) = self.finish(&mut cur, &elem, *role)
            {
                return Ok(message);
            }
        }
        result
    }

    fn finish<'a>(
        &'a self,
        cur: &mut Cursor<'a, '_>,
        elem: &Elem<'a>,
        role: Role,
    ) -> Result<Message> {
        let node = match role {
            Role::Message(op) => self.op(op).message.as_ref(),
            Role::Reply(op) => self.op(op).reply.as_ref(),
            Role::Fault => Some(&self.fault),
        };
        let Some(node) = node else {
            return Err(self.unknown(cur, elem, Expect::Any));
        };
        let mut captured = Captured::default();
        self.read_plain(cur, elem, node, &mut captured, role)?;
        let message = self.build(role, captured, cur.doc, elem.at)?;
        if let Some(extra) = cur.next_child()? {
            let found = cur.expanded_name(&extra);
            let expected = "the end of `Body`: a message carries exactly one operation".to_owned();
            return Err(cur.doc.unexpected(extra.at, found, expected));
        }
        self.after_body(cur)?;
        if let Some(extra) = cur.next_child()? {
            let found = cur.expanded_name(&extra);
            return Err(cur
                .doc
                .unexpected(extra.at, found, "the end of the document".into()));
        }
        Ok(message)
    }

    fn unknown(&self, cur: &Cursor<'_, '_>, elem: &Elem<'_>, expect: Expect) -> DecodeError {
        let expected = match expect {
            Expect::Reply(op) => format!(
                "{} or a SOAP Fault, the reply to {} in dialect {}",
                self.reply_element(op).unwrap_or_else(|| "nothing".into()),
                op.key(),
                self.name
            ),
            Expect::Message | Expect::Any => format!(
                "a message of dialect {} (namespaces {})",
                self.name,
                self.known_namespaces()
            ),
        };
        cur.doc
            .unknown_operation(elem.at, &cur.namespace(elem), elem.local(), expected)
    }

    fn envelope<'a>(&self, cur: &mut Cursor<'a, '_>) -> Result<Elem<'a>> {
        match cur.next_child()? {
            Some(root) if root.is(SOAP, "Envelope") => Ok(root),
            Some(root) => Err(cur.doc.not_envelope(
                root.at,
                cur.expanded_name(&root),
                format!(
                    "{{{}}}Envelope (SOAP {})",
                    self.soap.envelope_ns(),
                    self.soap.as_str()
                ),
            )),
            None => Err(cur.doc.not_xml(0, "no root element")),
        }
    }

    /// Skips an optional `Header` and enters the `Body`.
    fn body<'a>(&self, cur: &mut Cursor<'a, '_>, envelope: &Elem<'a>) -> Result<Elem<'a>> {
        let ns = self.soap.envelope_ns();
        let mut header_allowed = true;
        loop {
            let Some(child) = cur.next_child()? else {
                return Err(cur.doc.no_body(envelope.at));
            };
            if header_allowed && child.is(SOAP, "Header") {
                header_allowed = false;
                cur.skip(&child)?;
            } else if child.is(SOAP, "Body") {
                return Ok(child);
            } else {
                let expected = if header_allowed {
                    format!("{{{ns}}}Header or {{{ns}}}Body")
                } else {
                    format!("{{{ns}}}Body")
                };
                return Err(cur
                    .doc
                    .unexpected(child.at, cur.expanded_name(&child), expected));
            }
        }
    }

    /// After the `Body`: elements of other namespaces are allowed (and skipped).
    fn after_body(&self, cur: &mut Cursor<'_, '_>) -> Result<()> {
        while let Some(child) = cur.next_child()? {
            if child.ns == SOAP || child.ns == Ns::Unqualified {
                let found = cur.expanded_name(&child);
                let expected =
                    "the end of `Envelope` (only elements of other namespaces may follow the Body)";
                return Err(cur.doc.unexpected(child.at, found, expected.to_owned()));
            }
            cur.skip(&child)?;
        }
        Ok(())
    }

    fn read_node<'a>(
        &'a self,
        cur: &mut Cursor<'a, '_>,
        elem: &Elem<'a>,
        node: &'a Node,
        scope: &mut Captured<'a>,
        role: Role,
    ) -> Result<()> {
        match node.control {
            Control::Each(list, _) => {
                let mut item = Captured::default();
                self.read_plain(cur, elem, node, &mut item, role)?;
                scope.items.push((list, item));
            }
            Control::IfRecord(record, _) => {
                let mut inner = Captured::default();
                self.read_plain(cur, elem, node, &mut inner, role)?;
                scope.records.push((record, inner));
            }
            _ => self.read_plain(cur, elem, node, scope, role)?,
        }
        Ok(())
    }

    fn read_plain<'a>(
        &'a self,
        cur: &mut Cursor<'a, '_>,
        elem: &Elem<'a>,
        node: &'a Node,
        scope: &mut Captured<'a>,
        role: Role,
    ) -> Result<()> {
        for attr in &node.attrs {
            let value = elem.attribute(cur.doc, &attr.qname)?;
            match (&attr.value, value) {
                (Value::Const(c), Some(v)) if *v == **c => {}
                (Value::Const(c), Some(v)) => {
                    let error = invalid("constant", &v, format!("{c:?}, the dialect's constant"));
                    let at = format!("{}/@{}", node.local, attr.qname);
                    return Err(cur.doc.invalid(elem.at, &at, error));
                }
                (Value::Const(_), None) => {
                    return Err(cur.doc.missing_attribute(elem.at, &node.local, &attr.qname));
                }
                (Value::Field { spec, .. }, Some(v)) => scope.vals.push(Cap {
                    spec,
                    text: Cow::Owned(v.into_owned()),
                    at: elem.at,
                    element: Carrier::Attribute(&node.local, &attr.qname),
                    in_envelope: false,
                }),
                (Value::Field { spec, optional }, None) => {
                    if !*optional && spec.kind != Kind::EmptyAsNone {
                        return Err(cur.doc.missing_attribute(elem.at, &node.local, &attr.qname));
                    }
                }
            }
        }
        match &node.content {
            Content::Empty => match cur.next_child()? {
                None => Ok(()),
                Some(child) => Err(unexpected_child(cur, &child, node, &[])),
            },
            Content::Text(value) => {
                let text = cur.text()?;
                match value {
                    Value::Const(c) => {
                        if trim_xml(&text) != trim_xml(c) {
                            let expected = format!("{:?}, the dialect's fixed text", trim_xml(c));
                            let error = invalid("constant", &text, expected);
                            return Err(cur.doc.invalid(elem.at, &node.local, error));
                        }
                        Ok(())
                    }
                    Value::Field { spec, .. } => {
                        let in_envelope = spec.kind == Kind::FaultCode
                            && cur.resolve_qname(trim_xml(&text)).0 == SOAP;
                        scope.vals.push(Cap {
                            spec,
                            text,
                            at: elem.at,
                            element: Carrier::Element(&node.local),
                            in_envelope,
                        });
                        Ok(())
                    }
                }
            }
            Content::Children(children) => {
                self.read_children(cur, elem, node, children, scope, role)
            }
        }
    }

    fn read_children<'a>(
        &'a self,
        cur: &mut Cursor<'a, '_>,
        elem: &Elem<'a>,
        node: &'a Node,
        children: &'a [Node],
        scope: &mut Captured<'a>,
        role: Role,
    ) -> Result<()> {
        let mut next = 0;
        // A `crmsim:each` child is optional, so it may match any number of times: after a match
        // `next` stays on it.
        while let Some(child) = cur.next_child()? {
            let mut i = next;
            let mut matched = None;
            while let Some(t) = children.get(i) {
                if child.ns.is(t.ns) && *child.local() == *t.local {
                    matched = Some(i);
                    break;
                }
                if !t.optional {
                    break;
                }
                i += 1;
            }
            let Some(i) = matched else {
                if node.lax {
                    cur.skip(&child)?;
                    continue;
                }
                return Err(unexpected_child(cur, &child, node, &children[next..]));
            };
            let t = &children[i];
            self.read_node(cur, &child, t, scope, role)?;
            next = if matches!(t.control, Control::Each(..)) {
                i
            } else {
                i + 1
            };
        }
        // Whatever is left must be optional.
        if let Some(missing) = children
            .get(next..)
            .and_then(|rest| rest.iter().find(|t| !t.optional))
        {
            return Err(cur.doc.missing(elem.at, role_key(role), &missing.qname));
        }
        Ok(())
    }
}

fn allowed(role: Role, expect: Expect) -> bool {
    match (expect, role) {
        (Expect::Any, _) => true,
        (Expect::Message, Role::Message(_)) => true,
        (Expect::Reply(op), Role::Reply(r)) => op == r,
        (Expect::Reply(_), Role::Fault) => true,
        _ => false,
    }
}

pub(super) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Message(op) | Role::Reply(op) => op.key(),
        Role::Fault => "fault",
    }
}

/// The error for a child that may not come here; `allowed` are the template children that could.
fn unexpected_child(
    cur: &Cursor<'_, '_>,
    child: &Elem<'_>,
    parent: &Node,
    allowed: &[Node],
) -> DecodeError {
    let mut expected = String::new();
    let mut count = 0;
    for t in allowed {
        if count > 0 {
            expected.push_str(", ");
        }
        expected.push('`');
        expected.push_str(&t.qname);
        expected.push('`');
        count += 1;
        if !t.optional {
            break;
        }
    }
    if count > 1 {
        expected.push_str(" (in this order)");
    }
    let open_end = allowed.iter().all(|t| t.optional);
    if open_end {
        if count > 0 {
            expected.push_str(" or ");
        }
        expected.push_str("the end of `");
        expected.push_str(&parent.local);
        expected.push('`');
    }
    let same_local = allowed.iter().find(|t| *t.local == *child.local());
    if let Some(t) = same_local {
        let want = match t.ns {
            NsId::Unqualified => "unqualified (no namespace)".to_owned(),
            NsId::Known(_) => format!("in the namespace of `{}`", t.qname),
        };
        expected.push_str(&format!("; `{}` is {want} in this dialect", t.local));
    }
    cur.doc
        .unexpected(child.at, cur.expanded_name(child), expected)
}
