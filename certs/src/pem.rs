//! Loading certificates and keys from the files customers actually have.
//!
//! The connector wants PEM (ASCII): certificate blocks and an unencrypted `PRIVATE KEY` in one file,
//! or cert and key in two files. What arrives in practice also includes PKCS#1 `RSA PRIVATE KEY`, SEC1
//! `EC PRIVATE KEY`, Windows `.cer` files (binary DER), encrypted keys, and files saved by Notepad
//! with a BOM. Everything loadable is loaded; everything else is reported precisely (see [`CertError`]).

use std::path::{Path, PathBuf};

use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::der;
use crate::error::CertError;

/// What kind of binary DER a file seems to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerKind {
    /// An X.509 certificate (e.g. a Windows `.cer`).
    Certificate,
    /// An unencrypted private key (PKCS#8, PKCS#1 or SEC1).
    PrivateKey,
    /// A PKCS#8 `EncryptedPrivateKeyInfo`: the connector needs the key decrypted.
    EncryptedPrivateKey,
    /// A DER SEQUENCE that is none of the above.
    Unknown,
}

/// The format of a certificate or key file, judged from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Text with at least one `-----BEGIN` line.
    Pem,
    /// Binary DER (a Windows `.cer`, a `.der`, a binary `.key`).
    Der(DerKind),
    /// Nothing but whitespace (an empty or blank file).
    Empty,
    /// Neither PEM nor DER.
    Unknown,
}

/// Judges a file's format from its bytes.
pub fn sniff(bytes: &[u8]) -> FileFormat {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return FileFormat::Empty;
    }
    if let Ok((text, _)) = crate::text::decode(bytes)
        && text.contains("-----BEGIN ")
    {
        return FileFormat::Pem;
    }
    match der::read_tlv(bytes) {
        Some((der::TAG_SEQUENCE, content, rest)) if rest.iter().all(|&b| b == 0) => {
            FileFormat::Der(der_kind(bytes, content))
        }
        _ => FileFormat::Unknown,
    }
}

fn der_kind(whole: &[u8], seq_content: &[u8]) -> DerKind {
    if X509Certificate::from_der(whole).is_ok() {
        return DerKind::Certificate;
    }
    match der::read_tlv(seq_content) {
        Some((der::TAG_INTEGER, _, _)) if PrivateKeyDer::try_from(whole).is_ok() => {
            DerKind::PrivateKey
        }
        // EncryptedPrivateKeyInfo starts with the encryption AlgorithmIdentifier, not a version.
        Some((der::TAG_SEQUENCE, _, rest))
            if der::expect(rest, der::TAG_OCTET_STRING).is_some() =>
        {
            DerKind::EncryptedPrivateKey
        }
        _ => DerKind::Unknown,
    }
}

/// The blocks found in one PEM text.
#[derive(Debug, Default)]
pub struct PemContents {
    /// The file (or [`crate::error::IN_MEMORY`]) the text came from.
    pub origin: PathBuf,
    /// The certificate blocks, in file order (for an identity, the leaf should come first).
    pub certs: Vec<CertificateDer<'static>>,
    /// The unencrypted key blocks (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`).
    pub keys: Vec<PrivateKeyDer<'static>>,
    /// One entry per encrypted key block, saying which kind of encryption.
    pub encrypted_keys: Vec<String>,
    /// Labels of blocks that are neither certificates nor keys (e.g. "CERTIFICATE REQUEST").
    pub other_labels: Vec<String>,
}

impl PemContents {
    /// The certificates, or `NoCertificate` when there are none.
    pub fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, CertError> {
        if self.certs.is_empty() {
            return Err(CertError::NoCertificate {
                path: self.origin.clone(),
            });
        }
        Ok(self.certs.clone())
    }

    /// Exactly one usable key; encrypted keys are reported as such.
    pub fn single_key(&self) -> Result<PrivateKeyDer<'static>, CertError> {
        match self.keys.len() {
            1 => Ok(self.keys[0].clone_key()),
            0 => match self.encrypted_keys.first() {
                Some(kind) => Err(CertError::EncryptedKey {
                    path: self.origin.clone(),
                    kind: kind.clone(),
                }),
                None => Err(CertError::NoPrivateKey {
                    path: self.origin.clone(),
                }),
            },
            count => Err(CertError::SeveralPrivateKeys {
                path: self.origin.clone(),
                count,
            }),
        }
    }
}

/// Parses PEM text (any Windows text encoding). DER input is refused with `DerNotPem`.
pub fn parse_pem_text(bytes: &[u8], origin: &Path) -> Result<PemContents, CertError> {
    if let FileFormat::Der(_) = sniff(bytes) {
        return Err(CertError::DerNotPem {
            path: origin.to_path_buf(),
        });
    }
    let (text, _) = crate::text::decode(bytes).map_err(|detail| CertError::BadPem {
        path: origin.to_path_buf(),
        detail,
    })?;
    // The pem crate skips a block without its END line as if it were prose; a file cut short
    // (copied in part, a truncated download) would then "hold no certificate".
    let markers = block_markers(&text).map_err(|detail| CertError::BadPem {
        path: origin.to_path_buf(),
        detail,
    })?;
    let blocks = ::pem::parse_many(text.as_bytes()).map_err(|e| CertError::BadPem {
        path: origin.to_path_buf(),
        detail: e.to_string(),
    })?;
    let mut out = PemContents {
        origin: origin.to_path_buf(),
        ..PemContents::default()
    };
    for (index, block) in blocks.into_iter().enumerate() {
        let line = markers.get(index).map_or(0, |m| m.1);
        let legacy_encrypted = block
            .headers()
            .get("Proc-Type")
            .is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"));
        let contents = block.contents().to_vec();
        match block.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                // Every loader and the doctor read certificates here, so junk in a block (or
                // bytes after the certificate) is refused once, for all of them, instead of
                // passing the doctor and failing every handshake later.
                check_certificate(&contents).map_err(|why| CertError::BadCertificate {
                    path: origin.to_path_buf(),
                    detail: format!(
                        "the block \"-----BEGIN {}-----\" at line {line} {why}",
                        block.tag()
                    ),
                })?;
                out.certs.push(CertificateDer::from(contents))
            }
            "ENCRYPTED PRIVATE KEY" => out
                .encrypted_keys
                .push("PKCS#8 \"ENCRYPTED PRIVATE KEY\"".to_string()),
            tag @ ("RSA PRIVATE KEY" | "EC PRIVATE KEY") if legacy_encrypted => out
                .encrypted_keys
                .push(format!("\"{tag}\" with \"Proc-Type: 4,ENCRYPTED\"")),
            "PRIVATE KEY" => out
                .keys
                .push(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(contents))),
            "RSA PRIVATE KEY" => out
                .keys
                .push(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(contents))),
            "EC PRIVATE KEY" => out
                .keys
                .push(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(contents))),
            "EC PARAMETERS" => {}
            other => out.other_labels.push(other.to_string()),
        }
    }
    Ok(out)
}

/// A certificate block's DER: exactly one X.509 certificate.
fn check_certificate(der: &[u8]) -> Result<(), String> {
    match X509Certificate::from_der(der) {
        // The doctor reads the extensions too (names, key usage, constraints); a certificate whose
        // extensions do not parse must be refused here, not found unreadable later by one reader.
        Ok((&[], _)) => crate::inspect::inspect(&CertificateDer::from(der))
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "holds an X.509 certificate whose extensions cannot be read ({} bytes: {e})",
                    der.len()
                )
            }),
        Ok((rest, _)) => Err(format!(
            "holds a certificate followed by {} bytes of something else",
            rest.len()
        )),
        Err(e) => Err(format!(
            "is not an X.509 certificate ({} bytes: {e})",
            der.len()
        )),
    }
}

/// Each block's label and the line of its BEGIN, checking that every BEGIN has its END before
/// the next BEGIN and before the end of the text.
fn block_markers(text: &str) -> Result<Vec<(String, usize)>, String> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = i + 1;
        if let Some(label) = marker(line, "-----BEGIN ") {
            if let Some((label, at)) = &open {
                return Err(format!(
                    "the block \"-----BEGIN {label}-----\" at line {at} has no END line before the next BEGIN at line {n}; the file was cut or pasted together wrongly"
                ));
            }
            open = Some((label.to_owned(), n));
        } else if let Some(label) = marker(line, "-----END ") {
            match open.take() {
                Some((begun, at)) if begun == label => blocks.push((begun, at)),
                Some((begun, at)) => {
                    return Err(format!(
                        "the block \"-----BEGIN {begun}-----\" at line {at} ends with \"-----END {label}-----\" at line {n}"
                    ));
                }
                None => {
                    return Err(format!(
                        "\"-----END {label}-----\" at line {n} has no BEGIN line before it"
                    ));
                }
            }
        }
    }
    if let Some((label, at)) = open {
        return Err(format!(
            "the block \"-----BEGIN {label}-----\" at line {at} has no END line: the file is cut short (copy or download it again, whole)"
        ));
    }
    Ok(blocks)
}

fn marker<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_suffix("-----")
}

/// Reads and parses a PEM file.
pub fn load_file(path: &Path) -> Result<PemContents, CertError> {
    let bytes = std::fs::read(path).map_err(|e| CertError::read(path, e))?;
    parse_pem_text(&bytes, path)
}

/// All certificates of a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, CertError> {
    load_file(path)?.certificates()
}

/// The one private key of a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, CertError> {
    load_file(path)?.single_key()
}

fn encode(tag: &str, der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(tag, der.to_vec()), config)
}

/// A certificate as a PEM block.
pub fn cert_to_pem(cert: &CertificateDer<'_>) -> String {
    encode("CERTIFICATE", cert.as_ref())
}

/// A key as a PEM block with the label that matches its encoding.
pub fn key_to_pem(key: &PrivateKeyDer<'_>) -> String {
    match key {
        PrivateKeyDer::Pkcs1(k) => encode("RSA PRIVATE KEY", k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => encode("EC PRIVATE KEY", k.secret_sec1_der()),
        other => encode("PRIVATE KEY", other.secret_der()),
    }
}

/// A key as PKCS#8 DER (the guide's `PRIVATE KEY`): PKCS#1 and SEC1 keys are wrapped.
pub fn key_to_pkcs8(key: &PrivateKeyDer<'_>) -> Option<Vec<u8>> {
    match key {
        PrivateKeyDer::Pkcs8(k) => Some(k.secret_pkcs8_der().to_vec()),
        PrivateKeyDer::Pkcs1(k) => Some(der::pkcs1_to_pkcs8(k.secret_pkcs1_der())),
        PrivateKeyDer::Sec1(k) => der::sec1_to_pkcs8(k.secret_sec1_der()),
        _ => None,
    }
}

/// A key as a PKCS#8 `PRIVATE KEY` PEM block.
pub fn key_to_pkcs8_pem(key: &PrivateKeyDer<'_>) -> Option<String> {
    key_to_pkcs8(key).map(|der| encode("PRIVATE KEY", &der))
}

/// DER bytes as a PEM block with the given label.
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    encode(label, der)
}
