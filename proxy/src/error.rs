//! What can go wrong when starting a proxy or a relay. Running ones do not fail: a broken
//! connection or a failed health check is counted and logged, not returned.

use std::io;
use std::net::SocketAddr;

/// Why a proxy or relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The configuration contradicts itself (see [`crate::ProxyConfig::validate`]).
    #[error("proxy `{proxy}`: invalid configuration: {message}")]
    Config {
        /// The proxy's name.
        proxy: String,
        /// What is wrong, naming the part.
        message: String,
    },
    /// The external engine (HAProxy) could not be configured or started.
    #[error("proxy `{proxy}`: {message}")]
    Engine {
        /// The proxy's name.
        proxy: String,
        /// What went wrong, with HAProxy's own words where it gave any.
        message: String,
    },
    /// A listener could not be opened (address in use, not local, no permission).
    #[error("{owner}: {listener} cannot listen on {addr}: {source}")]
    Bind {
        /// `proxy `name`` or `relay `name``.
        owner: String,
        /// `frontend `ici``, `route `events`` or `listener`.
        listener: String,
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
}
