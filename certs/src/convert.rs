//! `crmsim certs convert IN OUT`: the conversions customers need before the connector accepts a file.
//!
//! Windows exports certificates as binary DER `.cer` ("Copy to File"), keys sometimes as binary DER
//! or as PKCS#1 `RSA PRIVATE KEY`; the connector wants PEM with a PKCS#8 `PRIVATE KEY`. SAP's STRUST,
//! the other way round, imports DER `.cer` files happily.

use std::path::Path;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::CertError;
use crate::pem::{
    DerKind, FileFormat, cert_to_pem, key_to_pkcs8, key_to_pkcs8_pem, parse_pem_text, sniff,
};

/// What a conversion did, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// One line saying what was read and what was written, e.g. "DER certificate written as PEM".
    pub summary: String,
}

fn write(output: &Path, bytes: &[u8]) -> Result<(), CertError> {
    std::fs::write(output, bytes).map_err(|e| CertError::write(output, e))
}

/// DER certificate or DER key → PEM (keys become PKCS#8 `PRIVATE KEY`). PEM input is normalised the
/// same way (PKCS#1/SEC1 keys rewritten as PKCS#8, BOM and UTF-16 removed).
pub fn convert_to_pem(input: &Path, output: &Path) -> Result<Converted, CertError> {
    let bytes = std::fs::read(input).map_err(|e| CertError::read(input, e))?;
    let (pem, summary) = match sniff(&bytes) {
        FileFormat::Der(DerKind::Certificate) => (
            cert_to_pem(&CertificateDer::from(bytes)),
            "DER certificate written as PEM".to_string(),
        ),
        FileFormat::Der(DerKind::PrivateKey) => {
            let key = PrivateKeyDer::try_from(bytes).map_err(|e| CertError::BadKey {
                path: input.to_path_buf(),
                detail: e.to_string(),
            })?;
            let pem = key_to_pkcs8_pem(&key).ok_or_else(|| CertError::BadKey {
                path: input.to_path_buf(),
                detail: "the key cannot be expressed as PKCS#8 (an EC key without its curve?)"
                    .to_string(),
            })?;
            (pem, "DER private key written as PKCS#8 PEM".to_string())
        }
        FileFormat::Der(DerKind::EncryptedPrivateKey) => {
            return Err(CertError::EncryptedKey {
                path: input.to_path_buf(),
                kind: "DER PKCS#8 EncryptedPrivateKeyInfo".to_string(),
            });
        }
        FileFormat::Pem => {
            let parsed = parse_pem_text(&bytes, input)?;
            if let (true, Some(kind)) = (parsed.keys.is_empty(), parsed.encrypted_keys.first()) {
                return Err(CertError::EncryptedKey {
                    path: input.to_path_buf(),
                    kind: kind.clone(),
                });
            }
            let mut out: String = parsed.certs.iter().map(cert_to_pem).collect();
            for key in &parsed.keys {
                out.push_str(&key_to_pkcs8_pem(key).ok_or_else(|| CertError::BadKey {
                    path: input.to_path_buf(),
                    detail: "the key cannot be expressed as PKCS#8".to_string(),
                })?);
            }
            (
                out,
                format!(
                    "PEM normalised: {} certificate(s), {} key(s) as PKCS#8",
                    parsed.certs.len(),
                    parsed.keys.len()
                ),
            )
        }
        FileFormat::Empty => {
            return Err(CertError::NoCertificate {
                path: input.to_path_buf(),
            });
        }
        FileFormat::Der(DerKind::Unknown) | FileFormat::Unknown => {
            return Err(CertError::BadCertificate {
                path: input.to_path_buf(),
                detail: "neither PEM nor a DER certificate or key".to_string(),
            });
        }
    };
    write(output, pem.as_bytes())?;
    Ok(Converted { summary })
}

/// PEM → DER (for SAP's STRUST): the first certificate, or the key (PKCS#8) when there is none.
pub fn convert_to_der(input: &Path, output: &Path) -> Result<Converted, CertError> {
    let bytes = std::fs::read(input).map_err(|e| CertError::read(input, e))?;
    if let FileFormat::Der(_) = sniff(&bytes) {
        write(output, &bytes)?;
        return Ok(Converted {
            summary: "already DER; copied".to_string(),
        });
    }
    let parsed = parse_pem_text(&bytes, input)?;
    if let Some(cert) = parsed.certs.first() {
        write(output, cert.as_ref())?;
        let more = if parsed.certs.len() > 1 {
            format!(
                " ({} more certificate(s) in the input were not written: DER holds one)",
                parsed.certs.len() - 1
            )
        } else {
            String::new()
        };
        return Ok(Converted {
            summary: format!("first certificate written as DER{more}"),
        });
    }
    let key = parsed.single_key()?;
    let der = key_to_pkcs8(&key).ok_or_else(|| CertError::BadKey {
        path: input.to_path_buf(),
        detail: "the key cannot be expressed as PKCS#8".to_string(),
    })?;
    write(output, &der)?;
    Ok(Converted {
        summary: "private key written as DER PKCS#8".to_string(),
    })
}

/// Converts by the output's extension: `.der`/`.cer` → DER, anything else → PEM.
pub fn convert(input: &Path, output: &Path) -> Result<Converted, CertError> {
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "der" || ext == "cer" {
        convert_to_der(input, output)
    } else {
        convert_to_pem(input, output)
    }
}
