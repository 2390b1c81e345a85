//! The dialects the SOAP targets speak: the built-in one and the shipped foreign example, which
//! differs in every way a dialect can (SOAP 1.2, attributes, other vocabularies).

use std::sync::{Arc, LazyLock};

use ici::{Dialect, EncodeError, Message};

pub const FOREIGN_TOML: &str = include_str!("../../examples/dialects/foreign.toml");

static FOREIGN: LazyLock<Arc<Dialect>> = LazyLock::new(|| {
    match Dialect::from_toml(FOREIGN_TOML, "examples/dialects/foreign.toml") {
        Ok(d) => Arc::new(d),
        // A harness defect, not a finding: fail the run loudly rather than fuzz one dialect.
        Err(e) => panic!("the shipped foreign dialect does not compile: {e}"),
    }
});

/// Both shipped dialects.
pub fn all() -> [Arc<Dialect>; 2] {
    [Dialect::builtin(), Arc::clone(&FOREIGN)]
}

/// Writes any decoded message back in `d`.
pub fn encode(d: &Dialect, m: &Message) -> Result<String, EncodeError> {
    match m {
        Message::Request(r) => d.encode_request(r),
        Message::Response(r) => d.encode_response(r),
        Message::Event(e) => d.encode_event(e),
        Message::EventAck(op) => d.encode_event_ack(*op),
        Message::Fault(f) => Ok(d.encode_fault(f)),
    }
}
