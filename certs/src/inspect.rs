//! A flat, owned summary of one X.509 certificate: the facts the doctor checks and the manifest lists.
//!
//! x509-parser borrows from the DER bytes and spreads the facts over many extension types; the doctor
//! wants plain fields it can compare and print.

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry as oids;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Extended key usages present in the certificate (the extension is optional; absent means "any").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExtendedKeyUsage {
    /// `serverAuth`: the certificate may identify a TLS server.
    pub server_auth: bool,
    /// `clientAuth`: the certificate may identify a TLS client (needed for mutual TLS).
    pub client_auth: bool,
    /// `anyExtendedKeyUsage`: any purpose.
    pub any: bool,
}

/// The certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PublicKeyKind {
    /// An RSA key.
    Rsa {
        /// Modulus size in bits (the guide's RSA keys have 2048).
        bits: usize,
    },
    /// An elliptic-curve key.
    Ec {
        /// Curve size in bits (256 for P-256).
        bits: usize,
    },
    /// Any other algorithm (e.g. Ed25519).
    Other {
        /// Dotted OID of the key algorithm.
        algorithm: String,
    },
}

/// What the doctor and the manifest need to know about a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// The subject's distinguished name, as text (e.g. `CN=host.domain, O=…`).
    pub subject: String,
    /// The subject's first common name, if any (the guide's "Subject host.domain").
    pub common_name: Option<String>,
    /// The issuer's distinguished name, as text.
    pub issuer: String,
    /// The serial number as colon-separated hex.
    pub serial_hex: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Whether a subjectAltName extension is present at all.
    pub has_san: bool,
    /// subjectAltName DNS names.
    pub dns_names: Vec<String>,
    /// subjectAltName IP addresses (IPv4 and IPv6).
    pub ip_addresses: Vec<IpAddr>,
    /// `None`: no extendedKeyUsage extension.
    pub extended_key_usage: Option<ExtendedKeyUsage>,
    /// `Some(ca)` when basicConstraints is present.
    pub basic_constraints_ca: Option<bool>,
    /// keyUsage keyCertSign (`None`: no keyUsage extension).
    pub key_cert_sign: Option<bool>,
    /// Dotted OID of the signature algorithm.
    pub signature_oid: String,
    /// Readable name (e.g. "sha256WithRSAEncryption").
    pub signature_name: String,
    /// The public key's algorithm and size.
    pub public_key: PublicKeyKind,
    /// SHA-256 over the DER, colon-separated hex.
    pub sha256: String,
}

impl CertInfo {
    /// The seed's requirement: "sha256RSA".
    pub fn is_sha256_rsa(&self) -> bool {
        self.signature_oid == oids::OID_PKCS1_SHA256WITHRSA.to_id_string()
    }

    /// Subject equal to issuer: a self-signed (root) certificate.
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// Whether the certificate says it is a CA (basicConstraints CA:TRUE).
    pub fn is_ca(&self) -> bool {
        self.basic_constraints_ca == Some(true)
    }
}

fn signature_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    let known = [
        (oids::OID_PKCS1_SHA256WITHRSA, "sha256WithRSAEncryption"),
        (oids::OID_PKCS1_SHA1WITHRSA, "sha1WithRSAEncryption"),
        (oids::OID_PKCS1_SHA384WITHRSA, "sha384WithRSAEncryption"),
        (oids::OID_PKCS1_SHA512WITHRSA, "sha512WithRSAEncryption"),
        (oids::OID_PKCS1_RSASSAPSS, "rsassaPss"),
        (oids::OID_SIG_ECDSA_WITH_SHA256, "ecdsa-with-SHA256"),
        (oids::OID_SIG_ECDSA_WITH_SHA384, "ecdsa-with-SHA384"),
        (oids::OID_SIG_ED25519, "ED25519"),
    ];
    known
        .iter()
        .find(|(k, _)| k == oid)
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| oid.to_id_string())
}

fn to_time(t: &x509_parser::time::ASN1Time) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Parses the certificate; `Err` carries the parser's words.
pub fn inspect(cert: &CertificateDer<'_>) -> Result<CertInfo, String> {
    let (_, x) = X509Certificate::from_der(cert.as_ref()).map_err(|e| e.to_string())?;
    let mut dns_names = Vec::new();
    let mut ip_addresses = Vec::new();
    let san = x.subject_alternative_name().map_err(|e| e.to_string())?;
    let has_san = san.is_some();
    if let Some(san) = san {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => dns_names.push((*d).to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                        ip_addresses.push(IpAddr::from(v4));
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                        ip_addresses.push(IpAddr::from(v6));
                    }
                }
                _ => {}
            }
        }
    }
    let extended_key_usage = x
        .extended_key_usage()
        .map_err(|e| e.to_string())?
        .map(|eku| ExtendedKeyUsage {
            server_auth: eku.value.server_auth,
            client_auth: eku.value.client_auth,
            any: eku.value.any,
        });
    let basic_constraints_ca = x
        .basic_constraints()
        .map_err(|e| e.to_string())?
        .map(|bc| bc.value.ca);
    let key_cert_sign = x
        .key_usage()
        .map_err(|e| e.to_string())?
        .map(|ku| ku.value.key_cert_sign());
    let spki = x.public_key();
    let public_key = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => PublicKeyKind::Rsa {
            bits: crate::keys::bit_len(rsa.modulus),
        },
        Ok(PublicKey::EC(point)) => PublicKeyKind::Ec {
            bits: point.key_size(),
        },
        _ => PublicKeyKind::Other {
            algorithm: spki.algorithm.algorithm.to_id_string(),
        },
    };
    let oid = &x.signature_algorithm.algorithm;
    Ok(CertInfo {
        subject: x.subject().to_string(),
        common_name: x
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string),
        issuer: x.issuer().to_string(),
        serial_hex: x.raw_serial_as_string(),
        not_before: to_time(&x.validity().not_before),
        not_after: to_time(&x.validity().not_after),
        has_san,
        dns_names,
        ip_addresses,
        extended_key_usage,
        basic_constraints_ca,
        key_cert_sign,
        signature_oid: oid.to_id_string(),
        signature_name: signature_name(oid),
        public_key,
        sha256: crate::fingerprint::sha256_hex(cert),
    })
}

/// The subject as text, or a placeholder when the certificate cannot be parsed (for Debug output).
pub fn subject_of(cert: &CertificateDer<'_>) -> String {
    X509Certificate::from_der(cert.as_ref())
        .map(|(_, x)| x.subject().to_string())
        .unwrap_or_else(|_| "<unparsable certificate>".to_string())
}

/// Whether `cert`'s signature verifies with `issuer`'s public key and its issuer name equals
/// `issuer`'s subject. No time, usage or name checks: the doctor reports those separately.
pub fn issued_by(cert: &CertificateDer<'_>, issuer: &CertificateDer<'_>) -> bool {
    let (Ok((_, c)), Ok((_, i))) = (
        X509Certificate::from_der(cert.as_ref()),
        X509Certificate::from_der(issuer.as_ref()),
    ) else {
        return false;
    };
    c.issuer() == i.subject() && c.verify_signature(Some(i.public_key())).is_ok()
}
