//! A certification authority that can issue the guide's certificates (and bad ones on purpose).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber, SubjectPublicKeyInfo,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use super::KeyAlgorithm;
use super::leaf::{IssuedCert, LeafKey, LeafOptions, SignatureHash};
use super::weak;
use crate::error::CertError;
use crate::identity::TrustStore;

/// How to make a CA certificate.
#[derive(Debug, Clone)]
pub struct CaOptions {
    /// Subject CN of the CA certificate (the subject also gets O=crmsim).
    pub common_name: String,
    /// Algorithm of the CA's key; the CA signs with SHA-256 unless a leaf asks for another hash.
    pub key: KeyAlgorithm,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// basicConstraints CA:TRUE. `false` makes the "CA certificate without the CA flag" mistake.
    pub ca_flag: bool,
}

impl CaOptions {
    /// A root CA valid from yesterday for `validity_days`.
    pub fn new(common_name: &str, key: KeyAlgorithm, validity_days: u32) -> Self {
        let now = OffsetDateTime::now_utc();
        CaOptions {
            common_name: common_name.to_string(),
            key,
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(i64::from(validity_days)),
            ca_flag: true,
        }
    }
}

/// A CA: its certificate (public) and what is needed to sign more.
#[derive(Clone)]
pub struct Ca {
    /// The CA's common name, e.g. "crmsim Company CA".
    pub name: String,
    /// The CA certificate as PEM: what goes into a `CA_FILE`.
    pub cert_pem: String,
    /// The CA certificate (DER).
    pub cert: CertificateDer<'static>,
    params: CertificateParams,
    key: Arc<KeyPair>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("name", &self.name)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// 16 random bytes, positive: RFC 5280 serials must be unique per CA, and random ones are by design.
fn random_serial() -> Result<SerialNumber, CertError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| CertError::generate("a serial number", "no randomness"))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

/// A fresh key pair. RSA keys take 50–110 ms each (STACK-NOTES trap 3).
pub(crate) fn generate_key(key: KeyAlgorithm) -> Result<KeyPair, CertError> {
    match key {
        KeyAlgorithm::Rsa2048 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
        KeyAlgorithm::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    }
    .map_err(|e| CertError::generate("a key pair", e))
}

fn pkcs8_pem(der: &[u8]) -> String {
    crate::pem::der_to_pem("PRIVATE KEY", der)
}

impl Ca {
    /// A root CA with the guide's defaults.
    pub fn new(common_name: &str, key: KeyAlgorithm, validity_days: u32) -> Result<Ca, CertError> {
        Ca::with_options(&CaOptions::new(common_name, key, validity_days))
    }

    /// A root CA from explicit options.
    pub fn with_options(opts: &CaOptions) -> Result<Ca, CertError> {
        Ca::with_key(opts, generate_key(opts.key)?)
    }

    pub(crate) fn with_key(opts: &CaOptions, key: KeyPair) -> Result<Ca, CertError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, opts.common_name.as_str());
        dn.push(DnType::OrganizationName, "crmsim");
        params.distinguished_name = dn;
        params.not_before = opts.not_before;
        params.not_after = opts.not_after;
        params.serial_number = Some(random_serial()?);
        if opts.ca_flag {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        } else {
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        }
        let cert = params.self_signed(&key).map_err(|e| {
            CertError::generate(format!("the CA certificate {:?}", opts.common_name), e)
        })?;
        Ok(Ca {
            name: opts.common_name.clone(),
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            params,
            key: Arc::new(key),
        })
    }

    /// The CA certificate as a trust store of one.
    pub fn trust(&self) -> TrustStore {
        TrustStore::new(vec![self.cert.clone()])
    }

    /// The CA's private key (PKCS#8 PEM), to keep next to the CA for issuing more certificates later.
    pub fn key_pem(&self) -> String {
        pkcs8_pem(self.key.serialized_der())
    }

    /// The CA key with the requested signature hash (RSA keys can sign with SHA-256/384/512).
    fn signer(&self, hash: SignatureHash) -> Result<KeyPair, CertError> {
        let alg = match (hash, self.key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256) {
            (SignatureHash::Sha256, _) => return self.key_clone(self.key.algorithm()),
            (SignatureHash::Sha384, false) => &rcgen::PKCS_RSA_SHA384,
            (SignatureHash::Sha512, false) => &rcgen::PKCS_RSA_SHA512,
            (_, true) => {
                return Err(CertError::invalid(
                    "an ECDSA P-256 CA signs with SHA-256 only; use an RSA CA for SHA-384/512 signatures",
                ));
            }
        };
        self.key_clone(alg)
    }

    fn key_clone(&self, alg: &'static rcgen::SignatureAlgorithm) -> Result<KeyPair, CertError> {
        let der = PrivatePkcs8KeyDer::from(self.key.serialized_der().to_vec());
        KeyPair::from_pkcs8_der_and_sign_algo(&der, alg)
            .map_err(|e| CertError::generate("the CA signing key", e))
    }

    /// Issues a leaf certificate as described by `opts` (with a freshly generated key).
    pub fn issue(&self, opts: &LeafOptions) -> Result<IssuedCert, CertError> {
        let key = match opts.key {
            LeafKey::Rsa2048 => Some(generate_key(KeyAlgorithm::Rsa2048)?),
            LeafKey::EcdsaP256 => Some(generate_key(KeyAlgorithm::EcdsaP256)?),
            LeafKey::WeakRsa1024 => None,
        };
        self.issue_inner(opts, key)
    }

    /// As [`Ca::issue`] with a key generated beforehand (so that keys can be made in parallel).
    pub(crate) fn issue_with_key(
        &self,
        opts: &LeafOptions,
        key: KeyPair,
    ) -> Result<IssuedCert, CertError> {
        self.issue_inner(opts, Some(key))
    }

    fn issue_inner(
        &self,
        opts: &LeafOptions,
        key: Option<KeyPair>,
    ) -> Result<IssuedCert, CertError> {
        let what = || format!("a certificate for {:?}", opts.common_name);
        let mut params = CertificateParams::new(opts.sans.clone())
            .map_err(|e| CertError::generate(what(), e))?;
        let mut dn = DistinguishedName::new();
        if !opts.common_name.is_empty() {
            dn.push(DnType::CommonName, opts.common_name.as_str());
        }
        params.distinguished_name = dn;
        params.not_before = opts.not_before;
        params.not_after = opts.not_after;
        params.serial_number = Some(random_serial()?);
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        let is_ec = key
            .as_ref()
            .is_some_and(|k| k.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256);
        params.key_usages = if is_ec {
            vec![KeyUsagePurpose::DigitalSignature]
        } else {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ]
        };
        if opts.server_auth {
            params
                .extended_key_usages
                .push(ExtendedKeyUsagePurpose::ServerAuth);
        }
        if opts.client_auth {
            params
                .extended_key_usages
                .push(ExtendedKeyUsagePurpose::ClientAuth);
        }
        let signer = self.signer(opts.signature)?;
        let issuer = Issuer::from_params(&self.params, &signer);
        let (cert, key_pkcs8) = match key {
            None => {
                let spki = SubjectPublicKeyInfo::from_pem(weak::RSA1024_SPKI_PEM)
                    .map_err(|e| CertError::generate(what(), e))?;
                let cert = params
                    .signed_by(&spki, &issuer)
                    .map_err(|e| CertError::generate(what(), e))?;
                let key = ::pem::parse(weak::RSA1024_PKCS8_PEM)
                    .map_err(|e| CertError::generate(what(), e))?
                    .into_contents();
                (cert, key)
            }
            Some(key) => {
                let cert = params
                    .signed_by(&key, &issuer)
                    .map_err(|e| CertError::generate(what(), e))?;
                (cert, key.serialized_der().to_vec())
            }
        };
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            key_pem: pkcs8_pem(&key_pkcs8),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pkcs8)),
        })
    }
}
