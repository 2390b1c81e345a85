//! What the CRM's and the connector's files share: the `[tls]` table and host-name overrides.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[tls]`: SSL from PEM files, or only the protocol settings when the certificates come from a
/// folder (`config_dir` / `material_dir`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsTable {
    /// SSL on (HTTPS with client certificates, both directions) or off (plain HTTP). Default on.
    /// Not allowed with a folder: the folder says it.
    pub enabled: Option<bool>,
    /// This side's certificate (PEM, chain first), possibly with its private key in the same
    /// file (the guide's `PEM_FILE`). Required when enabled; not allowed with a folder.
    pub cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) when `cert` does not hold it (`KEY_FILE`).
    pub key: Option<PathBuf>,
    /// The CA certificate(s) this side trusts for its peer, as client and as server
    /// (`CA_FILE`). Required when enabled; not allowed with a folder.
    pub ca: Option<PathBuf>,
    /// `"1.2"`, `"1.3"` or `"both"` (default).
    #[serde(default)]
    pub versions: certs::TlsVersions,
    /// `"x25519"` (default), `"secp256r1"`, `"x25519mlkem768"` or `"default"`.
    #[serde(default)]
    pub key_exchange: certs::KeyExchange,
    /// Session resumption, the guide's "session caching" (default on).
    #[serde(default = "yes")]
    pub resumption: bool,
}

impl TlsTable {
    /// The protocol settings: versions, key exchange, resumption.
    pub fn options(&self) -> certs::TlsOptions {
        certs::TlsOptions {
            versions: self.versions,
            key_exchange: self.key_exchange,
            resumption: self.resumption,
        }
    }
}

/// Host name → IP address, as `/etc/hosts` would say: the peer is dialled at that address
/// while TLS still verifies the name (which must be in the peer's certificate).
pub type Hosts = BTreeMap<String, IpAddr>;

/// The overrides in the form the HTTP client takes. Port 0: the URL's port is dialled.
pub fn resolve_list(hosts: &Hosts) -> Vec<(String, SocketAddr)> {
    hosts
        .iter()
        .map(|(name, ip)| (name.clone(), SocketAddr::new(*ip, 0)))
        .collect()
}
impl TlsTable {
    /// The table of a component whose certificates come from a folder, or that has SSL off:
    /// only the scenario's protocol settings.
    pub fn protocol(tls: &scenario::TlsSection) -> TlsTable {
        TlsTable {
            enabled: (!tls.enabled).then_some(false),
            cert: None,
            key: None,
            ca: None,
            versions: tls.versions,
            key_exchange: tls.key_exchange,
            resumption: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// The seed of a file that names none.
pub(crate) fn default_seed() -> u64 {
    1
}
