//! An in-memory TLS handshake between a client and a server config, without sockets.
//!
//! Used by the tests (mTLS matrix, refusals, resumption), by the doctor-adjacent round trip, and
//! handy for micro-benchmarks: it copies bytes between a `ClientConnection` and a `ServerConnection`
//! until both are done or one fails, then lets the failing side's alert reach the other side, so the
//! outcome names the same alert a real peer would see (e.g. TLS 1.3's late `certificate_required`).

use std::io::Cursor;
use std::sync::Arc;

use rustls::{
    ClientConfig, ClientConnection, HandshakeKind, ProtocolVersion, ServerConfig, ServerConnection,
};
use rustls_pki_types::ServerName;

/// What happened on both ends of one handshake.
#[derive(Debug)]
pub struct HandshakeOutcome {
    /// The client's error, if any (often `AlertReceived(..)` when the server refused).
    pub client_error: Option<rustls::Error>,
    /// The server's error, if any (e.g. `NoCertificatesPresented`, `InvalidCertificate(..)`).
    pub server_error: Option<rustls::Error>,
    /// Full or resumed, as the client saw it.
    pub kind: Option<HandshakeKind>,
    /// The negotiated TLS version, once the handshake got that far.
    pub version: Option<ProtocolVersion>,
    /// The negotiated key-exchange group, e.g. X25519.
    pub key_exchange: Option<rustls::NamedGroup>,
}

impl HandshakeOutcome {
    /// Both sides completed without error.
    pub fn ok(&self) -> bool {
        self.client_error.is_none() && self.server_error.is_none() && self.kind.is_some()
    }
}

/// Moves all pending TLS bytes from `from` to `to`; returns whether any moved.
fn transfer(
    from: &mut dyn FnMut(&mut Vec<u8>) -> std::io::Result<usize>,
    to: &mut dyn FnMut(&mut Cursor<Vec<u8>>) -> std::io::Result<usize>,
) -> bool {
    let mut buf = Vec::new();
    while let Ok(n) = from(&mut buf) {
        if n == 0 {
            break;
        }
    }
    if buf.is_empty() {
        return false;
    }
    let mut cursor = Cursor::new(buf);
    let len = cursor.get_ref().len() as u64;
    while cursor.position() < len {
        match to(&mut cursor) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    true
}

/// Runs one handshake; `server_name` is what the client expects in the server's certificate.
pub fn handshake(
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    server_name: &str,
) -> HandshakeOutcome {
    let mut outcome = HandshakeOutcome {
        client_error: None,
        server_error: None,
        kind: None,
        version: None,
        key_exchange: None,
    };
    let name = match ServerName::try_from(server_name.to_string()) {
        Ok(n) => n,
        Err(e) => {
            outcome.client_error = Some(rustls::Error::General(format!("bad server name: {e}")));
            return outcome;
        }
    };
    let mut c = match ClientConnection::new(client, name) {
        Ok(c) => c,
        Err(e) => {
            outcome.client_error = Some(e);
            return outcome;
        }
    };
    let mut s = match ServerConnection::new(server) {
        Ok(s) => s,
        Err(e) => {
            outcome.server_error = Some(e);
            return outcome;
        }
    };
    // A bounded number of flights: a TLS handshake needs at most a handful.
    for _ in 0..32 {
        let moved_cs = transfer(&mut |b| c.write_tls(b), &mut |r| s.read_tls(r));
        if moved_cs
            && outcome.server_error.is_none()
            && let Err(e) = s.process_new_packets()
        {
            outcome.server_error = Some(e);
        }
        let moved_sc = transfer(&mut |b| s.write_tls(b), &mut |r| c.read_tls(r));
        if moved_sc
            && outcome.client_error.is_none()
            && let Err(e) = c.process_new_packets()
        {
            outcome.client_error = Some(e);
        }
        let done = !c.is_handshaking() && !s.is_handshaking();
        if (!moved_cs && !moved_sc)
            && (done || outcome.client_error.is_some() || outcome.server_error.is_some())
        {
            break;
        }
    }
    if outcome.client_error.is_none() && outcome.server_error.is_none() && !c.is_handshaking() {
        outcome.kind = c.handshake_kind();
        outcome.version = c.protocol_version();
        outcome.key_exchange = c.negotiated_key_exchange_group().map(|g| g.name());
    }
    outcome
}
