//! Typed messages → envelopes, by walking the dialect's templates.
//!
//! Encoding is on the simulators' hot path: one pre-sized `String`, escaping in place
//! ([`super::escape`]), numbers formatted straight into it, no temporary strings. An element's
//! start tag is left open until content follows, so one that gets none is closed as `<x/>`.

use std::fmt::Write as _;

use super::Dialect;
use super::escape;
use super::fields::{Kind, Vocab};
use super::soap::TimeFormat;
use super::source::{Source, Val};
use super::template::{Content, Control, Node, Value};
use crate::catalog::Operation;
use crate::message::{Event, Fault, Request, Response};

/// A message the dialect cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The dialect marks the operation `unsupported = true`, so it has no template for it.
    #[error("dialect {dialect} does not support {operation}: it is marked unsupported there")]
    Unsupported {
        /// The dialect's name.
        dialect: String,
        /// The operation's key (`call.transfer`).
        operation: &'static str,
    },
}

impl Dialect {
    /// Encodes a request from the CRM to the connector.
    pub fn encode_request(&self, request: &Request) -> Result<String, EncodeError> {
        let op = request.operation();
        let node = self.message_node(op)?;
        Ok(self.render(node, request, 512))
    }

    /// Encodes a successful response of the connector.
    pub fn encode_response(&self, response: &Response) -> Result<String, EncodeError> {
        let op = response.operation();
        let node = self.reply_node(op)?;
        Ok(self.render(node, response, 384))
    }

    /// Encodes an event from the connector to the CRM.
    pub fn encode_event(&self, event: &Event) -> Result<String, EncodeError> {
        let node = self.message_node(event.body.operation())?;
        Ok(self.render(node, event, capacity(event)))
    }

    /// Encodes the CRM's acknowledgement of an event.
    pub fn encode_event_ack(&self, op: Operation) -> Result<String, EncodeError> {
        let node = self.reply_node(op)?;
        Ok(self.render(node, &(), 256))
    }

    /// Encodes a SOAP fault.
    pub fn encode_fault(&self, fault: &Fault) -> String {
        self.render(&self.fault, fault, 448 + fault.reason.len())
    }

    fn message_node(&self, op: Operation) -> Result<&Node, EncodeError> {
        self.op(op)
            .message
            .as_ref()
            .ok_or_else(|| self.unsupported_error(op))
    }

    fn reply_node(&self, op: Operation) -> Result<&Node, EncodeError> {
        self.op(op)
            .reply
            .as_ref()
            .ok_or_else(|| self.unsupported_error(op))
    }

    fn unsupported_error(&self, op: Operation) -> EncodeError {
        EncodeError::Unsupported {
            dialect: self.name.clone(),
            operation: op.key(),
        }
    }

    fn render(&self, node: &Node, source: &dyn Source, capacity: usize) -> String {
        let mut w = Writer {
            out: String::with_capacity(capacity),
            open: false,
            dialect: self,
        };
        w.out.push_str(&self.envelope_open);
        w.node(node, source);
        w.close_start();
        w.out.push_str(&self.envelope_close);
        w.out
    }
}

struct Writer<'d> {
    out: String,
    open: bool,
    dialect: &'d Dialect,
}

impl Writer<'_> {
    fn node(&mut self, node: &Node, src: &dyn Source) {
        match node.control {
            Control::None => self.element(node, src),
            Control::Each(list, _) => {
                for i in 0..src.len(list) {
                    if let Some(item) = src.item(list, i) {
                        self.element(node, item);
                    }
                }
            }
            Control::IfRecord(record, _) => {
                if let Some(inner) = src.record(record) {
                    self.element(node, inner);
                }
            }
            Control::IfField(spec) => {
                if !matches!(src.get(spec.field), Val::Absent) {
                    self.element(node, src);
                }
            }
            Control::IfList(list) => {
                if src.len(list) > 0 {
                    self.element(node, src);
                }
            }
        }
    }

    fn element(&mut self, node: &Node, src: &dyn Source) {
        if let Content::Text(Value::Field {
            spec,
            optional: true,
        }) = &node.content
            && matches!(src.get(spec.field), Val::Absent)
        {
            return;
        }
        self.close_start();
        self.out.push_str(&node.start);
        for attr in &node.attrs {
            let val = match &attr.value {
                Value::Const(c) => Val::Str(c),
                Value::Field { spec, .. } => src.get(spec.field),
            };
            if matches!(val, Val::Absent) {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(&attr.qname);
            self.out.push_str("=\"");
            let kind = match &attr.value {
                Value::Field { spec, .. } => spec.kind,
                Value::Const(_) => Kind::Str,
            };
            self.value(kind, val, true);
            self.out.push('"');
        }
        self.open = true;
        match &node.content {
            Content::Empty => {}
            Content::Text(Value::Const(c)) => self.text(c),
            Content::Text(Value::Field { spec, .. }) => {
                let val = src.get(spec.field);
                if !matches!(val, Val::Absent) {
                    self.value(spec.kind, val, false);
                }
            }
            Content::Children(children) => {
                for child in children {
                    self.node(child, src);
                }
            }
        }
        if self.open {
            self.out.push_str("/>");
            self.open = false;
        } else {
            self.out.push_str("</");
            self.out.push_str(&node.qname);
            self.out.push('>');
        }
    }

    fn close_start(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.close_start();
        escape::text(&mut self.out, s);
    }

    /// Writes a value as text (or into an attribute, whose start tag stays open).
    fn value(&mut self, kind: Kind, val: Val<'_>, in_attribute: bool) {
        let d = self.dialect;
        let word = |w: &mut Self, s: &str| {
            if in_attribute {
                escape::attribute(&mut w.out, s);
            } else {
                w.text(s);
            }
        };
        match (kind, val) {
            (_, Val::Absent) => {}
            (Kind::Timestamp, Val::Str(s)) if d.timestamp == TimeFormat::UnixMillis => {
                match super::build::rfc3339_to_millis(s) {
                    Some(ms) => {
                        if !in_attribute {
                            self.close_start();
                        }
                        let _ = write!(self.out, "{ms}");
                    }
                    None => word(self, s),
                }
            }
            (_, Val::Str(s)) => word(self, s),
            (Kind::FaultCode, Val::Enum(i)) => {
                let table = d.table(Vocab::FaultCode);
                if !in_attribute {
                    self.close_start();
                }
                self.out.push_str(&d.env_prefix);
                self.out.push(':');
                escape::text(&mut self.out, table.word(i));
            }
            (Kind::Enum(vocab), Val::Enum(i)) => word(self, d.table(vocab).word(i)),
            (_, Val::U64(n)) => {
                if !in_attribute {
                    self.close_start();
                }
                // Writing into a String cannot fail.
                let _ = write!(self.out, "{n}");
            }
            (_, Val::Enum(_)) => {}
        }
    }
}

impl Dialect {
    pub(super) fn table(&self, vocab: Vocab) -> &super::vocab::VocabTable {
        // `vocab` holds one table per `Vocab::ALL`, in that order.
        &self.vocab[vocab as usize]
    }
}

/// A generous estimate of the encoded size, so the output `String` is allocated once.
fn capacity(event: &Event) -> usize {
    use crate::message::EventBody;
    const BASE: usize = 640;
    let EventBody::CallChanged(call) = &event.body else {
        return BASE;
    };
    let participants: usize = call.participants.iter().map(|p| 96 + p.address.len()).sum();
    let numbers = call.remote_numbers.len() * 40;
    let attached = call.attached.as_ref().map_or(0, |a| {
        let cvs: usize = a.call_variables.iter().flatten().map(String::len).sum();
        let vars: usize = a.ecc.iter().map(|(n, v)| 24 + n.len() + v.len()).sum();
        let arrays: usize = a
            .ecc_arrays
            .iter()
            .map(|(n, items)| 32 + n.len() + items.iter().map(|i| 13 + i.len()).sum::<usize>())
            .sum();
        320 + cvs + vars + arrays + a.media_id.as_ref().map_or(0, String::len)
    });
    BASE + call.user.len() + call.call_id.len() + participants + numbers + attached
}
