//! The tap of one hop: every request and answer a server (or client) carries becomes a capture
//! line, and every request is counted under its operation (known to the dialect or not).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use capture::{CaptureWriter, Direction, Hop, Message, OpKey, Redactor, Tally, TlsInfo};
use transport::{Tap, TappedRequest, TappedResponse};

/// Whether the tap sits on the receiving (server) or the sending (client) end of the hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// On the server that receives the hop's requests; paths are kept as they came.
    Server,
    /// On the client that sends them; the capture keeps the path of each request's URL.
    Client,
}

/// Writes one hop's messages to a capture.
pub struct HopTap {
    hop: Hop,
    side: Side,
    writer: Arc<CaptureWriter>,
    redactor: Redactor,
    dialect: Arc<ici::Dialect>,
    tally: Mutex<Tally>,
    /// Requests waiting for their answer: which operation, to count the answer's status.
    open: Mutex<HashMap<u64, OpKey>>,
}

impl HopTap {
    /// A tap on `side` of `hop`, writing through `writer` after `redactor`; `dialect` names the
    /// operations it recognises in the tally.
    pub fn new(
        hop: Hop,
        side: Side,
        writer: Arc<CaptureWriter>,
        redactor: Redactor,
        dialect: Arc<ici::Dialect>,
    ) -> HopTap {
        HopTap {
            hop,
            side,
            writer,
            redactor,
            dialect,
            tally: Mutex::new(Tally::default()),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The hop this tap writes.
    pub fn hop(&self) -> Hop {
        self.hop
    }

    /// Operations seen on this hop so far.
    pub fn tally(&self) -> Tally {
        lock(&self.tally).clone()
    }

    /// The crmsim operation a request or event body is in the dialect, if it is one.
    fn known(&self, body: &[u8]) -> Option<&'static str> {
        match self.dialect.decode_as(body, ici::Expect::Message) {
            Ok(ici::Message::Request(r)) => Some(r.operation().key()),
            Ok(ici::Message::Event(e)) => Some(e.body.operation().key()),
            _ => None,
        }
    }
}

impl Tap for HopTap {
    fn request(&self, r: &TappedRequest<'_>) -> u64 {
        let exchange = self.writer.next_exchange();
        let mut m = Message::new(self.hop, Direction::Request, exchange, r.body);
        m.method = Some(r.method.as_str().to_owned());
        m.path = Some(match self.side {
            Side::Server => r.uri.to_owned(),
            // A client knows the whole URL; the capture keeps the path, as a server sees it.
            Side::Client => path_of(r.uri).to_owned(),
        });
        m.headers = headers(r.headers);
        if let Some(peer) = r.peer {
            m.conn = Some(peer.conn);
            m.peer = Some(peer.addr.to_string());
            m.tls = peer.tls_version.map(|version| TlsInfo {
                version: version.to_owned(),
                resumed: peer.resumed,
            });
        }
        let key = OpKey::of(&m);
        let wants_known = lock(&self.tally).wants_known(&key);
        let known = if wants_known {
            self.known(r.body)
        } else {
            None
        };
        lock(&self.tally).count(key.clone(), known);
        lock(&self.open).insert(exchange, key);
        self.redactor.apply(&mut m);
        self.writer.record(m);
        exchange
    }

    fn response(&self, exchange: u64, r: &TappedResponse<'_>) {
        let mut m = Message::new(self.hop, Direction::Response, exchange, r.body);
        if r.status != 0 {
            m.status = Some(r.status);
        }
        m.headers = headers(r.headers);
        m.latency_ms = Some(r.latency.as_secs_f64() * 1000.0);
        m.error = r.error.map(str::to_owned);
        if let Some(key) = lock(&self.open).remove(&exchange) {
            lock(&self.tally).answered(&key, r.status);
        }
        self.redactor.apply(&mut m);
        self.writer.record(m);
    }
}

/// The path and query of a URL (`https://h:1/ici?x` → `/ici?x`).
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

fn headers(map: &http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_url_is_kept_as_its_path() {
        assert_eq!(
            path_of("https://crm.example:9443/sap/bc/crm/ici/events"),
            "/sap/bc/crm/ici/events"
        );
        assert_eq!(path_of("http://h:1"), "/");
        assert_eq!(path_of("/ici?x=1"), "/ici?x=1");
    }
}
