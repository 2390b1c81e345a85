//! Counters for one end of a hop: connections, TLS handshakes full vs resumed, and failures by
//! cause.
//!
//! The seed says SSL costs capacity; the cost is mostly handshakes, and whether they are full or
//! resumed ("session caching") decides how much. So every server and every client keeps its own
//! tally, and reports can say per hop what happened.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::tls_failure::TlsFailure;

/// Live counters; cheap to update from many tasks.
#[derive(Debug, Default)]
pub struct LinkStats {
    connections: AtomicU64,
    full: AtomicU64,
    resumed: AtomicU64,
    failures: Mutex<BTreeMap<&'static str, FailureTally>>,
    limits: LimitCounters,
}

/// What a server's limits ([`crate::ServerLimits`]) did; all zero on a client's end.
#[derive(Debug, Default)]
struct LimitCounters {
    peak_open: AtomicU64,
    refused: AtomicU64,
    evicted: AtomicU64,
    idle_closed: AtomicU64,
    slow_headers: AtomicU64,
    request_timeouts: AtomicU64,
    accept_errors: AtomicU64,
}

/// A point-in-time copy of what a server's limits did.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct LimitSnapshot {
    /// Most connections open at once.
    pub peak_open: u64,
    /// Connections closed at accept: the server was at `max_connections` with every
    /// connection busy.
    pub refused: u64,
    /// Connections without a request in flight closed to admit a new one at the limit.
    pub evicted: u64,
    /// Connections closed after `idle_timeout` without a request.
    pub idle_closed: u64,
    /// Connections closed because a request's head took longer than `header_timeout`.
    pub slow_headers: u64,
    /// Requests answered 408 because they were not received and answered in
    /// `request_timeout`.
    pub request_timeouts: u64,
    /// Failed accepts (e.g. out of file descriptors), each followed by a back-off.
    pub accept_errors: u64,
}

/// The limits that acted, e.g. `2 refused at max_connections, 5 idle closed`.
impl std::fmt::Display for LimitSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            (self.refused, "refused at max_connections"),
            (self.evicted, "idle evicted to admit new ones"),
            (self.idle_closed, "closed after idle_timeout"),
            (self.slow_headers, "closed after header_timeout"),
            (
                self.request_timeouts,
                "requests answered 408 after request_timeout",
            ),
            (self.accept_errors, "failed accepts"),
        ];
        let said: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if said.is_empty() {
            f.write_str("no limit reached")
        } else {
            write!(f, "{} (peak {} open)", said.join(", "), self.peak_open)
        }
    }
}

impl LimitSnapshot {
    /// Whether any limit acted (for summaries that only mention them when they did).
    pub fn any(&self) -> bool {
        self.refused
            + self.evicted
            + self.idle_closed
            + self.slow_headers
            + self.request_timeouts
            + self.accept_errors
            > 0
    }
}

#[derive(Debug, Clone)]
struct FailureTally {
    count: u64,
    example: String,
}

/// A point-in-time copy of [`LinkStats`].
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct LinkSnapshot {
    /// Connections opened: on a server, those accepted and admitted by the limit; on a client,
    /// those its connector established (TCP and, with TLS, the handshake done).
    pub connections: u64,
    /// TLS handshakes that did not resume a session (a client counts each server certificate
    /// it verified).
    pub handshakes_full: u64,
    /// TLS handshakes that resumed a session; on a client, `connections - handshakes_full`.
    pub handshakes_resumed: u64,
    /// TLS failures of every cause: the sum of the counts in `failures`.
    pub handshake_failures: u64,
    /// Failures grouped by cause, each with one example message naming the peer.
    pub failures: Vec<FailureSummary>,
    /// What the server's connection limits and timeouts did.
    pub limits: LimitSnapshot,
}

/// The TLS failures of one cause at one end of a hop.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct FailureSummary {
    /// The cause's key ([`TlsFailure::key`]), e.g. `unknown-issuer`.
    // `Cow`: static where counted, owned where a report is read back.
    pub cause: std::borrow::Cow<'static, str>,
    /// How many failures had this cause.
    pub count: u64,
    /// The first failure's message, naming the peer.
    pub example: String,
}

impl LinkStats {
    /// Counts a new connection (a server's admitted accept, a client's established connection).
    pub fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// `open` connections are open now (on a server, after admitting one).
    pub(crate) fn open_now(&self, open: usize) {
        let open = u64::try_from(open).unwrap_or(u64::MAX);
        self.limits.peak_open.fetch_max(open, Ordering::Relaxed);
    }

    /// Counts a refusal; true for the first, which is worth a warning (the rest are counted).
    pub(crate) fn refused(&self) -> bool {
        self.limits.refused.fetch_add(1, Ordering::Relaxed) == 0
    }

    pub(crate) fn evicted(&self) {
        self.limits.evicted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn idle_closed(&self) {
        self.limits.idle_closed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn slow_headers(&self) {
        self.limits.slow_headers.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request_timeout(&self) {
        self.limits.request_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn accept_error(&self) {
        self.limits.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a completed TLS handshake, resumed or full.
    pub fn handshake(&self, resumed: bool) {
        let counter = if resumed { &self.resumed } else { &self.full };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a failure; keeps the first message of each cause as the example, so a report shows
    /// who failed how without keeping thousands of lines.
    pub fn failure(&self, failure: &TlsFailure, message: String) {
        let mut failures = match self.failures.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        failures
            .entry(failure.key())
            .and_modify(|t| t.count += 1)
            .or_insert(FailureTally {
                count: 1,
                example: message,
            });
    }

    /// The counters now, failures in the order of their cause keys.
    pub fn snapshot(&self) -> LinkSnapshot {
        let failures = match self.failures.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let failures: Vec<FailureSummary> = failures
            .iter()
            .map(|(cause, t)| FailureSummary {
                cause: std::borrow::Cow::Borrowed(*cause),
                count: t.count,
                example: t.example.clone(),
            })
            .collect();
        LinkSnapshot {
            connections: self.connections.load(Ordering::Relaxed),
            handshakes_full: self.full.load(Ordering::Relaxed),
            handshakes_resumed: self.resumed.load(Ordering::Relaxed),
            handshake_failures: failures.iter().map(|f| f.count).sum(),
            failures,
            limits: self.limits.snapshot(),
        }
    }
}

impl LimitCounters {
    fn snapshot(&self) -> LimitSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LimitSnapshot {
            peak_open: get(&self.peak_open),
            refused: get(&self.refused),
            evicted: get(&self.evicted),
            idle_closed: get(&self.idle_closed),
            slow_headers: get(&self.slow_headers),
            request_timeouts: get(&self.request_timeouts),
            accept_errors: get(&self.accept_errors),
        }
    }
}

impl LimitSnapshot {
    fn merge(&mut self, o: &LimitSnapshot) {
        // Peaks of different servers do not add up to a peak of anything; the highest one says
        // how close any server came to its limit.
        self.peak_open = self.peak_open.max(o.peak_open);
        self.refused += o.refused;
        self.evicted += o.evicted;
        self.idle_closed += o.idle_closed;
        self.slow_headers += o.slow_headers;
        self.request_timeouts += o.request_timeouts;
        self.accept_errors += o.accept_errors;
    }
}

impl LinkSnapshot {
    /// Adds another snapshot into this one (e.g. both connector sides).
    pub fn merge(&mut self, other: &LinkSnapshot) {
        self.connections += other.connections;
        self.handshakes_full += other.handshakes_full;
        self.handshakes_resumed += other.handshakes_resumed;
        self.handshake_failures += other.handshake_failures;
        self.limits.merge(&other.limits);
        for f in &other.failures {
            match self.failures.iter_mut().find(|m| m.cause == f.cause) {
                Some(mine) => mine.count += f.count,
                None => self.failures.push(f.clone()),
            }
        }
    }
}
