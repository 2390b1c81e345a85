//! Private keys: what kind they are and whether they belong to a certificate.
//!
//! The check is done by comparing public keys, not by signing, because aws-lc refuses to load RSA
//! keys under 2048 bits and the doctor must still report "weak key" rather than "unusable key".

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::der;

/// The family of a private key, as far as this crate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFamily {
    /// RSA (PKCS#1, or PKCS#8 with rsaEncryption); the guide's sha256RSA certificates use these.
    Rsa,
    /// Elliptic curve (SEC1, or PKCS#8 with id-ecPublicKey), e.g. ECDSA P-256.
    Ec,
    /// Anything else (e.g. Ed25519 in PKCS#8) or a PKCS#8 key whose algorithm cannot be read.
    Other,
}

/// The family of a private key in any of the three encodings.
pub fn key_family(key: &PrivateKeyDer<'_>) -> KeyFamily {
    match key {
        PrivateKeyDer::Pkcs1(_) => KeyFamily::Rsa,
        PrivateKeyDer::Sec1(_) => KeyFamily::Ec,
        PrivateKeyDer::Pkcs8(k) => match der::parse_pkcs8(k.secret_pkcs8_der()) {
            Some(p) if p.algorithm == der::OID_RSA_ENCRYPTION => KeyFamily::Rsa,
            Some(p) if p.algorithm == der::OID_EC_PUBLIC_KEY => KeyFamily::Ec,
            _ => KeyFamily::Other,
        },
        _ => KeyFamily::Other,
    }
}

/// The RSA modulus of an RSA private key (PKCS#1 or PKCS#8), without sign padding.
fn rsa_modulus<'a>(key: &'a PrivateKeyDer<'a>) -> Option<&'a [u8]> {
    let pkcs1 = match key {
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
        PrivateKeyDer::Pkcs8(k) => {
            let p = der::parse_pkcs8(k.secret_pkcs8_der())?;
            if p.algorithm != der::OID_RSA_ENCRYPTION {
                return None;
            }
            p.private_key
        }
        _ => return None,
    };
    der::parse_pkcs1_public(pkcs1).map(|(n, _e)| n)
}

/// The raw public key (the SubjectPublicKeyInfo bit string contents) of a non-RSA key, via rcgen.
fn public_key_raw(key: &PrivateKeyDer<'_>) -> Result<Vec<u8>, String> {
    let pair = match key {
        PrivateKeyDer::Sec1(_) => {
            rcgen::KeyPair::from_der_and_sign_algo(key, &rcgen::PKCS_ECDSA_P256_SHA256).or_else(
                |_| rcgen::KeyPair::from_der_and_sign_algo(key, &rcgen::PKCS_ECDSA_P384_SHA384),
            )
        }
        _ => rcgen::KeyPair::try_from(key),
    }
    .map_err(|e| format!("the key cannot be loaded: {e}"))?;
    Ok(pair.public_key_raw().to_vec())
}

/// Number of significant bits in a big-endian magnitude.
pub(crate) fn bit_len(magnitude: &[u8]) -> usize {
    let m = der::unsigned(magnitude);
    match m.first() {
        None => 0,
        Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
    }
}

/// Which certificate of `chain` the key belongs to (0 is the right place), if any: a chain
/// with the leaf later in the file is a different mistake from a key of another certificate,
/// and both the loaders and the doctor must name it as such.
pub fn leaf_position(chain: &[CertificateDer<'_>], key: &PrivateKeyDer<'_>) -> Option<usize> {
    chain
        .iter()
        .position(|c| key_matches_cert(c, key).unwrap_or(false))
}

/// Whether `key` is the private key of `cert`. `Err` when one of them cannot be read at all.
pub fn key_matches_cert(
    cert: &CertificateDer<'_>,
    key: &PrivateKeyDer<'_>,
) -> Result<bool, String> {
    let (_, x509) =
        X509Certificate::from_der(cert.as_ref()).map_err(|e| format!("certificate: {e}"))?;
    let spki = x509.public_key();
    match (spki.parsed(), key_family(key)) {
        (Ok(PublicKey::RSA(rsa)), KeyFamily::Rsa) => {
            let n = rsa_modulus(key).ok_or("the RSA key's structure cannot be read")?;
            Ok(der::unsigned(rsa.modulus) == n)
        }
        (Ok(PublicKey::RSA(_)), _) => Ok(false),
        (_, KeyFamily::Rsa) => Ok(false),
        _ => Ok(public_key_raw(key)? == spki.subject_public_key.data.as_ref()),
    }
}

/// Whether two certificates carry the same public key (e.g. a CA certificate that was re-issued).
pub fn key_matches_spki(a: &CertificateDer<'_>, b: &CertificateDer<'_>) -> bool {
    match (
        X509Certificate::from_der(a.as_ref()),
        X509Certificate::from_der(b.as_ref()),
    ) {
        (Ok((_, x)), Ok((_, y))) => x.public_key().raw == y.public_key().raw,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_len_counts_significant_bits() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
    }
}
