//! The CRM's event sink: receives events, checks their order, hands them to the agents.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ici::{EventBody, Fault, IciError, Message};
use tokio::sync::mpsc;

use crate::calls::CallBook;
use crate::metrics::CrmMetrics;

/// One agent's mailbox and the last sequence number seen on its stream.
pub(crate) struct Inbox {
    pub tx: mpsc::UnboundedSender<ici::Event>,
    last_sequence: AtomicU64,
}

impl Inbox {
    pub fn new(tx: mpsc::UnboundedSender<ici::Event>) -> Inbox {
        Inbox {
            tx,
            last_sequence: AtomicU64::new(0),
        }
    }
}

pub(crate) struct Receiver {
    pub name: String,
    pub inboxes: HashMap<String, Inbox>,
    pub calls: Arc<CallBook>,
    pub metrics: Arc<CrmMetrics>,
}

/// `POST <event path>`: one event.
pub(crate) async fn receive_event(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match receiver.accept(&headers, &body) {
        Ok(op) => soap(StatusCode::OK, ici::encode_event_ack(op)),
        Err(fault) => {
            CrmMetrics::count(&receiver.metrics.counters.events_refused);
            receiver.metrics.errors.record(
                "event.refused",
                format!("{}: {}", receiver.name, fault.reason),
            );
            soap(StatusCode::INTERNAL_SERVER_ERROR, ici::encode_fault(&fault))
        }
    }
}

impl Receiver {
    fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<ici::Operation, Fault> {
        let event = match ici::decode(body) {
            Ok(Message::Event(event)) => event,
            Ok(_) => {
                return Err(Fault::client(
                    IciError::MalformedRequest,
                    "expected an ICI event (urn:IciEventInterface)",
                ));
            }
            Err(e) => return Err(Fault::client(IciError::MalformedRequest, e.to_string())),
        };
        let op = event.body.operation();
        let action = headers.get("soapaction").and_then(|v| v.to_str().ok());
        op.check_soap_action(action)
            .map_err(|why| Fault::client(IciError::MalformedRequest, why))?;
        let user = event.body.user();
        let inbox = self.inboxes.get(user).ok_or_else(|| {
            Fault::client(
                IciError::NotLoggedOn,
                format!("{} has no agent {user}", self.name),
            )
        })?;
        self.check_sequence(inbox, user, event.sequence);
        if let EventBody::CallChanged(c) = &event.body {
            self.calls.update(&c.call_id, c.state);
        }
        let now = Instant::now();
        CrmMetrics::count(&self.metrics.counters.events);
        self.metrics.timeline.count("events.received", now, 1);
        // The agent task may have ended (shutdown); the event was still received.
        let _ = inbox.tx.send(event);
        Ok(op)
    }

    /// Sequence numbers restart at 1 on a new stream (a new session, or the other connector
    /// side); otherwise each must be the previous plus one.
    fn check_sequence(&self, inbox: &Inbox, user: &str, sequence: u64) {
        let last = inbox.last_sequence.swap(sequence, Ordering::Relaxed);
        if sequence == 1 || sequence == last + 1 {
            return;
        }
        if sequence > last + 1 {
            let missing = sequence - last - 1;
            self.metrics
                .counters
                .sequence_gaps
                .fetch_add(missing, Ordering::Relaxed);
            self.metrics.errors.record(
                "event.gap",
                format!(
                    "{}: events {}..{} for {user} never arrived",
                    self.name,
                    last + 1,
                    sequence - 1
                ),
            );
        } else {
            CrmMetrics::count(&self.metrics.counters.out_of_order);
            self.metrics.errors.record(
                "event.order",
                format!(
                    "{}: event #{sequence} for {user} arrived after #{last}",
                    self.name
                ),
            );
        }
    }
}

fn soap(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, ici::catalog::CONTENT_TYPE)],
        body,
    )
        .into_response()
}
