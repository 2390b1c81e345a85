//! `manifest.json`: what `certs new` made, for people comparing fingerprints with what STRUST or the
//! Windows certificate dialog shows, and for tools (the harness reads hosts and folders from it).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{NewOptions, PemStyle, Sides};
use crate::pki::{KeyAlgorithm, Layout, Pki};

/// One certificate found in a written file.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestCert {
    pub subject: String,
    pub issuer: String,
    /// SHA-256 over the certificate's DER (`openssl x509 -fingerprint -sha256`).
    pub sha256: String,
    pub not_after: String,
}

/// One written file.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    /// Relative to the output folder, with `/`.
    pub path: String,
    /// SHA-256 over the file's bytes.
    pub sha256: String,
    pub certificates: Vec<ManifestCert>,
    pub has_private_key: bool,
}

/// One party.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestParty {
    pub name: String,
    pub host: String,
    /// Its folder, relative to the output folder.
    pub dir: String,
    /// The connector's TpiDllParameter (connectors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpi_dll_parameter: Option<String>,
}

/// The whole manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// What wrote it: `crmsim certs new` with this crate's name and version.
    pub generator: String,
    /// The CA model generated.
    pub layout: Layout,
    /// The PEM layout of the connector's certificate and key.
    pub pem: PemStyle,
    /// One connector or the failover pair.
    pub sides: Sides,
    /// Key algorithm of every certificate.
    pub key: KeyAlgorithm,
    /// Validity of every certificate, in days from generation.
    pub validity_days: u32,
    /// The SAP CRM side: name, host and folder (`crm`).
    pub crm: ManifestParty,
    /// Each connector: name, host, folder and the `TpiDllParameter` written for it.
    pub connectors: Vec<ManifestParty>,
    /// CA common names with their fingerprints.
    pub cas: Vec<ManifestCert>,
    /// Every file written before the manifest (so not itself), with its certificates and fingerprint.
    pub files: Vec<ManifestFile>,
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn cert_entry(der: &rustls_pki_types::CertificateDer<'_>) -> Option<ManifestCert> {
    let info = crate::inspect::inspect(der).ok()?;
    Some(ManifestCert {
        subject: info.subject,
        issuer: info.issuer,
        sha256: info.sha256,
        not_after: info
            .not_after
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    })
}

fn file_entry(root: &Path, path: &Path) -> ManifestFile {
    let bytes = std::fs::read(path).unwrap_or_default();
    let parsed = crate::pem::parse_pem_text(&bytes, path).ok();
    let certificates = match (&parsed, crate::pem::sniff(&bytes)) {
        (Some(p), _) => p.certs.iter().filter_map(cert_entry).collect(),
        (None, crate::pem::FileFormat::Der(crate::pem::DerKind::Certificate)) => {
            cert_entry(&rustls_pki_types::CertificateDer::from(bytes.clone()))
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    };
    ManifestFile {
        path: rel(root, path),
        sha256: crate::fingerprint::sha256_hex(&bytes),
        certificates,
        has_private_key: parsed.is_some_and(|p| !p.keys.is_empty())
            || path.extension().is_some_and(|e| e == "p12"),
    }
}

impl Manifest {
    pub(crate) fn build(
        root: &Path,
        opts: &NewOptions,
        pki: &Pki,
        connector_dirs: &[PathBuf],
        files: &[PathBuf],
    ) -> Manifest {
        let tpi = match &opts.proxy {
            Some((h, p)) => crate::connector_ini::TpiParameter::ssl_via_proxy(h, *p),
            None => crate::connector_ini::TpiParameter::ssl(),
        };
        let mut cas: Vec<ManifestCert> = cert_entry(&pki.crm_ca.cert).into_iter().collect();
        if pki.connector_ca.cert != pki.crm_ca.cert {
            cas.extend(cert_entry(&pki.connector_ca.cert));
        }
        Manifest {
            generator: format!(
                "crmsim certs new ({} {})",
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION")
            ),
            layout: opts.layout,
            pem: opts.pem,
            sides: opts.sides,
            key: opts.key,
            validity_days: opts.validity_days,
            crm: ManifestParty {
                name: pki.crm.name.clone(),
                host: pki.crm.host.clone(),
                dir: "crm".to_string(),
                tpi_dll_parameter: None,
            },
            connectors: pki
                .connectors
                .iter()
                .zip(connector_dirs)
                .map(|(p, dir)| ManifestParty {
                    name: p.name.clone(),
                    host: p.host.clone(),
                    dir: rel(root, dir),
                    tpi_dll_parameter: Some(tpi.to_string()),
                })
                .collect(),
            cas,
            files: files.iter().map(|f| file_entry(root, f)).collect(),
        }
    }
}
