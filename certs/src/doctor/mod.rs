//! `crmsim certs check PATH`: the doctor for a customer's SSL setup.
//!
//! PATH is an `ssl.ini`, a connector folder (ssl.ini + `CRMConnectorSAP_<name>.ini`), the SAP-side
//! folder written by `certs new`, a connector ini, or a PEM file. Every problem becomes a [`Finding`]
//! with a stable code (see [`codes`]), the file (and ini line) it is about, and a fix. The doctor never
//! stops at the first problem: it reports everything it can see.
//!
//! ## "Certificate not issued by CA_FILE" and the two CA models
//! In the *One CA* model a side's own certificate and its `CA_FILE` come from the same CA, so an own
//! certificate not issued by `CA_FILE` is an error. In the *Separate CA* model `CA_FILE` holds the
//! *other* side's CA, and the own certificate comes from the own side's CA. So:
//! - [`CheckOptions::layout`] `Some(OneCa)`: not issued by `CA_FILE` → error `not-issued-by-ca-file`;
//! - `Some(CaPerSide)` or [`CheckOptions::peer_ca`] given: → info `issued-by-own-side-ca`;
//! - `None`: if the issuer *name* is in `CA_FILE` but the signature does not verify (a CA that was
//!   regenerated under the same name) → error; otherwise → warning, explaining both models.
//!
//! ## Peer CA trusted (`peer-ca-not-trusted`)
//! With [`CheckOptions::peer_ca`] = a file holding the peer side's CA certificate *or* the peer's own
//! certificate: each CA certificate in it must be in `CA_FILE` (same DER, or same subject and public
//! key), and each end-entity certificate in it must be issued by a certificate in `CA_FILE`. Anything
//! else means this side will refuse the peer with "unknown CA" (TLS alert 48).

mod cert_checks;
pub mod codes;
mod files;
mod ini_checks;
mod relations;
mod report;

use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

pub use cert_checks::{EXPIRY_WARNING_DAYS, is_host_domain, own_certificate_dates, san_covers};
pub use report::{Finding, Report, Severity};

use cert_checks::Ctx;
use files::{FileRef, open_pem};

use crate::connector_ini::{ConnectorIni, connector_name};
use crate::error::CertError;
use crate::folder::{CRM_CERT, CRM_KEY, CRM_TRUST, SSL_INI, find_file_ci};
use crate::pki::Layout;
use crate::ssl_ini;

/// What the doctor should assume.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The name the peer dials to reach this side (checked against the SAN).
    pub expected_host: Option<String>,
    /// The peer side's CA certificate, or the peer's certificate (CA-per-side model).
    pub peer_ca: Option<PathBuf>,
    /// Which CA model applies, when known (see the module docs).
    pub layout: Option<Layout>,
    /// "Now", for tests; `None` is the current time.
    pub now: Option<OffsetDateTime>,
}

/// Checks `path` (ssl.ini, connector folder, SAP-side folder, connector ini or PEM file).
pub fn check(path: &Path, opts: &CheckOptions) -> Report {
    let mut d = Doctor::new(opts);
    d.check_path(path);
    Report {
        target: path.to_path_buf(),
        findings: d.findings,
    }
}

/// Checks an identity given as files: `cert` (with the key when `key` is `None`) and optionally the CA
/// file this side trusts.
pub fn check_pem_files(
    cert: &Path,
    key: Option<&Path>,
    ca: Option<&Path>,
    opts: &CheckOptions,
) -> Report {
    let mut d = Doctor::new(opts);
    let cert_ref = FileRef::plain("certificate file", cert);
    let key_ref = key.map(|k| FileRef::plain("key file", k));
    let ca_ref = ca.map(|c| FileRef::plain("CA file", c));
    let base = cert.parent().unwrap_or(Path::new(".")).to_path_buf();
    d.check_material(&base, Some(&cert_ref), key_ref.as_ref(), ca_ref.as_ref());
    Report {
        target: cert.to_path_buf(),
        findings: d.findings,
    }
}

struct Doctor<'a> {
    opts: &'a CheckOptions,
    ctx: Ctx,
    findings: Vec<Finding>,
}

/// What was loaded of one side's material, for the cross-file checks.
#[derive(Default)]
struct Loaded {
    chain: Vec<CertificateDer<'static>>,
    chain_file: Option<PathBuf>,
    key: Option<(PrivateKeyDer<'static>, PathBuf)>,
    cas: Vec<CertificateDer<'static>>,
    ca_file: Option<PathBuf>,
}

impl<'a> Doctor<'a> {
    fn new(opts: &'a CheckOptions) -> Self {
        Doctor {
            opts,
            ctx: Ctx {
                now: opts.now.unwrap_or_else(OffsetDateTime::now_utc),
                expected_host: opts.expected_host.clone(),
            },
            findings: Vec::new(),
        }
    }

    fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    fn check_path(&mut self, path: &Path) {
        if path.is_dir() {
            self.check_dir(path);
            return;
        }
        if !path.exists() {
            let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let f = files::missing(&FileRef::plain("the path to check", path), &base);
            self.push(f);
            return;
        }
        let is_ini = path
            .extension()
            .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("ini"));
        if is_ini && connector_name(path).is_some() {
            self.check_connector_ini(path, false);
        } else if is_ini {
            self.check_ssl_ini(path);
            if let Some(dir) = path.parent()
                && let Ok(ini) = crate::folder::find_connector_ini(dir)
            {
                self.check_connector_ini(&ini, true);
            }
        } else {
            let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            self.check_material(
                &base,
                Some(&FileRef::plain("certificate file", path)),
                None,
                None,
            );
        }
    }

    fn check_dir(&mut self, dir: &Path) {
        let ssl = find_file_ci(dir, SSL_INI);
        let connector = crate::folder::find_connector_ini(dir);
        if ssl.is_none() && connector.is_err() && find_file_ci(dir, CRM_CERT).is_some() {
            self.check_crm_folder(dir);
            return;
        }
        match &connector {
            Ok(ini) => self.check_connector_ini(ini, ssl.is_some()),
            Err(CertError::SeveralConnectorInis { found, .. }) => self.push(
                Finding::error(
                    codes::CONNECTOR_INI_SEVERAL,
                    format!("several connector ini files: {found}"),
                    "A connector folder holds one CRMConnectorSAP_<name>.ini; check the one in use by name.",
                )
                .at(dir, None),
            ),
            Err(_) if ssl.is_some() => self.push(
                Finding::info(
                    codes::CONNECTOR_INI_MISSING,
                    "no CRMConnectorSAP_<name>.ini in this folder; TpiDllParameter was not checked",
                    "Check the connector ini too: it must say TpiDllParameter=SSL for ssl.ini to be used.",
                )
                .at(dir, None),
            ),
            Err(_) => {}
        }
        match ssl {
            Some(ssl) => self.check_ssl_ini(&ssl),
            None if connector.is_ok() => {
                let tpi_ssl = connector
                    .as_ref()
                    .ok()
                    .and_then(|p| ConnectorIni::load(p).ok())
                    .is_some_and(|c| c.tpi.ssl);
                if tpi_ssl {
                    self.push(
                        Finding::error(
                            codes::SSL_INI_MISSING,
                            "TpiDllParameter says SSL but there is no ssl.ini in the folder",
                            "Put ssl.ini next to the connector ini (crmsim certs new writes one).",
                        )
                        .at(dir, None),
                    );
                }
            }
            None => self.push(
                Finding::error(
                    codes::NOTHING_TO_CHECK,
                    "neither ssl.ini, a CRMConnectorSAP_<name>.ini nor crm.crt.pem in this folder",
                    "Give the connector's install folder, its ssl.ini, the crm/ folder of crmsim certs new, or a PEM file.",
                )
                .at(dir, None),
            ),
        }
    }

    fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    fn check_crm_folder(&mut self, dir: &Path) {
        let refs: Vec<Option<FileRef>> = [
            (CRM_CERT, "CRM certificate"),
            (CRM_KEY, "CRM key"),
            (CRM_TRUST, "CRM trust (CA) file"),
        ]
        .iter()
        .map(|(name, role)| match find_file_ci(dir, name) {
            Some(p) => Some(FileRef::plain(role, &p)),
            None => {
                self.findings
                    .push(files::missing(&FileRef::plain(role, &dir.join(name)), dir));
                None
            }
        })
        .collect();
        let before = self.error_count();
        let loaded = self.check_material(dir, refs[0].as_ref(), refs[1].as_ref(), refs[2].as_ref());
        if self.error_count() == before {
            self.tls_self_check(&loaded);
        }
    }

    /// Loads and checks one side's certificate (+ key) and CA file, then the cross-file relations.
    fn check_material(
        &mut self,
        base: &Path,
        cert: Option<&FileRef>,
        key: Option<&FileRef>,
        ca: Option<&FileRef>,
    ) -> Loaded {
        let _ = base;
        let mut loaded = Loaded::default();
        if let Some(ca) = ca
            && let Some(contents) = open_pem(ca, &mut self.findings)
        {
            if contents.certs.is_empty() {
                self.push(ca.locate(Finding::error(
                    codes::NO_CERTIFICATE,
                    format!("{} holds no certificate", ca.role),
                    "Put the CA certificate (PEM, \"-----BEGIN CERTIFICATE-----\") into the file.",
                )));
            }
            for c in &contents.certs {
                if let Some(info) = cert_checks::parse(c, &ca.path, "CA", &mut self.findings) {
                    cert_checks::check_ca(&info, &ca.path, &self.ctx, &mut self.findings);
                }
            }
            loaded.cas = contents.certs.clone();
            loaded.ca_file = Some(ca.path.clone());
        }
        if let Some(cert) = cert
            && let Some(mut contents) = open_pem(cert, &mut self.findings)
        {
            // Opened once, before the certificate's checks, which need to know its key.
            let key_contents = key.and_then(|k| open_pem(k, &mut self.findings));
            self.put_leaf_first(&mut contents, cert, key_contents.as_ref());
            match contents.certs.first() {
                None => self.push(cert.locate(Finding::error(
                    codes::NO_CERTIFICATE,
                    format!("{} holds no certificate", cert.role),
                    "Put this side's certificate (PEM) into the file, first in the file, before the key.",
                ))),
                Some(leaf) => {
                    if let Some(info) = cert_checks::parse(leaf, &cert.path, "own", &mut self.findings) {
                        if ca.is_none() && key.is_none() && contents.keys.is_empty() && info.is_ca() {
                            // A plain PEM file holding a CA certificate: check it as a CA.
                            cert_checks::check_ca(&info, &cert.path, &self.ctx, &mut self.findings);
                        } else {
                            cert_checks::check_leaf(&info, &cert.path, &self.ctx, &mut self.findings);
                        }
                        self.push(Finding::info(
                            codes::CERT_SUMMARY,
                            format!(
                                "{}: subject {}, SAN {}, issuer {}, valid until {}",
                                cert.role,
                                info.subject,
                                if info.dns_names.is_empty() && info.ip_addresses.is_empty() {
                                    "none".to_string()
                                } else {
                                    info.dns_names
                                        .iter()
                                        .cloned()
                                        .chain(info.ip_addresses.iter().map(|i| i.to_string()))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                },
                                info.issuer,
                                info.not_after
                                    .format(&time::format_description::well_known::Rfc3339)
                                    .unwrap_or_default()
                            ),
                            format!("SHA-256 fingerprint {}", info.sha256),
                        ).at(&cert.path, None));
                    }
                    loaded.chain = contents.certs.clone();
                    loaded.chain_file = Some(cert.path.clone());
                }
            }
            match key {
                None => {
                    // The key must be in the same file (PEM_FILE) unless this is a plain certificate check.
                    let wants_key = cert.named_at.is_some()
                        || ca.is_some()
                        || !contents.keys.is_empty()
                        || !contents.encrypted_keys.is_empty();
                    if wants_key {
                        loaded.key = self.key_from(&contents, cert);
                    }
                }
                Some(k) => {
                    if let Some(kc) = &key_contents {
                        loaded.key = self.key_from(kc, k);
                    }
                }
            }
        }
        self.cross_checks(&loaded);
        loaded
    }

    /// A chain whose leaf is not first gives one finding that says so, and is checked from then
    /// on with the leaf first: otherwise the CA's certificate would be checked as this side's
    /// and every check would report a symptom (no SAN, CA:TRUE, key mismatch) of that one mistake.
    fn put_leaf_first(
        &mut self,
        contents: &mut crate::pem::PemContents,
        cert: &FileRef,
        key: Option<&crate::pem::PemContents>,
    ) {
        if contents.certs.len() < 2 {
            return;
        }
        // The key of KEY_FILE, or of the same file (PEM_FILE).
        let Some(key) = key.unwrap_or(contents).keys.first().map(|k| k.clone_key()) else {
            return;
        };
        let Some(position) = crate::keys::leaf_position(&contents.certs, &key) else {
            return;
        };
        if position == 0 {
            return;
        }
        let count = contents.certs.len();
        self.push(cert.locate(Finding::error(
            codes::LEAF_NOT_FIRST,
            format!(
                "{}: the private key belongs to certificate {} of {count}, not to the first",
                cert.role,
                position + 1
            ),
            "Put this side's own certificate first in the file, then the CA certificates that issued it (the order TLS sends them in).",
        )));
        let leaf = contents.certs.remove(position);
        contents.certs.insert(0, leaf);
    }

    fn key_from(
        &mut self,
        contents: &crate::pem::PemContents,
        file: &FileRef,
    ) -> Option<(PrivateKeyDer<'static>, PathBuf)> {
        match contents.single_key() {
            Ok(k) => Some((k, file.path.clone())),
            Err(CertError::EncryptedKey { kind, .. }) => {
                self.push(Finding::error(
                    codes::KEY_ENCRYPTED,
                    format!("the private key in {} is encrypted ({kind})", file.role),
                    format!(
                        "The connector cannot ask for a password. Decrypt it once:\nopenssl pkey -in \"{}\" -out key.pem   (asks for the password; writes an unencrypted PKCS#8 key)\nand keep the result readable only by the connector's service account.",
                        file.path.display()
                    ),
                ).at(&file.path, None));
                None
            }
            Err(CertError::SeveralPrivateKeys { count, .. }) => {
                self.push(
                    Finding::error(
                        codes::KEY_SEVERAL,
                        format!("{} holds {count} private keys", file.role),
                        "Keep exactly the key that belongs to the certificate.",
                    )
                    .at(&file.path, None),
                );
                None
            }
            Err(_) => {
                let hint = if file.role == ssl_ini::KEY_PEM_FILE {
                    "PEM_FILE must hold the certificate followed by its key (\"-----BEGIN PRIVATE KEY-----\"); or use CRT_FILE + KEY_FILE."
                } else {
                    "Put the unencrypted private key (\"-----BEGIN PRIVATE KEY-----\") into the file."
                };
                self.push(
                    Finding::error(
                        codes::KEY_MISSING,
                        format!("{} holds no private key", file.role),
                        hint,
                    )
                    .at(&file.path, None),
                );
                None
            }
        }
    }
}
