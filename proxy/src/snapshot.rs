//! Point-in-time copies of a proxy's and a relay's counters, for reports and assertions.
//!
//! Direction names follow the data: `bytes_in` is what the listener's clients sent (forwarded
//! toward the server or target), `bytes_out` what went back to them. Only bytes actually
//! forwarded are counted; a blackhole's are not.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::impair::Faults;
use crate::state::ServerState;

/// Everything a proxy counted, by part.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ProxySnapshot {
    /// The proxy's name.
    pub name: String,
    /// In config order.
    pub frontends: Vec<FrontendSnapshot>,
    /// In config order.
    pub backends: Vec<BackendSnapshot>,
    /// In config order.
    pub routes: Vec<RouteSnapshot>,
}

/// One frontend.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct FrontendSnapshot {
    /// The frontend's name.
    pub name: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// Connections accepted.
    pub connections: u64,
    /// Connections open now.
    pub active: u64,
    /// Connections closed at once because no server was UP.
    pub no_server: u64,
    /// Connections closed because the chosen server could not be reached.
    pub connect_failures: u64,
    /// Client → server bytes.
    pub bytes_in: u64,
    /// Server → client bytes.
    pub bytes_out: u64,
    /// Faults set on the client → proxy leg.
    pub faults: Faults,
}

/// One backend.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct BackendSnapshot {
    /// The backend's name.
    pub name: String,
    /// The server new connections go to now; `None` when no server is UP.
    pub active_server: Option<String>,
    /// In config order.
    pub servers: Vec<ServerSnapshot>,
}

/// One server of a backend.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ServerSnapshot {
    /// The server's name.
    pub name: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whether it is a backup.
    pub backup: bool,
    /// UP or DOWN now.
    pub state: ServerState,
    /// Connections forwarded to it (connected).
    pub connections: u64,
    /// Connections to it that could not be established (refused, timed out).
    pub connect_failures: u64,
    /// Connections to it open now.
    pub active: u64,
    /// Bytes forwarded to the server.
    pub bytes_to_server: u64,
    /// Bytes forwarded from the server.
    pub bytes_from_server: u64,
    /// Health probes passed.
    pub checks_passed: u64,
    /// Health probes failed.
    pub checks_failed: u64,
    /// Why the latest failed probe failed (kept after later passes).
    pub last_check_error: Option<String>,
    /// UP/DOWN transitions so far.
    pub state_changes: u64,
    /// Sessions cut by `on-marked-down shutdown-sessions`.
    pub sessions_shut_down: u64,
    /// Faults set on the proxy → server leg.
    pub faults: Faults,
}

/// One static route or one relay: a listener forwarding to one fixed target.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ForwardSnapshot {
    /// The route's or relay's name.
    pub name: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// Where connections are forwarded.
    pub target: SocketAddr,
    /// Connections accepted.
    pub connections: u64,
    /// Connections open now.
    pub active: u64,
    /// Connections closed because the target could not be reached.
    pub connect_failures: u64,
    /// Client → target bytes.
    pub bytes_in: u64,
    /// Target → client bytes.
    pub bytes_out: u64,
    /// Faults set on the leg.
    pub faults: Faults,
}

/// A static route of a proxy.
pub type RouteSnapshot = ForwardSnapshot;
/// A standalone relay.
pub type RelaySnapshot = ForwardSnapshot;

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn incr(&self) {
        self.add(1);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A count of things open now.
#[derive(Debug, Default)]
pub(crate) struct Gauge(AtomicU64);

impl Gauge {
    /// Counts one more until the guard is dropped.
    pub fn hold(&self) -> GaugeGuard<'_> {
        self.0.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(self)
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// See [`Gauge::hold`].
pub(crate) struct GaugeGuard<'a>(&'a Gauge);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::Relaxed);
    }
}
