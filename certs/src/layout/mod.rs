//! `crmsim certs new`: the guide's four models written to disk, ready to copy.
//!
//! The output mirrors the connector's install folder (`ssl.ini`, `CRMConnectorSAP_<name>.ini`, and
//! `ssl/` with the PEM files, as `ssl.ini`'s `./ssl/…` paths expect) and adds the SAP side's folder:
//!
//! ```text
//! OUT/README.txt            what to copy and import where (SM59, STRUST, CRMM_BCB_ADM)
//! OUT/manifest.json         hosts, files, SHA-256 fingerprints
//! OUT/connector/            (or connector-a/ and connector-b/ for the failover pair)
//!     ssl.ini
//!     CRMConnectorSAP_SAP1.ini
//!     ssl/(Company CA Certificate).pem | (CRM Side CA Certificate).pem
//!     ssl/(Connects for SAP Certificate).pem | … – cert file).pem + … – key file).pem
//! OUT/crm/
//!     crm.crt.pem  crm.key.pem  trust-ca.pem  trust-ca.cer  crm.p12
//! ```

mod manifest;
mod names;
mod readme;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use manifest::Manifest;
pub use names::{EN_DASH, FileNames, with_side};

use crate::connector_ini::{ConnectorIni, TpiParameter};
use crate::error::CertError;
use crate::folder::{CRM_CERT, CRM_KEY, CRM_P12, CRM_TRUST, SSL_INI};
use crate::pki::{KeyAlgorithm, Layout, PartySpec, Pki, PkiSpec};
use crate::ssl_ini::{SslIni, SslIniSpec};
use crate::text::TextEncoding;

/// The guide's two PEM layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PemStyle {
    /// One PEM file with certificate and key (`PEM_FILE`).
    #[default]
    Single,
    /// Separate certificate and key files (`CRT_FILE` + `KEY_FILE`).
    Split,
}

/// One connector, or the failover pair side A / side B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sides {
    /// A single connector (the guide's "Direct Connection"), written to `connector/`.
    #[default]
    One,
    /// The failover pair behind a proxy, written to `connector-a/` and `connector-b/` (`"ab"`).
    #[serde(rename = "ab")]
    AB,
}

/// Everything `certs new` can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOptions {
    /// Which of the guide's CA models to generate.
    pub layout: Layout,
    /// Whether the connector's certificate and key share one file or are split.
    pub pem: PemStyle,
    /// One connector or the failover pair.
    pub sides: Sides,
    /// Key algorithm of every certificate.
    pub key: KeyAlgorithm,
    /// Validity of every certificate, in days from now.
    pub validity_days: u32,
    /// The SAP CRM's host name: its certificate's CN and first DNS SAN.
    pub crm_host: String,
    /// One host for `Sides::One`, two (A then B) for `Sides::AB`.
    pub connector_hosts: Vec<String>,
    /// Extra DNS names or IP addresses added to every certificate.
    pub extra_sans: Vec<String>,
    /// Extra names for the connector certificates only: the service name the CRM dials when a
    /// proxy stands in front of sides A and B (each side must present it).
    pub connector_sans: Vec<String>,
    /// The file names of the CA and connector PEM files (the guide's by default).
    pub names: FileNames,
    /// PKCS#12 password; `None` means [`crate::p12::DEFAULT_PASSWORD`] ("changeit").
    pub p12_password: Option<String>,
    /// Events via the proxy's static route: `TpiDllParameter=SSL PROXY=<host>:<port>`.
    pub proxy: Option<(String, u16)>,
    /// `<name>` of `CRMConnectorSAP_<name>.ini`.
    pub connector_ini_name: String,
    /// Encoding of the written ini files. Default Windows-1252 ("ANSI"): the file names contain an en
    /// dash, and a Windows program reading the ini with the ANSI profile API or fopen() would turn
    /// UTF-8's three bytes into "â€“" and not find the file. UTF-16LE with BOM also works for the
    /// profile API; plain UTF-8 is for connectors known to read UTF-8.
    pub ini_encoding: TextEncoding,
    /// Write into a non-empty folder (files of the same name are replaced).
    pub overwrite: bool,
}

impl Default for NewOptions {
    fn default() -> Self {
        NewOptions {
            layout: Layout::OneCa,
            pem: PemStyle::Single,
            sides: Sides::One,
            key: KeyAlgorithm::Rsa2048,
            validity_days: 365,
            crm_host: "crm.crmsim.test".to_string(),
            connector_hosts: vec!["connector.crmsim.test".to_string()],
            extra_sans: Vec::new(),
            connector_sans: Vec::new(),
            names: FileNames::default(),
            p12_password: None,
            proxy: None,
            connector_ini_name: "SAP1".to_string(),
            ini_encoding: TextEncoding::Windows1252,
            overwrite: false,
        }
    }
}

impl NewOptions {
    /// Defaults for the failover pair: hosts `connector-a.crmsim.test` and `connector-b.crmsim.test`.
    pub fn sides_ab() -> Self {
        NewOptions {
            sides: Sides::AB,
            connector_hosts: vec![
                "connector-a.crmsim.test".to_string(),
                "connector-b.crmsim.test".to_string(),
            ],
            ..NewOptions::default()
        }
    }

    fn connectors(&self) -> Result<Vec<(String, Option<char>, String)>, CertError> {
        match (self.sides, self.connector_hosts.as_slice()) {
            (Sides::One, [host]) => Ok(vec![("connector".to_string(), None, host.clone())]),
            (Sides::AB, [a, b]) => Ok(vec![
                ("connector-a".to_string(), Some('A'), a.clone()),
                ("connector-b".to_string(), Some('B'), b.clone()),
            ]),
            (Sides::One, hosts) => Err(CertError::invalid(format!(
                "one connector needs exactly one connector host, got {}",
                hosts.len()
            ))),
            (Sides::AB, hosts) => Err(CertError::invalid(format!(
                "sides A and B need exactly two connector hosts (A, then B), got {}",
                hosts.len()
            ))),
        }
    }
}

/// What `write_new` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The output folder everything was written under.
    pub root: PathBuf,
    /// Every file written, in order.
    pub files: Vec<PathBuf>,
    /// `connector/` or `connector-a/` + `connector-b/`.
    pub connector_dirs: Vec<PathBuf>,
    /// The SAP side's folder, `crm/`.
    pub crm_dir: PathBuf,
    /// What `manifest.json` holds: hosts, files and fingerprints.
    pub manifest: Manifest,
    /// The generated material, for callers that go on using it in memory.
    pub pki: Pki,
}

/// Collects written files (and refuses to write outside the output folder by construction).
struct Writer {
    files: Vec<PathBuf>,
}

impl Writer {
    fn dir(&self, dir: &Path) -> Result<(), CertError> {
        std::fs::create_dir_all(dir).map_err(|e| CertError::write(dir, e))
    }

    fn file(&mut self, path: &Path, bytes: &[u8]) -> Result<(), CertError> {
        if let Some(parent) = path.parent() {
            self.dir(parent)?;
        }
        std::fs::write(path, bytes).map_err(|e| CertError::write(path, e))?;
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// A private key: readable by the owner only.
    fn secret(&mut self, path: &Path, bytes: &[u8]) -> Result<(), CertError> {
        self.file(path, bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| CertError::write(path, e))?;
        }
        Ok(())
    }

    fn ini(&mut self, ini: &crate::inifile::IniFile) -> Result<(), CertError> {
        ini.save()?;
        self.files.push(ini.path.clone());
        Ok(())
    }
}

fn ensure_empty(out_dir: &Path, overwrite: bool) -> Result<(), CertError> {
    if overwrite || !out_dir.exists() {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(out_dir).map_err(|e| CertError::read(out_dir, e))?;
    if entries.next().is_some() {
        return Err(CertError::invalid(format!(
            "{} is not empty; choose a new folder or allow overwriting",
            out_dir.display()
        )));
    }
    Ok(())
}

/// Generates the PKI of `opts` and writes the connector folder(s), the SAP side's folder, a README
/// and a manifest under `out_dir`.
pub fn write_new(out_dir: &Path, opts: &NewOptions) -> Result<Written, CertError> {
    let connectors = opts.connectors()?;
    ensure_empty(out_dir, opts.overwrite)?;
    let spec = PkiSpec {
        layout: opts.layout,
        key: opts.key,
        validity_days: opts.validity_days,
        crm: PartySpec {
            extra_sans: opts.extra_sans.clone(),
            ..PartySpec::new("crm", &opts.crm_host)
        },
        connectors: connectors
            .iter()
            .map(|(name, _, host)| PartySpec {
                extra_sans: opts
                    .connector_sans
                    .iter()
                    .chain(&opts.extra_sans)
                    .filter(|san| *san != host)
                    .cloned()
                    .collect(),
                ..PartySpec::new(name, host)
            })
            .collect(),
    };
    let pki = crate::pki::generate(&spec)?;
    let mut w = Writer { files: Vec::new() };
    w.dir(out_dir)?;

    // What the connectors trust: the company CA, or the CRM side's CA.
    let connector_trust_name = match opts.layout {
        Layout::OneCa => opts.names.company_ca.clone(),
        Layout::CaPerSide => opts.names.crm_side_ca.clone(),
    };
    let tpi = match &opts.proxy {
        Some((host, port)) => TpiParameter::ssl_via_proxy(host, *port),
        None => TpiParameter::ssl(),
    };
    let mut connector_dirs = Vec::new();
    for ((dir_name, side, _), party) in connectors.iter().zip(&pki.connectors) {
        let dir = out_dir.join(dir_name);
        let ssl_dir = dir.join("ssl");
        w.file(
            &ssl_dir.join(&connector_trust_name),
            pki.crm_ca.cert_pem.as_bytes(),
        )?;
        let (cert_file, key_file) = match opts.pem {
            PemStyle::Single => {
                let name = with_side(&opts.names.certificate, *side);
                w.secret(
                    &ssl_dir.join(&name),
                    format!("{}{}", party.cert_pem, party.key_pem).as_bytes(),
                )?;
                (name, None)
            }
            PemStyle::Split => {
                let cert = with_side(&opts.names.cert_file, *side);
                let key = with_side(&opts.names.key_file, *side);
                w.file(&ssl_dir.join(&cert), party.cert_pem.as_bytes())?;
                w.secret(&ssl_dir.join(&key), party.key_pem.as_bytes())?;
                (cert, Some(key))
            }
        };
        let ssl_spec = SslIniSpec {
            method: "0".to_string(),
            ca_file: format!("./ssl/{connector_trust_name}"),
            cert_file: format!("./ssl/{cert_file}"),
            key_file: key_file.map(|k| format!("./ssl/{k}")),
        };
        w.ini(&SslIni::build(
            &dir.join(SSL_INI),
            &ssl_spec,
            opts.ini_encoding,
        ))?;
        let ini_path = dir.join(format!("CRMConnectorSAP_{}.ini", opts.connector_ini_name));
        ConnectorIni::write_new(&ini_path, &tpi, opts.ini_encoding)?;
        w.files.push(ini_path);
        connector_dirs.push(dir);
    }

    // The SAP side: its certificate and key, the CA(s) it trusts, and a PKCS#12 bundle.
    let crm_dir = out_dir.join("crm");
    w.file(&crm_dir.join(CRM_CERT), pki.crm.cert_pem.as_bytes())?;
    w.secret(&crm_dir.join(CRM_KEY), pki.crm.key_pem.as_bytes())?;
    w.file(
        &crm_dir.join(CRM_TRUST),
        pki.crm.peer_roots.to_pem().as_bytes(),
    )?;
    w.file(
        &crm_dir.join("trust-ca.cer"),
        pki.connector_ca.cert.as_ref(),
    )?;
    let password = opts
        .p12_password
        .as_deref()
        .unwrap_or(crate::p12::DEFAULT_PASSWORD);
    let p12_path = crm_dir.join(CRM_P12);
    let bundle = crate::p12::build(
        &pki.crm.identity,
        std::slice::from_ref(&pki.crm_ca.cert),
        password,
        &pki.crm.host,
        &p12_path,
    )?;
    w.secret(&p12_path, &bundle)?;

    let readme = readme::render(opts, &connectors, &connector_trust_name);
    w.file(&out_dir.join("README.txt"), readme.as_bytes())?;
    let manifest = Manifest::build(out_dir, opts, &pki, &connector_dirs, &w.files);
    let json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| CertError::generate("manifest.json", e))?;
    w.file(&out_dir.join("manifest.json"), json.as_bytes())?;

    Ok(Written {
        root: out_dir.to_path_buf(),
        files: w.files,
        connector_dirs,
        crm_dir,
        manifest,
        pki,
    })
}
