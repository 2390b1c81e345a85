//! The CRM's event sink: receives events, checks their order, hands them to the agents.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ici::{EventBody, Fault, IciError, Message};
use tokio::sync::mpsc;

use crate::calls::CallBook;
use crate::metrics::CrmMetrics;

/// One agent's mailbox, the session it is in, and the last event seen of each stream.
pub(crate) struct Inbox {
    pub tx: mpsc::UnboundedSender<ici::Event>,
    /// The connector session the agent is in now (set by the agent at logon).
    pub session: Arc<Mutex<Option<String>>>,
    /// Session and sequence number of the last event accepted.
    last: Mutex<(Option<String>, u64)>,
    /// The highest sequence number of each session the agent's events have moved on from (and
    /// of stale events since): to tell a repeated stale event from a new one. A connector
    /// delivers one agent's events in order, so a stale event at or below its session's highest
    /// is one that came before. Written only when the session changes or an event is stale,
    /// never for the ordinary event.
    left: Mutex<HashMap<String, u64>>,
}

impl Inbox {
    pub fn new(
        tx: mpsc::UnboundedSender<ici::Event>,
        session: Arc<Mutex<Option<String>>>,
    ) -> Inbox {
        Inbox {
            tx,
            session,
            last: Mutex::new((None, 0)),
            left: Mutex::default(),
        }
    }
}

pub(crate) struct Receiver {
    pub name: String,
    pub inboxes: HashMap<String, Inbox>,
    pub calls: Arc<CallBook>,
    pub metrics: Arc<CrmMetrics>,
    pub dialect: Arc<ici::Dialect>,
    pub unknown: ici::UnknownAnswer,
}

/// `POST <event path>`: one event.
pub(crate) async fn receive_event(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match receiver.accept(&headers, &body) {
        Ok(op) => match receiver.dialect.encode_event_ack(op) {
            Ok(xml) => soap(&receiver.dialect, StatusCode::OK, xml),
            // Unreachable: an event that decoded has an acknowledgement template.
            Err(e) => {
                let fault = Fault::server(IciError::Unavailable, e.to_string());
                let xml = receiver.dialect.encode_fault(&fault);
                soap(&receiver.dialect, StatusCode::INTERNAL_SERVER_ERROR, xml)
            }
        },
        Err(fault) => {
            CrmMetrics::count(&receiver.metrics.counters.events_refused);
            receiver.metrics.errors.record(
                "event.refused",
                format!("{}: {}", receiver.name, fault.reason),
            );
            if receiver.unknown == ici::UnknownAnswer::Empty
                && fault.error == Some(IciError::UnknownOperation)
            {
                // Discovery: acknowledge with an empty body; the refusal above still counts it.
                let xml = receiver.dialect.encode_empty_body();
                return soap(&receiver.dialect, StatusCode::OK, xml);
            }
            let xml = receiver.dialect.encode_fault(&fault);
            let status = StatusCode::from_u16(receiver.dialect.fault_status(&fault))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            soap(&receiver.dialect, status, xml)
        }
    }
}

impl Receiver {
    fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<ici::Operation, Fault> {
        let d = &self.dialect;
        let event = match d.decode_as(body, ici::Expect::Message) {
            Ok(Message::Event(event)) => event,
            Ok(_) => {
                return Err(Fault::client(
                    IciError::MalformedRequest,
                    format!(
                        "expected an ICI event of dialect {}, got a request",
                        d.name()
                    ),
                ));
            }
            Err(e) => {
                return Err(Fault::client(
                    e.ici_error(),
                    format!(
                        "dialect mismatch: not an event of dialect {}: {e}",
                        d.name()
                    ),
                ));
            }
        };
        let op = event.body.operation();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        d.check_headers(op, header("content-type"), header("soapaction"))
            .map_err(|why| Fault::client(IciError::MalformedRequest, why))?;
        let user = event.body.user();
        let inbox = self.inboxes.get(user).ok_or_else(|| {
            Fault::client(
                IciError::NotLoggedOn,
                format!("{} has no agent {user}", self.name),
            )
        })?;
        if let EventBody::CallChanged(c) = &event.body {
            self.calls.update(&c.call_id, c.state);
        }
        let now = Instant::now();
        CrmMetrics::count(&self.metrics.counters.events);
        self.metrics.timeline.count("events.received", now, 1);
        let current = crate::lock(&inbox.session).clone();
        if let (Some(theirs), Some(ours)) = (&event.session, &current)
            && theirs != ours
        {
            // An event of a session the agent left (the other connector side, after a
            // failover or fail-back): acknowledged, counted, not acted on.
            CrmMetrics::count(&self.metrics.counters.stale_events);
            if let Some(sequence) = event.sequence
                && Self::stale_repeat(inbox, theirs, sequence)
            {
                // A connector that lost the acknowledgement (paused or cut off while the event
                // was in flight) sent it again. Counted, or the CRM would seem to have
                // received more events than the connectors delivered.
                CrmMetrics::count(&self.metrics.counters.duplicate_events);
            }
            return Ok(op);
        }
        match event.sequence {
            Some(sequence) => {
                self.check_sequence(inbox, user, event.session.as_deref(), sequence);
            }
            // The dialect's events carry no number: nothing to prove order or loss by here;
            // counted, so the report can say the order went unchecked.
            None => CrmMetrics::count(&self.metrics.counters.unnumbered_events),
        }
        // The agent task may have ended (shutdown); the event was still received.
        let _ = inbox.tx.send(event);
        Ok(op)
    }

    /// Whether a stale event of `session` (or a later one) came before; records it. Its first
    /// copy may have come while the session was current: then it is in `last`, or in `left`
    /// if the agent's events have moved on to the new session since.
    fn stale_repeat(inbox: &Inbox, session: &str, sequence: u64) -> bool {
        let current = {
            let last = crate::lock(&inbox.last);
            (last.0.as_deref() == Some(session)).then_some(last.1)
        };
        let mut left = crate::lock(&inbox.left);
        let top = left.get(session).copied().max(current);
        raise(&mut left, session, sequence);
        top.is_some_and(|top| sequence <= top)
    }

    /// Each session numbers its events from 1; within a session each must be the previous plus
    /// one. Without session ids (a peer that sends none), a 1 starts a new stream.
    fn check_sequence(&self, inbox: &Inbox, user: &str, session: Option<&str>, sequence: u64) {
        let mut last = crate::lock(&inbox.last);
        let same = last.0.as_deref() == session && !(session.is_none() && sequence == 1);
        let expected = if same { last.1 + 1 } else { 1 };
        if sequence > expected {
            self.metrics
                .counters
                .sequence_gaps
                .fetch_add(sequence - expected, Ordering::Relaxed);
            self.metrics.errors.record(
                "event.gap",
                format!(
                    "{}: events {expected}..{} for {user} never arrived",
                    self.name,
                    sequence - 1
                ),
            );
        } else if same && sequence == last.1 {
            // The same event again: the connector retried one whose acknowledgement it did not
            // get (at-least-once delivery). Harmless, and counted.
            CrmMetrics::count(&self.metrics.counters.duplicate_events);
        } else if sequence < expected {
            CrmMetrics::count(&self.metrics.counters.out_of_order);
            self.metrics.errors.record(
                "event.order",
                format!(
                    "{}: event #{sequence} for {user} arrived after #{}",
                    self.name,
                    expected - 1
                ),
            );
        }
        if !same && let Some(previous) = last.0.as_deref() {
            raise(&mut crate::lock(&inbox.left), previous, last.1);
        }
        let highest = if same { last.1.max(sequence) } else { sequence };
        *last = (session.map(str::to_owned), highest);
    }
}

/// Raises `session`'s highest sequence number in `tops` to at least `sequence`.
fn raise(tops: &mut HashMap<String, u64>, session: &str, sequence: u64) {
    match tops.get_mut(session) {
        Some(top) => *top = (*top).max(sequence),
        None => {
            tops.insert(session.to_owned(), sequence);
        }
    }
}

fn soap(dialect: &ici::Dialect, status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, dialect.reply_content_type())],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ici::WorkMode;

    const USER: &str = "agent1";

    /// A receiver with one agent whose current session is `session`.
    fn receiver(session: &str) -> (Receiver, Arc<Mutex<Option<String>>>) {
        let (tx, _rx) = mpsc::unbounded_channel();
        let current = Arc::new(Mutex::new(Some(session.to_owned())));
        let inboxes = HashMap::from([(USER.to_owned(), Inbox::new(tx, current.clone()))]);
        let receiver = Receiver {
            name: "crm".into(),
            inboxes,
            calls: Arc::default(),
            metrics: Arc::new(CrmMetrics::new(Instant::now(), 1)),
            dialect: ici::Dialect::builtin(),
            unknown: ici::UnknownAnswer::Fault,
        };
        (receiver, current)
    }

    fn deliver(receiver: &Receiver, session: &str, sequence: u64) {
        let event = ici::Event {
            sequence: Some(sequence),
            session: Some(session.to_owned()),
            timestamp: Some("2026-11-27T00:00:00.000Z".into()),
            body: EventBody::UserChanged {
                user: USER.into(),
                logged_on: true,
                mode: WorkMode::Ready,
                reason: None,
            },
        };
        let mut headers = HeaderMap::new();
        let d = ici::Dialect::builtin();
        let op = event.body.operation();
        for (name, value) in [
            ("soapaction", d.soap_action(op)),
            ("content-type", Some(d.content_type(op))),
        ] {
            if let Some(Ok(value)) = value.map(str::parse) {
                headers.insert(name, value);
            }
        }
        let body = d.encode_event(&event).unwrap_or_default();
        assert!(receiver.accept(&headers, body.as_bytes()).is_ok());
    }

    #[test]
    fn a_repeated_stale_event_counts_as_a_duplicate() {
        let (receiver, _) = receiver("B");
        deliver(&receiver, "A", 5);
        deliver(&receiver, "A", 5);
        deliver(&receiver, "A", 6);
        let counts = receiver.metrics.counters.snapshot();
        assert_eq!(counts.events, 3);
        assert_eq!(counts.stale_events, 3);
        assert_eq!(counts.duplicate_events, 1);
    }

    #[test]
    fn an_event_repeated_after_its_session_was_left_counts_as_a_duplicate() {
        let (receiver, current) = receiver("A");
        deliver(&receiver, "A", 1);
        deliver(&receiver, "A", 2);
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some("B".into());
        // The new side's events come first; the paused side's retry only when it resumes.
        deliver(&receiver, "B", 1);
        deliver(&receiver, "B", 2);
        deliver(&receiver, "A", 2);
        let counts = receiver.metrics.counters.snapshot();
        assert_eq!((counts.events, counts.stale_events), (5, 1));
        assert_eq!(counts.duplicate_events, 1);
        assert_eq!((counts.sequence_gaps, counts.out_of_order), (0, 0));
    }

    #[test]
    fn distinct_stale_events_are_not_duplicates() {
        let (receiver, _) = receiver("B");
        for sequence in 1..=4 {
            deliver(&receiver, "A", sequence);
        }
        deliver(&receiver, "C", 4);
        assert_eq!(receiver.metrics.counters.snapshot().duplicate_events, 0);
    }
}
