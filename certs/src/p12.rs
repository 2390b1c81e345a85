//! PKCS#12 bundles for SAP's trust manager (STRUST imports a PSE from a .p12/.pfx).
//!
//! The p12 crate writes the classic format: key shrouded with pbeWithSHAAnd3-KeyTripleDES-CBC,
//! certificates with pbeWithSHAAnd40BitRC2-CBC, SHA-1 MAC. Old SAP releases import exactly that;
//! OpenSSL 3 reads it only with `-legacy` (RC2 lives in its legacy provider).

use std::path::Path;

use rustls_pki_types::CertificateDer;

use crate::error::CertError;
use crate::identity::Identity;

/// The password used when none is given; README.txt says so.
pub const DEFAULT_PASSWORD: &str = "changeit";

/// The DER of a PKCS#12 bundle holding `identity`'s leaf, its key and `cas`.
pub fn build(
    identity: &Identity,
    cas: &[CertificateDer<'_>],
    password: &str,
    friendly_name: &str,
    origin: &Path,
) -> Result<Vec<u8>, CertError> {
    let key = crate::pem::key_to_pkcs8(identity.key()).ok_or_else(|| CertError::Pkcs12 {
        path: origin.to_path_buf(),
        detail: "the key cannot be expressed as PKCS#8".to_string(),
    })?;
    let cas: Vec<&[u8]> = cas.iter().map(|c| c.as_ref()).collect();
    let pfx = p12::PFX::new_with_cas(
        identity.leaf().as_ref(),
        &key,
        &cas,
        password,
        friendly_name,
    )
    .ok_or_else(|| CertError::Pkcs12 {
        path: origin.to_path_buf(),
        detail: "the p12 encoder failed (no randomness?)".to_string(),
    })?;
    Ok(pfx.to_der())
}

/// Reads back the certificates of a bundle (for tests and the doctor): `None` if the password is wrong.
pub fn certificates(der: &[u8], password: &str) -> Option<Vec<Vec<u8>>> {
    let pfx = p12::PFX::parse(der).ok()?;
    if !pfx.verify_mac(password) {
        return None;
    }
    pfx.cert_x509_bags(password).ok()
}
