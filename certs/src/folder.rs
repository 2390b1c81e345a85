//! Whole folders: a connector's install folder (`ssl.ini` + `CRMConnectorSAP_<name>.ini` + PEM files) and
//! the SAP-side folder that [`crate::layout::write_new`] writes. This is what lets a customer's folder
//! be dropped into a scenario.

use std::path::{Path, PathBuf};

use crate::connector_ini::{ConnectorIni, TpiParameter, connector_name};
use crate::error::CertError;
use crate::identity::{Identity, TrustStore};
use crate::ssl_ini::SslIni;

/// The SSL settings file of a connector folder.
pub const SSL_INI: &str = "ssl.ini";
/// SAP-side folder: the CRM's certificate (PEM).
pub const CRM_CERT: &str = "crm.crt.pem";
/// SAP-side folder: the CRM's key (PKCS#8 PEM).
pub const CRM_KEY: &str = "crm.key.pem";
/// SAP-side folder: the CA certificate(s) the CRM trusts for the connectors.
pub const CRM_TRUST: &str = "trust-ca.pem";
/// SAP-side folder: certificate + key + CA as PKCS#12 for STRUST.
pub const CRM_P12: &str = "crm.p12";

/// A connector install folder, loaded.
#[derive(Debug, Clone)]
pub struct ConnectorFolder {
    /// The folder it was loaded from.
    pub dir: PathBuf,
    /// `<name>` of `CRMConnectorSAP_<name>.ini`.
    pub name: String,
    /// The connector ini itself, kept whole so it can be rewritten.
    pub connector_ini: ConnectorIni,
    /// `TpiDllParameter`, parsed: whether SSL is on and the events proxy, if any.
    pub tpi: TpiParameter,
    /// Present when `TpiDllParameter` says SSL.
    pub ssl: Option<SslIni>,
    /// The connector's identity and the CA(s) it trusts, when SSL is on.
    pub tls: Option<(Identity, TrustStore)>,
}

/// Finds a file in `dir` by name, ignoring case (Windows folders copied to Linux keep their casing).
pub fn find_file_ci(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name) && e.path().is_file())
        .map(|e| e.path())
}

/// The single `CRMConnectorSAP_*.ini` of a folder.
pub fn find_connector_ini(dir: &Path) -> Result<PathBuf, CertError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CertError::read(dir, e))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && connector_name(p).is_some())
        .collect();
    found.sort();
    match found.len() {
        0 => Err(CertError::NotAConnectorFolder {
            dir: dir.to_path_buf(),
            what: "CRMConnectorSAP_<name>.ini".to_string(),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(CertError::SeveralConnectorInis {
            dir: dir.to_path_buf(),
            found: found
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Loads a connector folder: its ini, and when SSL is on, ssl.ini and the files it names.
pub fn load_connector_folder(dir: &Path) -> Result<ConnectorFolder, CertError> {
    let connector_ini = ConnectorIni::load(&find_connector_ini(dir)?)?;
    let tpi = connector_ini.tpi.clone();
    let (ssl, tls) = if tpi.ssl {
        let ssl_path =
            find_file_ci(dir, SSL_INI).ok_or_else(|| CertError::NotAConnectorFolder {
                dir: dir.to_path_buf(),
                what: format!("{SSL_INI} (TpiDllParameter says SSL)"),
            })?;
        let ssl = SslIni::load(&ssl_path)?;
        let tls = ssl.load_tls()?;
        (Some(ssl), Some(tls))
    } else {
        (None, None)
    };
    Ok(ConnectorFolder {
        dir: dir.to_path_buf(),
        name: connector_ini.name.clone(),
        connector_ini,
        tpi,
        ssl,
        tls,
    })
}

/// The SAP side's TLS material.
#[derive(Debug, Clone)]
pub struct CrmMaterial {
    /// The CRM's certificate and key (`crm.crt.pem`, `crm.key.pem`).
    pub identity: Identity,
    /// The CA(s) the CRM trusts for the connectors.
    pub trust: TrustStore,
}

/// Loads the SAP-side folder written by `certs new` (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`).
pub fn load_crm_folder(dir: &Path) -> Result<CrmMaterial, CertError> {
    let need = |name: &str| {
        find_file_ci(dir, name).ok_or_else(|| CertError::NotACrmFolder {
            dir: dir.to_path_buf(),
            detail: format!("{name} is missing"),
        })
    };
    let cert = need(CRM_CERT)?;
    let key = need(CRM_KEY)?;
    let trust = need(CRM_TRUST)?;
    Ok(CrmMaterial {
        identity: crate::identity::Identity::load(&cert, Some(&key))?,
        trust: crate::identity::TrustStore::load(&trust)?,
    })
}
