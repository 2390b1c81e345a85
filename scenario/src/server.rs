//! `[server]`: the bounds of every server a scenario or serve config starts (the connector's
//! ICI endpoint, the CRM's event sink), as [`transport::ServerLimits`] defines them.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use transport::ServerLimits;

use super::duration;

/// Connection limit and timeouts, per server. Defaults: [`ServerLimits::default`].
/// Serialize: `crmsim run --processes` writes it into each component's serve config.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Connections open at once, per server (default 4096, or half the open-file limit).
    pub max_connections: usize,
    /// From accept to a finished TLS handshake (on a plain port, to the first byte); default
    /// `"10s"`.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub handshake_timeout: Duration,
    /// From the first byte of a request's head to its last (slow headers); default `"10s"`.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub header_timeout: Duration,
    /// A connection that starts no request this long after the handshake or its last answer is
    /// closed; default `"120s"`.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub idle_timeout: Duration,
    /// From a request's head to its answer: a body that trickles in gets `408 Request Timeout` and
    /// the connection is closed; default `"60s"`.
    #[serde(deserialize_with = "duration::de", serialize_with = "duration::ser")]
    pub request_timeout: Duration,
}

/// Most connections a server may be given: far above any contact center, below what a
/// process's descriptor table could ever hold.
pub const MAX_CONNECTIONS_LIMIT: usize = 1_000_000;

impl Default for ServerSection {
    fn default() -> Self {
        let l = ServerLimits::default();
        ServerSection {
            max_connections: l.max_connections,
            handshake_timeout: l.handshake_timeout,
            header_timeout: l.header_timeout,
            idle_timeout: l.idle_timeout,
            request_timeout: l.request_timeout,
        }
    }
}

impl ServerSection {
    /// The limits as the transport's servers take them.
    pub fn limits(&self) -> ServerLimits {
        ServerLimits {
            max_connections: self.max_connections,
            handshake_timeout: self.handshake_timeout,
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            request_timeout: self.request_timeout,
        }
    }

    /// The first key whose value cannot work, and why.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(1..=MAX_CONNECTIONS_LIMIT).contains(&self.max_connections) {
            return Some((
                "max_connections",
                format!(
                    "{} connections: give 1 to {MAX_CONNECTIONS_LIMIT}",
                    self.max_connections
                ),
            ));
        }
        let timeouts = [
            ("handshake_timeout", self.handshake_timeout),
            ("header_timeout", self.header_timeout),
            ("idle_timeout", self.idle_timeout),
            ("request_timeout", self.request_timeout),
        ];
        timeouts
            .into_iter()
            .find(|(_, d)| d.is_zero())
            .map(|(key, _)| {
                (
                    key,
                    "a zero timeout would close every connection; give a duration such as \"10s\""
                        .to_owned(),
                )
            })
    }
}
