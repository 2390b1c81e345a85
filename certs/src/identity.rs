//! What one party presents (its [`Identity`]) and what it trusts for its peers (its [`TrustStore`]).
//!
//! Both are plain DER data: turning them into rustls configurations is [`crate::tls`]'s job;
//! reading PEM is [`crate::pem`]'s, which knows blocks and encodings but not what an identity is
//! (so the dependency runs one way: `Identity::load` reads through `pem`, never back).

use std::fmt;
use std::path::Path;

use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{CertError, in_memory};
use crate::keys;
use crate::pem::parse_pem_text;

/// A certificate chain (leaf first) and the leaf's private key.
///
/// The key is checked against the leaf when the identity is built, so a mismatch is reported with
/// the file names at load time instead of as an obscure handshake failure later.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// An identity from the guide's two layouts: `key_path` `None` means cert and key share one file
    /// (`PEM_FILE`), otherwise `CRT_FILE` + `KEY_FILE`.
    pub fn load(cert_path: &Path, key_path: Option<&Path>) -> Result<Identity, CertError> {
        let cert_file = crate::pem::load_file(cert_path)?;
        let (key, key_origin) = match key_path {
            None => (cert_file.single_key()?, cert_path),
            Some(k) => (crate::pem::load_key(k)?, k),
        };
        Self::from_parts(cert_file.certificates()?, key, cert_path, key_origin)
    }

    /// From PEM text: `cert_pem` holds the chain (leaf first), `key_pem` the key. Both may be the same
    /// text (the guide's "one PEM file for certificate and key").
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Identity, CertError> {
        let origin = in_memory();
        let certs = parse_pem_text(cert_pem.as_bytes(), &origin)?;
        let keys = parse_pem_text(key_pem.as_bytes(), &origin)?;
        let key = keys.single_key()?;
        Identity::from_parts(certs.certificates()?, key, &origin, &origin)
    }

    /// From DER parts; `cert_origin`/`key_origin` name the files for error messages.
    pub fn from_parts(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        cert_origin: &Path,
        key_origin: &Path,
    ) -> Result<Identity, CertError> {
        let Some(leaf) = chain.first() else {
            return Err(CertError::NoCertificate {
                path: cert_origin.to_path_buf(),
            });
        };
        match keys::key_matches_cert(leaf, &key) {
            Ok(true) => {
                usable_by_rustls(leaf, &key, key_origin)?;
                Ok(Identity { chain, key })
            }
            Ok(false) => match keys::leaf_position(&chain, &key) {
                Some(position) => Err(CertError::LeafNotFirst {
                    path: cert_origin.to_path_buf(),
                    position: position + 1,
                    count: chain.len(),
                }),
                None => Err(CertError::KeyMismatch {
                    cert: cert_origin.to_path_buf(),
                    key: key_origin.to_path_buf(),
                }),
            },
            Err(detail) => Err(CertError::BadKey {
                path: key_origin.to_path_buf(),
                detail,
            }),
        }
    }

    /// The end-entity certificate.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        // `from_parts` guarantees a non-empty chain.
        &self.chain[0]
    }

    /// The whole chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The leaf's private key.
    pub fn key(&self) -> &PrivateKeyDer<'static> {
        &self.key
    }

    /// The leaf as PEM text.
    pub fn leaf_pem(&self) -> String {
        crate::pem::cert_to_pem(self.leaf())
    }

    /// SHA-256 fingerprint of the leaf, as colon-separated upper-case hex (as browsers and openssl show it).
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::sha256_hex(self.leaf())
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &crate::inspect::subject_of(self.leaf()))
            .field("chain_len", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The CA certificates a party accepts for its peers (the guide's `CA_FILE`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TrustStore {
    certs: Vec<CertificateDer<'static>>,
}

impl TrustStore {
    /// The CA certificates of a `CA_FILE`.
    pub fn load(path: &Path) -> Result<TrustStore, CertError> {
        let file = crate::pem::load_file(path)?;
        if file.certs.is_empty() {
            return Err(CertError::EmptyTrustStore {
                path: path.to_path_buf(),
            });
        }
        Ok(Self::new(file.certs))
    }

    /// All certificates in the PEM text (other blocks are ignored). At least one is required.
    pub fn from_pem(pem: &str) -> Result<TrustStore, CertError> {
        let origin = in_memory();
        let parsed = parse_pem_text(pem.as_bytes(), &origin)?;
        let certs = parsed
            .certificates()
            .map_err(|_| CertError::EmptyTrustStore { path: origin })?;
        Ok(TrustStore { certs })
    }

    /// A store of exactly these certificates (none are checked or deduplicated here).
    pub fn new(certs: Vec<CertificateDer<'static>>) -> TrustStore {
        TrustStore { certs }
    }

    /// The CA certificates (DER), in the order given.
    pub fn certs(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }

    /// Whether it holds no certificate; such a store is refused when a config is built from it.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// Both stores' certificates, without duplicates (e.g. a CRM that talks to connectors of two CAs).
    pub fn merged(&self, other: &TrustStore) -> TrustStore {
        let mut certs = self.certs.clone();
        for c in &other.certs {
            if !certs.contains(c) {
                certs.push(c.clone());
            }
        }
        TrustStore { certs }
    }

    /// The certificates as one PEM text.
    pub fn to_pem(&self) -> String {
        self.certs.iter().map(crate::pem::cert_to_pem).collect()
    }

    /// A rustls root store; `origin` names the file for errors. Every certificate must be accepted.
    pub fn root_store(&self, origin: &Path) -> Result<RootCertStore, CertError> {
        if self.certs.is_empty() {
            return Err(CertError::EmptyTrustStore {
                path: origin.to_path_buf(),
            });
        }
        let mut roots = RootCertStore::empty();
        for cert in &self.certs {
            roots.add(cert.clone()).map_err(|e| CertError::Verifier {
                path: origin.to_path_buf(),
                detail: format!("a CA certificate is not usable as a trust anchor: {e}"),
            })?;
        }
        Ok(roots)
    }
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subjects: Vec<String> = self.certs.iter().map(crate::inspect::subject_of).collect();
        f.debug_struct("TrustStore")
            .field("subjects", &subjects)
            .finish()
    }
}

/// Refuses, here where the key's file is known, a key the TLS library will not sign with
/// (rustls only names "failed to parse private key" later, without the file or the cause).
fn usable_by_rustls(
    leaf: &CertificateDer<'_>,
    key: &PrivateKeyDer<'_>,
    key_origin: &Path,
) -> Result<(), CertError> {
    if rustls::crypto::aws_lc_rs::sign::any_supported_type(key).is_ok() {
        return Ok(());
    }
    let detail = match crate::inspect::inspect(leaf).map(|i| i.public_key) {
        Ok(crate::inspect::PublicKeyKind::Rsa { bits }) if bits < 2048 => format!(
            "an RSA key of {bits} bits; the TLS library accepts RSA keys of 2048 bits or more, and the connector guide asks for RSA-2048: issue a new certificate with a 2048-bit key"
        ),
        Ok(kind) => format!(
            "a {kind:?} key the TLS library cannot sign with; use RSA-2048 (the guide's) or ECDSA P-256"
        ),
        Err(_) => {
            "a key the TLS library cannot sign with; use RSA-2048 (the guide's) or ECDSA P-256"
                .to_owned()
        }
    };
    Err(CertError::BadKey {
        path: key_origin.to_path_buf(),
        detail,
    })
}
