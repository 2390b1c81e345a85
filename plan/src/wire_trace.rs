//! `RUST_LOG=crmsim::wire=trace`: which taps to put on the simulators so that every SOAP
//! message of both hops shows in the log, secrets masked (see `recorder::wire_trace`).
//!
//! A server logs what it receives and answers, a client what it sends and gets back: with both
//! simulators in one process each message shows twice, once per end, which is how a trace
//! tells a message that left from one that arrived.

use std::sync::Arc;

use capture::{Hop, Redactor};
use recorder::wire_trace::{self, WireTrace};
use transport::Tap;

/// The trace tap for one end of one hop, or `None` when the trace is off.
pub fn tap(component: &str, hop: Hop, dialect: &ici::Dialect) -> Option<Arc<dyn Tap>> {
    if !wire_trace::enabled() {
        return None;
    }
    let redactor = Redactor::new(dialect.secret_names(), &dialect.login_carriers());
    Some(Arc::new(WireTrace::new(component, hop, redactor)))
}

/// `existing` (a capture's tap, say) and the trace tap, teed when both are on.
pub fn with_trace(
    existing: Option<Arc<dyn Tap>>,
    component: &str,
    hop: Hop,
    dialect: &ici::Dialect,
) -> Option<Arc<dyn Tap>> {
    transport::tap::combine(existing, tap(component, hop, dialect))
}
