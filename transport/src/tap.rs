//! A tap on the wire: sees every HTTP message a server receives and answers, or a client sends
//! and gets back, exactly as it travels. Recording (`crmsim record`, `serve … --record`) is
//! built on it; a server or client without a tap pays nothing for it.
//!
//! A tap is called on the message's own task, so it must not wait: the capture writer behind
//! it only queues (see the `capture` crate).

use std::time::Duration;

use crate::server::PeerInfo;

/// Bodies longer than this are not collected for a tap: the request is refused with 413, as
/// the router's own limit would refuse it (axum's default, 2 MiB).
pub const MAX_TAPPED_BODY: usize = 2 * 1024 * 1024;

/// A request as it arrived (server) or left (client).
pub struct TappedRequest<'a> {
    /// The connection it came on (servers only).
    pub peer: Option<&'a PeerInfo>,
    /// The HTTP method.
    pub method: &'a http::Method,
    /// Path and query for a server; the whole URL for a client.
    pub uri: &'a str,
    /// The headers as received (server), or only those the client sets itself: content type,
    /// `SOAPAction` and the caller's extra headers (client).
    pub headers: &'a http::HeaderMap,
    /// The whole body; on a server, empty when it exceeded [`MAX_TAPPED_BODY`] or broke off.
    pub body: &'a [u8],
}

/// The answer to a tapped request.
pub struct TappedResponse<'a> {
    /// 0 when there was no HTTP answer (the client's request failed).
    pub status: u16,
    /// The answer's headers: as received (client), as the router made them (server); empty
    /// when there was no answer.
    pub headers: &'a http::HeaderMap,
    /// The answer's whole body; empty when there was no answer.
    pub body: &'a [u8],
    /// From just before sending (client), or from the router getting the head (server), to the
    /// whole answer (or the failure).
    pub latency: Duration,
    /// Why there was no real answer, in words.
    pub error: Option<&'a str>,
}

/// Receives tapped messages.
pub trait Tap: Send + Sync + 'static {
    /// A request; returns the exchange number its answer will be given with.
    fn request(&self, request: &TappedRequest<'_>) -> u64;
    /// The answer to exchange `exchange`.
    fn response(&self, exchange: u64, response: &TappedResponse<'_>);
}

/// Two taps on one server or client (a capture and the wire trace): each numbers exchanges its
/// own way, so the second's numbers are kept by the first's until the answer comes.
pub struct Tee {
    first: std::sync::Arc<dyn Tap>,
    second: std::sync::Arc<dyn Tap>,
    open: std::sync::Mutex<std::collections::HashMap<u64, u64>>,
}

impl Tee {
    /// Tees `first` and `second`; the exchange numbers it hands out are `first`'s.
    pub fn new(first: std::sync::Arc<dyn Tap>, second: std::sync::Arc<dyn Tap>) -> Tee {
        Tee {
            first,
            second,
            open: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, u64>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One tap, or both teed, or none.
pub fn combine(
    a: Option<std::sync::Arc<dyn Tap>>,
    b: Option<std::sync::Arc<dyn Tap>>,
) -> Option<std::sync::Arc<dyn Tap>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(std::sync::Arc::new(Tee::new(a, b))),
        (a, b) => a.or(b),
    }
}

impl Tap for Tee {
    fn request(&self, request: &TappedRequest<'_>) -> u64 {
        let exchange = self.first.request(request);
        let theirs = self.second.request(request);
        self.open().insert(exchange, theirs);
        exchange
    }

    fn response(&self, exchange: u64, response: &TappedResponse<'_>) {
        self.first.response(exchange, response);
        if let Some(theirs) = self.open().remove(&exchange) {
            self.second.response(theirs, response);
        }
    }
}
