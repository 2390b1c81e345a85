//! How long a server waits for a peer at each step, and how many connections it keeps.
//!
//! Every wait a peer controls has a bound, because a server that waits forever for a peer that
//! says nothing can be emptied of descriptors by one client (it was: silent TLS connections held
//! every file descriptor and no one else was served). The defaults are far above what a real
//! SAP CRM or connector does (an ICI request's head is one TCP segment; SAP keeps idle
//! connections for seconds, not minutes), so real load never meets them.

use std::time::Duration;

/// The bounds of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections open at once. At the limit, a new connection takes the place of the oldest
    /// one that has no request in flight (idle, silent or still sending its head); when every
    /// connection is busy, the new one is refused (closed at once) and counted.
    pub max_connections: usize,
    /// From accept to a finished TLS handshake (and, on a plain port, to the first byte).
    pub handshake_timeout: Duration,
    /// From the first byte of a request's head to its last (slow headers, "slowloris").
    pub header_timeout: Duration,
    /// With no request in flight: after the handshake or the last response, a connection that
    /// starts no request for this long is closed. Longer than our clients' keep-alive pools
    /// keep a connection (90 s), so that they, not we, close idle connections in normal runs.
    pub idle_timeout: Duration,
    /// From a request's head to its answer: a body that trickles in (or a handler stuck behind
    /// it) gets `408 Request Timeout` and the connection is closed.
    pub request_timeout: Duration,
}

/// Connections per server unless the open-file limit is lower (see [`ServerLimits::default`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

impl Default for ServerLimits {
    /// The documented defaults. `max_connections` is 4096, or half the process's open-file
    /// limit when that is lower, so that a full server still leaves descriptors for the
    /// process's own clients, files and other servers.
    fn default() -> Self {
        ServerLimits {
            max_connections: default_max_connections(),
            handshake_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// 4096, or half the soft `RLIMIT_NOFILE` when that is lower (at least 1).
pub fn default_max_connections() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    match soft {
        Some(n) => usize::try_from(n / 2)
            .unwrap_or(usize::MAX)
            .clamp(1, DEFAULT_MAX_CONNECTIONS),
        None => DEFAULT_MAX_CONNECTIONS,
    }
}
