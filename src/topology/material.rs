//! TLS material of a deployment: who presents which certificate and trusts which CA, turned into
//! rustls configs for each side's server and client.

use std::sync::Arc;

use certs::{Identity, TlsOptions, TrustStore};
use transport::ClientTls;

/// One side's certificate and the CAs it trusts for its peers.
#[derive(Clone)]
pub struct SideMaterial {
    pub identity: Identity,
    pub peer_roots: TrustStore,
}

/// Both TLS roles of one side, ready to use.
#[derive(Clone)]
pub struct SideTls {
    pub server: Arc<rustls::ServerConfig>,
    pub client: ClientTls,
}

/// A problem building TLS configs; names the side.
#[derive(Debug, thiserror::Error)]
#[error("TLS material of {side}: {source}")]
pub struct MaterialError {
    pub side: String,
    #[source]
    pub source: Box<certs::CertError>,
}

impl SideMaterial {
    /// The server config (requiring client certificates) and the client config (presenting
    /// ours) of this side.
    pub fn configs(&self, side: &str, options: &TlsOptions) -> Result<SideTls, MaterialError> {
        let wrap = |source| MaterialError {
            side: side.to_owned(),
            source: Box::new(source),
        };
        let server =
            certs::server_config(&self.identity, &self.peer_roots, options).map_err(wrap)?;
        let verifier = certs::server_verifier(&self.peer_roots).map_err(wrap)?;
        let client =
            certs::tls::client_config_with_verifier(&self.identity, verifier.clone(), options)
                .map_err(wrap)?;
        Ok(SideTls {
            server: Arc::new(server),
            client: ClientTls {
                config: client,
                verifier,
            },
        })
    }
}

impl From<&certs::Party> for SideMaterial {
    fn from(party: &certs::Party) -> Self {
        SideMaterial {
            identity: party.identity.clone(),
            peer_roots: party.peer_roots.clone(),
        }
    }
}
