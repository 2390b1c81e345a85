//! rustls configurations for the guide's `[SSL_SERVER_CLIENT]`: each side is a TLS server (receiving)
//! and a TLS client (sending) with the same certificate, and both directions authenticate both ends.
//!
//! Every config is built with an explicit aws-lc-rs provider, never the process default, because other
//! crates in the build may pull in ring and then the default cannot be determined (STACK-NOTES trap 1).

use std::path::Path;
use std::sync::Arc;

use rustls::client::{ClientSessionMemoryCache, Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{ClientConfig, ServerConfig, SupportedProtocolVersion};
use serde::Deserialize;

use crate::error::CertError;
use crate::identity::{Identity, TrustStore};

/// Which TLS versions a side speaks. An older connector may speak only TLS 1.2; TLS 1.3 always signs
/// handshakes with RSA-PSS, which a PKCS#1-v1.5-only peer cannot do (STACK-NOTES trap 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
pub enum TlsVersions {
    /// TLS 1.2 only, like an older connector (`"1.2"` in config files).
    #[serde(rename = "1.2")]
    Tls12,
    /// TLS 1.3 only (`"1.3"`).
    #[serde(rename = "1.3")]
    Tls13,
    /// TLS 1.3 and 1.2, 1.3 preferred (`"both"`, the default).
    #[default]
    #[serde(rename = "both")]
    Both,
}

impl TlsVersions {
    fn protocol_versions(self) -> &'static [&'static SupportedProtocolVersion] {
        static TLS12: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
        static TLS13: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
        static BOTH: &[&SupportedProtocolVersion] =
            &[&rustls::version::TLS13, &rustls::version::TLS12];
        match self {
            TlsVersions::Tls12 => TLS12,
            TlsVersions::Tls13 => TLS13,
            TlsVersions::Both => BOTH,
        }
    }
}

/// The key-exchange group(s) offered. A visible setting because rustls offers the post-quantum hybrid
/// first by default (+45 µs per handshake) while OpenSSL 3.0 peers negotiate X25519 (STACK-NOTES trap 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyExchange {
    /// rustls' default list (X25519, secp256r1, secp384r1 and the X25519MLKEM768 hybrid; the hybrid comes
    /// first when rustls' `prefer-post-quantum` feature is on somewhere in the build).
    Default,
    /// X25519 only: what OpenSSL 3.0 clients (curl, s_client) end up with.
    #[default]
    X25519,
    /// NIST P-256 only.
    Secp256r1,
    /// The post-quantum hybrid first, X25519 as fallback (a TLS 1.2 peer cannot use the hybrid).
    #[serde(rename = "x25519mlkem768")]
    X25519MlKem768,
}

/// What both configs share: versions, key exchange, resumption.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsOptions {
    /// The TLS versions both configs speak.
    pub versions: TlsVersions,
    /// The key-exchange group(s) both configs offer.
    pub key_exchange: KeyExchange,
    /// The guide's "session caching". Tests of wrong or missing certificates must turn it off: a
    /// resumed session keeps the first identity without checking again (STACK-NOTES trap 8).
    pub resumption: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            versions: TlsVersions::Both,
            key_exchange: KeyExchange::X25519,
            resumption: true,
        }
    }
}

/// Sessions the client remembers, by server name. rustls keeps at most 8 TLS 1.3 tickets per name
/// whatever this is (STACK-NOTES trap 9); the size only bounds how many names are remembered.
pub const CLIENT_SESSION_CACHE_SIZE: usize = 4096;

/// rustls' default server session cache size; larger caches cost a linear scan per insert (trap 9).
pub const SERVER_SESSION_CACHE_SIZE: usize = 256;

/// The ALPN protocol both sides announce: the ICI is SOAP over HTTP/1.1.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// The aws-lc-rs provider restricted to the chosen key-exchange groups.
pub fn provider(opts: &TlsOptions) -> Arc<CryptoProvider> {
    let mut provider = aws_lc_rs::default_provider();
    match opts.key_exchange {
        KeyExchange::Default => {}
        KeyExchange::X25519 => provider.kx_groups = vec![kx_group::X25519],
        KeyExchange::Secp256r1 => provider.kx_groups = vec![kx_group::SECP256R1],
        KeyExchange::X25519MlKem768 => {
            provider.kx_groups = vec![kx_group::X25519MLKEM768, kx_group::X25519]
        }
    }
    Arc::new(provider)
}

fn tls_err(what: &str, source: rustls::Error) -> CertError {
    CertError::Tls {
        what: what.to_string(),
        path: crate::error::in_memory(),
        source,
    }
}

/// A verifier for the server's certificate that trusts `server_roots` only (never system roots).
/// Exposed so callers can wrap it, e.g. to count full handshakes.
pub fn server_verifier(server_roots: &TrustStore) -> Result<Arc<WebPkiServerVerifier>, CertError> {
    server_verifier_with(server_roots, &TlsOptions::default())
}

fn server_verifier_with(
    server_roots: &TrustStore,
    opts: &TlsOptions,
) -> Result<Arc<WebPkiServerVerifier>, CertError> {
    let origin = crate::error::in_memory();
    let roots = server_roots.root_store(&origin)?;
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider(opts))
        .build()
        .map_err(|e| CertError::Verifier {
            path: origin,
            detail: e.to_string(),
        })
}

/// A server config that *requires* a client certificate chaining to `client_roots`.
///
/// With `opts.resumption`: a server-side session cache of rustls' default size (256; a larger one
/// costs a linear scan per handshake, trap 9) for TLS 1.2 session IDs, and stateless TLS 1.2/1.3
/// tickets from an aws-lc-rs ticketer. Without: no session storage and no tickets.
pub fn server_config(
    identity: &Identity,
    client_roots: &TrustStore,
    opts: &TlsOptions,
) -> Result<ServerConfig, CertError> {
    let provider = provider(opts);
    let origin = crate::error::in_memory();
    let roots = client_roots.root_store(&origin)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| CertError::Verifier {
            path: origin,
            detail: e.to_string(),
        })?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(opts.versions.protocol_versions())
        .map_err(|e| tls_err("the server's TLS versions", e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain().to_vec(), identity.key().clone_key())
        .map_err(|e| tls_err("the server's certificate and key", e))?;
    if opts.resumption {
        config.session_storage = ServerSessionMemoryCache::new(SERVER_SESSION_CACHE_SIZE);
        config.ticketer =
            aws_lc_rs::Ticketer::new().map_err(|e| tls_err("the session ticketer", e))?;
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
    Ok(config)
}

/// A client config that presents `identity` and accepts only servers chaining to `server_roots`.
pub fn client_config(
    identity: &Identity,
    server_roots: &TrustStore,
    opts: &TlsOptions,
) -> Result<ClientConfig, CertError> {
    let verifier = server_verifier_with(server_roots, opts)?;
    client_config_with_verifier(identity, verifier, opts)
}

/// As [`client_config`], with a caller-supplied server verifier (e.g. a counting wrapper around
/// [`server_verifier`]).
pub fn client_config_with_verifier(
    identity: &Identity,
    verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
    opts: &TlsOptions,
) -> Result<ClientConfig, CertError> {
    let mut config = ClientConfig::builder_with_provider(provider(opts))
        .with_protocol_versions(opts.versions.protocol_versions())
        .map_err(|e| tls_err("the client's TLS versions", e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(identity.chain().to_vec(), identity.key().clone_key())
        .map_err(|e| tls_err("the client's certificate and key", e))?;
    config.resumption = if opts.resumption {
        Resumption::store(Arc::new(ClientSessionMemoryCache::new(
            CLIENT_SESSION_CACHE_SIZE,
        )))
    } else {
        Resumption::disabled()
    };
    config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
    Ok(config)
}

/// A client config that verifies the server against `server_roots` but presents *no*
/// certificate: SAP's SM59 "SSL client certificate: ANONYM". A server requiring client
/// certificates must refuse it; crmsim uses it to show that it does, and how.
pub fn anonymous_client_config(
    server_roots: &TrustStore,
    opts: &TlsOptions,
) -> Result<ClientConfig, CertError> {
    let verifier = server_verifier_with(server_roots, opts)?;
    let mut config = ClientConfig::builder_with_provider(provider(opts))
        .with_protocol_versions(opts.versions.protocol_versions())
        .map_err(|e| tls_err("the client's TLS versions", e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.resumption = if opts.resumption {
        Resumption::store(Arc::new(ClientSessionMemoryCache::new(
            CLIENT_SESSION_CACHE_SIZE,
        )))
    } else {
        Resumption::disabled()
    };
    config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
    Ok(config)
}

/// Builds both configs of one party from files: handy for the doctor and `serve`.
pub fn configs_from_files(
    cert: &Path,
    key: Option<&Path>,
    ca: &Path,
    opts: &TlsOptions,
) -> Result<(ServerConfig, ClientConfig), CertError> {
    let identity = crate::identity::Identity::load(cert, key)?;
    let trust = crate::identity::TrustStore::load(ca)?;
    let with_path = |e: CertError| match e {
        CertError::Tls { what, source, .. } => CertError::Tls {
            what,
            path: cert.to_path_buf(),
            source,
        },
        CertError::Verifier { detail, .. } => CertError::Verifier {
            path: ca.to_path_buf(),
            detail,
        },
        other => other,
    };
    let server = server_config(&identity, &trust, opts).map_err(with_path)?;
    let client = client_config(&identity, &trust, opts).map_err(with_path)?;
    Ok((server, client))
}
