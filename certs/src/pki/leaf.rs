//! What an end-entity certificate should look like ([`LeafOptions`]) and what issuing one yields
//! ([`IssuedCert`]).
//!
//! The options are deliberately able to describe *bad* certificates too (expired, no SAN, no
//! clientAuth, weak key…): the tests and the doctor need the customer's mistakes on demand.

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use super::KeyAlgorithm;
use crate::error::CertError;
use crate::identity::Identity;

/// The key of a leaf certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKey {
    /// A freshly generated RSA-2048 key: the guide's certificate.
    Rsa2048,
    /// A freshly generated ECDSA P-256 key.
    EcdsaP256,
    /// A fixed, publicly known 1024-bit RSA key (aws-lc cannot generate keys this small). Bad
    /// material for tests and demonstrations only.
    WeakRsa1024,
}

impl From<KeyAlgorithm> for LeafKey {
    fn from(k: KeyAlgorithm) -> Self {
        match k {
            KeyAlgorithm::Rsa2048 => LeafKey::Rsa2048,
            KeyAlgorithm::EcdsaP256 => LeafKey::EcdsaP256,
        }
    }
}

/// The hash of the issuer's signature over the certificate. rcgen cannot sign with SHA-1, so
/// SHA-384/512 are the available "not sha256WithRSA" cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureHash {
    /// sha256WithRSAEncryption (or ecdsa-with-SHA256): what the guide asks for.
    #[default]
    Sha256,
    /// sha384WithRSAEncryption: valid, but not the guide's sha256RSA (RSA CAs only).
    Sha384,
    /// sha512WithRSAEncryption: valid, but not the guide's sha256RSA (RSA CAs only).
    Sha512,
}

/// Everything that defines a leaf certificate.
#[derive(Debug, Clone)]
pub struct LeafOptions {
    /// Subject CN; empty means no CN at all.
    pub common_name: String,
    /// DNS names and IP literals; empty means no subjectAltName extension.
    pub sans: Vec<String>,
    /// The leaf's key; [`LeafKey::WeakRsa1024`] makes a weak-key certificate.
    pub key: LeafKey,
    /// The hash the CA signs with; anything but SHA-256 breaks the guide's "sha256RSA".
    pub signature: SignatureHash,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Adds extendedKeyUsage serverAuth: needed to be accepted as a TLS server.
    pub server_auth: bool,
    /// Adds extendedKeyUsage clientAuth: needed to be accepted as a TLS client (mutual TLS).
    pub client_auth: bool,
}

impl LeafOptions {
    /// The guide's certificate: CN = `host` ("host.domain"), SAN = host + extras, serverAuth and
    /// clientAuth, valid from yesterday (clock skew between hosts) for `validity_days`.
    pub fn for_host(
        host: &str,
        extra_sans: &[String],
        key: KeyAlgorithm,
        validity_days: u32,
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        let mut sans = vec![host.to_string()];
        for extra in extra_sans {
            if !sans.contains(extra) {
                sans.push(extra.clone());
            }
        }
        LeafOptions {
            common_name: host.to_string(),
            sans,
            key: key.into(),
            signature: SignatureHash::Sha256,
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(i64::from(validity_days)),
            server_auth: true,
            client_auth: true,
        }
    }

    /// Expired `days_ago` days ago (and issued a year before that).
    pub fn expired(mut self, days_ago: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        self.not_after = now - Duration::days(days_ago);
        self.not_before = self.not_after - Duration::days(365);
        self
    }

    /// Valid only from `days_ahead` days in the future.
    pub fn not_yet_valid(mut self, days_ahead: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        self.not_before = now + Duration::days(days_ahead);
        self.not_after = self.not_before + Duration::days(365);
        self
    }

    /// Expires in `days` days.
    pub fn expiring_in(mut self, days: i64) -> Self {
        self.not_after = OffsetDateTime::now_utc() + Duration::days(days);
        self
    }

    /// Without extendedKeyUsage clientAuth: with serverAuth left, peers refuse it as a client cert.
    pub fn without_client_auth(mut self) -> Self {
        self.client_auth = false;
        self
    }

    /// Without extendedKeyUsage serverAuth: with clientAuth left, peers refuse it as a server cert.
    pub fn without_server_auth(mut self) -> Self {
        self.server_auth = false;
        self
    }

    /// Without subjectAltName: rustls ignores the CN, so host names no longer verify.
    pub fn without_san(mut self) -> Self {
        self.sans.clear();
        self
    }

    /// With another kind of key (e.g. [`LeafKey::WeakRsa1024`]).
    pub fn with_key(mut self, key: LeafKey) -> Self {
        self.key = key;
        self
    }

    /// Signed with another hash (e.g. SHA-384 for the "not sha256RSA" case).
    pub fn with_signature(mut self, signature: SignatureHash) -> Self {
        self.signature = signature;
        self
    }

    /// With this subject CN (empty for none), e.g. a CN that does not match the host.
    pub fn with_common_name(mut self, cn: &str) -> Self {
        self.common_name = cn.to_string();
        self
    }
}

/// An issued certificate with its key, as DER and as PEM (the key as PKCS#8 `PRIVATE KEY`).
pub struct IssuedCert {
    /// The certificate (DER).
    pub cert: CertificateDer<'static>,
    /// Its private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
    /// The certificate as PEM.
    pub cert_pem: String,
    /// The key as a PKCS#8 `PRIVATE KEY` PEM block.
    pub key_pem: String,
}

impl IssuedCert {
    /// The certificate and key as an [`Identity`] (chain = the leaf alone; the CA is a trust anchor).
    pub fn identity(&self) -> Result<Identity, CertError> {
        let origin = crate::error::in_memory();
        Identity::from_parts(
            vec![self.cert.clone()],
            self.key.clone_key(),
            &origin,
            &origin,
        )
    }

    /// Certificate then key in one PEM text: the guide's `PEM_FILE` layout.
    pub fn combined_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }
}

impl Clone for IssuedCert {
    fn clone(&self) -> Self {
        IssuedCert {
            cert: self.cert.clone(),
            key: self.key.clone_key(),
            cert_pem: self.cert_pem.clone(),
            key_pem: self.key_pem.clone(),
        }
    }
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("subject", &crate::inspect::subject_of(&self.cert))
            .field("key", &"<redacted>")
            .finish()
    }
}
