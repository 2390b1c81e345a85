//! `RUST_LOG=crmsim::wire=trace`: every SOAP message a component sends or receives, in the log,
//! with the same secrets masked as in a capture (login passwords, `Authorization`…).
//!
//! It is a tap like the capture's, so it sees the bytes as they travel, not a re-encoding. It is
//! installed only when that target is enabled at start, so a run without it pays nothing.

use std::sync::atomic::{AtomicU64, Ordering};

use capture::{Direction, Hop, Message, Redactor};
use transport::{Tap, TappedRequest, TappedResponse};

/// The log target; `RUST_LOG=crmsim::wire=trace` turns it on.
pub const TARGET: &str = "crmsim::wire";

/// Whether the subscriber wants wire messages (ask after logging is set up).
pub fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::TRACE)
}

/// Logs one hop's messages as one component sees them.
pub struct WireTrace {
    component: String,
    hop: Hop,
    redactor: Redactor,
    next: AtomicU64,
}

impl WireTrace {
    /// `component` names the sender or receiver in each line (`crm`, `connector-a`).
    pub fn new(component: impl Into<String>, hop: Hop, redactor: Redactor) -> WireTrace {
        WireTrace {
            component: component.into(),
            hop,
            redactor,
            next: AtomicU64::new(1),
        }
    }

    fn body(&self, dir: Direction, exchange: u64, body: &[u8]) -> (String, Vec<String>) {
        let mut m = Message::new(self.hop, dir, exchange, body);
        self.redactor.apply(&mut m);
        let text = match (m.body, m.body_base64) {
            (Some(text), _) => text,
            (None, Some(b64)) => format!("(binary, base64) {b64}"),
            (None, None) => String::new(),
        };
        (text, m.redacted)
    }
}

impl Tap for WireTrace {
    fn request(&self, r: &TappedRequest<'_>) -> u64 {
        let exchange = self.next.fetch_add(1, Ordering::Relaxed);
        let (body, redacted) = self.body(Direction::Request, exchange, r.body);
        let secret = r
            .headers
            .keys()
            .any(|h| h == http::header::AUTHORIZATION || h == http::header::COOKIE);
        tracing::trace!(
            target: TARGET,
            component = %self.component,
            hop = self.hop.as_str(),
            exchange,
            peer = r.peer.map(|p| p.addr.to_string()).unwrap_or_default(),
            method = %r.method,
            uri = r.uri,
            soapaction = r.headers.get("soapaction").and_then(|v| v.to_str().ok()).unwrap_or(""),
            redacted = %join(&redacted, secret),
            "request {body}"
        );
        exchange
    }

    fn response(&self, exchange: u64, r: &TappedResponse<'_>) {
        let (body, redacted) = self.body(Direction::Response, exchange, r.body);
        tracing::trace!(
            target: TARGET,
            component = %self.component,
            hop = self.hop.as_str(),
            exchange,
            status = r.status,
            latency_ms = r.latency.as_secs_f64() * 1000.0,
            error = r.error.unwrap_or(""),
            redacted = %join(&redacted, false),
            "response {body}"
        );
    }
}

/// What was masked, for the line: a reader must know a value was not really `***`.
fn join(redacted: &[String], secret_header: bool) -> String {
    let mut all: Vec<&str> = redacted.iter().map(String::as_str).collect();
    if secret_header {
        all.push("authorization/cookie headers (not logged)");
    }
    all.join(", ")
}
