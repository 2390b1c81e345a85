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
mod report;

use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

pub use cert_checks::{EXPIRY_WARNING_DAYS, is_host_domain, san_covers};
pub use report::{Finding, Report, Severity};

use cert_checks::Ctx;
use files::{FileRef, open_pem};

use crate::connector_ini::{ConnectorIni, connector_name};
use crate::error::CertError;
use crate::folder::{CRM_CERT, CRM_KEY, CRM_TRUST, SSL_INI, find_file_ci};
use crate::inifile::IniFile;
use crate::inspect::inspect;
use crate::pki::Layout;
use crate::ssl_ini::{self, Resolution, SslIni};

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

fn same_ca(a: &CertificateDer<'_>, b: &CertificateDer<'_>) -> bool {
    if a == b {
        return true;
    }
    match (inspect(a), inspect(b)) {
        (Ok(x), Ok(y)) => x.subject == y.subject && crate::keys::key_matches_spki(a, b),
        _ => false,
    }
}

/// Whether `cert` chains to one of `cas`, possibly through `intermediates`.
fn chains_to(
    cert: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    cas: &[CertificateDer<'_>],
    depth: usize,
) -> bool {
    if cas.iter().any(|ca| crate::inspect::issued_by(cert, ca)) {
        return true;
    }
    depth < 4
        && intermediates.iter().any(|i| {
            i != cert
                && crate::inspect::issued_by(cert, i)
                && chains_to(i, intermediates, cas, depth + 1)
        })
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

    fn check_connector_ini(&mut self, path: &Path, ssl_ini_present: bool) {
        let ini = match IniFile::load(path) {
            Ok(ini) => ini,
            Err(e) => {
                self.push(
                    Finding::error(
                        codes::INI_UNREADABLE,
                        e.to_string(),
                        "Save the file as UTF-8 or UTF-16 with BOM.",
                    )
                    .at(path, None),
                );
                return;
            }
        };
        match ConnectorIni::from_ini(ini) {
            Ok(c) => {
                if !c.tpi.ssl && ssl_ini_present {
                    let line = c.tpi_raw.as_ref().map(|r| r.line);
                    self.push(
                        Finding::warning(
                            codes::TPI_NOT_SSL,
                            "TpiDllParameter does not say SSL, so the connector talks plain HTTP and ignores ssl.ini",
                            "Set [Config] TpiDllParameter=SSL (or SSL PROXY=<ip>:<port> for events via the proxy's static route).",
                        )
                        .at(path, line),
                    );
                }
            }
            Err(CertError::BadTpiParameter {
                line,
                value,
                detail,
                ..
            }) => {
                let proxy = value.to_ascii_uppercase().contains("PROXY");
                let (code, severity) = if proxy {
                    (codes::TPI_PROXY_UNPARSABLE, Severity::Error)
                } else {
                    (codes::TPI_UNKNOWN_TOKEN, Severity::Warning)
                };
                self.push(
                    Finding::new(
                        severity,
                        code,
                        format!("TpiDllParameter={value}: {detail}"),
                        "Write TpiDllParameter=SSL PROXY=<proxy ip>:<port>, e.g. SSL PROXY=10.0.0.5:8443 (the guide's \"(Proxy Ip Adress):xy\" is a placeholder).",
                    )
                    .at(path, Some(line)),
                );
            }
            Err(e) => self.push(
                Finding::error(codes::INI_UNREADABLE, e.to_string(), "Check the file.")
                    .at(path, None),
            ),
        }
    }

    fn check_ssl_ini(&mut self, path: &Path) {
        let ini = match IniFile::load(path) {
            Ok(ini) => ini,
            Err(e) => {
                self.push(
                    Finding::error(
                        codes::INI_UNREADABLE,
                        e.to_string(),
                        "Save ssl.ini as UTF-8, UTF-16 with BOM or ANSI.",
                    )
                    .at(path, None),
                );
                return;
            }
        };
        for (line, text) in &ini.unparsed {
            self.push(
                Finding::warning(
                    codes::INI_UNPARSED_LINE,
                    format!("line is neither a [section], a comment nor key=value: {text:?}"),
                    "Windows ignores such lines; remove it or write it as KEY=value.",
                )
                .at(path, Some(*line)),
            );
        }
        let Some(section) = ini.section(ssl_ini::SECTION_SERVER_CLIENT).cloned() else {
            self.push(
                Finding::error(
                    codes::SECTION_MISSING,
                    "ssl.ini has no [SSL_SERVER_CLIENT] section",
                    "Add [SSL_SERVER_CLIENT] with CA_FILE=… and PEM_FILE=… (or CRT_FILE=… and KEY_FILE=…).",
                )
                .at(path, None),
            );
            return;
        };
        for key in [
            ssl_ini::KEY_CA_FILE,
            ssl_ini::KEY_PEM_FILE,
            ssl_ini::KEY_CRT_FILE,
            ssl_ini::KEY_KEY_FILE,
        ] {
            let all = section.get_all(key);
            if all.len() > 1 {
                self.push(
                    Finding::warning(
                        codes::DUPLICATE_KEY,
                        format!(
                            "{key} is set {} times; Windows uses the first (line {})",
                            all.len(),
                            all[0].line
                        ),
                        "Keep one line per key.",
                    )
                    .at(path, all.get(1).map(|e| e.line)),
                );
            }
        }
        let ssl = SslIni::from_ini(ini);
        match &ssl.method {
            None => self.push(
                Finding::info(
                    codes::METHOD_MISSING,
                    "[SSL] METHOD is not set",
                    "The guide writes [SSL] METHOD=0; add it to be explicit.",
                )
                .at(path, None),
            ),
            Some(m) if m.value.trim() != "0" => self.push(
                Finding::warning(
                    codes::METHOD_NOT_0,
                    format!("[SSL] METHOD={} — only METHOD=0 is documented", m.value),
                    "Use METHOD=0 unless the vendor told you otherwise for this connector version.",
                )
                .at(path, Some(m.line)),
            ),
            Some(_) => {}
        }
        if ssl.ca_file.is_none() {
            self.push(
                Finding::error(
                    codes::CA_FILE_NOT_SET,
                    "[SSL_SERVER_CLIENT] has no CA_FILE",
                    "Add CA_FILE=./ssl/<CA certificate>.pem: the CA that issued the peer's certificate.",
                )
                .at(path, Some(section.line)),
            );
        }
        match (&ssl.pem_file, &ssl.crt_file, &ssl.key_file) {
            (Some(p), Some(c), _) => self.push(
                Finding::error(
                    codes::PEM_AND_CRT_BOTH_SET,
                    format!("both PEM_FILE (line {}) and CRT_FILE (line {}) are set", p.line, c.line),
                    "Keep PEM_FILE (certificate and key in one file) or CRT_FILE + KEY_FILE (two files), not both.",
                )
                .at(path, Some(c.line)),
            ),
            (None, None, _) => self.push(
                Finding::error(
                    codes::CERT_FILE_NOT_SET,
                    "[SSL_SERVER_CLIENT] has neither PEM_FILE nor CRT_FILE",
                    "Add PEM_FILE=./ssl/<certificate with key>.pem, or CRT_FILE=… and KEY_FILE=….",
                )
                .at(path, Some(section.line)),
            ),
            (None, Some(c), None) => self.push(
                Finding::error(
                    codes::KEY_FILE_NOT_SET,
                    "CRT_FILE is set but KEY_FILE is not",
                    "Add KEY_FILE=./ssl/<key file>.pem next to CRT_FILE.",
                )
                .at(path, Some(c.line)),
            ),
            _ => {}
        }
        let base = ssl.folder();
        let resolved = ssl.resolve();
        let mut refs: Vec<Option<FileRef>> = Vec::new();
        for r in [
            &resolved.ca_file,
            &resolved.pem_file,
            &resolved.crt_file,
            &resolved.key_file,
        ] {
            let Some(r) = r else {
                refs.push(None);
                continue;
            };
            let file = FileRef {
                role: r.key.to_string(),
                path: r.path.clone(),
                named_at: Some((path.to_path_buf(), r.line)),
                value: Some(r.value.clone()),
            };
            match r.resolution {
                Resolution::Missing => {
                    let f = files::missing(&file, &base);
                    self.push(f);
                    refs.push(None);
                    continue;
                }
                Resolution::CaseInsensitive => self.push(file.locate(Finding::info(
                    codes::FILE_NAME_CASE,
                    format!("{}={} matches {} only when letter case is ignored", r.key, r.value, r.path.display()),
                    "Windows does not mind; for a case-sensitive copy (Linux, containers) write the name exactly as on disk.",
                ))),
                Resolution::WindowsAbsolute => self.push(file.locate(Finding::info(
                    codes::WINDOWS_ABSOLUTE_PATH,
                    format!("{}={} is an absolute Windows path; found here as {}", r.key, r.value, r.path.display()),
                    "Relative paths (./ssl/…) keep the folder movable; the guide uses them.",
                ))),
                Resolution::Exact => {}
            }
            refs.push(Some(file));
        }
        let [ca, pem, crt, key] = [
            refs.remove(0),
            refs.remove(0),
            refs.remove(0),
            refs.remove(0),
        ];
        let (cert, key) = match (pem, crt) {
            (Some(p), Some(c)) => {
                // Both set (already reported): check both, PEM_FILE as the identity.
                let mut scratch = Doctor::new(self.opts);
                scratch.check_material(&base, Some(&c), key.as_ref(), None);
                self.findings.extend(scratch.findings);
                (Some(p), None)
            }
            (Some(p), None) => (Some(p), None),
            (None, c) => (c, key),
        };
        let file_errors_before = self.error_count();
        let loaded = self.check_material(&base, cert.as_ref(), key.as_ref(), ca.as_ref());
        if self.error_count() == file_errors_before {
            self.tls_self_check(&loaded);
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
            && let Some(contents) = open_pem(cert, &mut self.findings)
        {
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
                    if let Some(kc) = open_pem(k, &mut self.findings) {
                        loaded.key = self.key_from(&kc, k);
                    }
                }
            }
        }
        self.cross_checks(&loaded);
        loaded
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

    fn cross_checks(&mut self, loaded: &Loaded) {
        let Some(leaf) = loaded.chain.first() else {
            return;
        };
        let chain_file = loaded.chain_file.clone().unwrap_or_default();
        if let Some((key, key_file)) = &loaded.key {
            match crate::keys::key_matches_cert(leaf, key) {
                Ok(true) => {}
                Ok(false) => self.push(Finding::error(
                    codes::KEY_MISMATCH,
                    format!("the private key in {} does not belong to the certificate in {}", key_file.display(), chain_file.display()),
                    "Use the key generated together with this certificate (compare `openssl x509 -noout -pubkey -in CERT` with `openssl pkey -pubout -in KEY`).",
                ).at(key_file, None)),
                Err(e) => self.push(Finding::error(
                    codes::KEY_UNREADABLE,
                    format!("the private key in {} cannot be read: {e}", key_file.display()),
                    "Supported are unencrypted PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys in PEM.",
                ).at(key_file, None)),
            }
        }
        if !loaded.cas.is_empty() {
            let ca_file = loaded.ca_file.clone().unwrap_or_default();
            self.check_issuer(leaf, &loaded.chain[1..], &loaded.cas, &chain_file, &ca_file);
            if let Some(peer) = self.opts.peer_ca.clone() {
                self.check_peer_ca(&peer, &loaded.cas, &ca_file);
            }
        }
    }

    fn check_issuer(
        &mut self,
        leaf: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        cas: &[CertificateDer<'_>],
        chain_file: &Path,
        ca_file: &Path,
    ) {
        if chains_to(leaf, intermediates, cas, 0) {
            return;
        }
        let Ok(info) = inspect(leaf) else {
            return;
        };
        let ca_subjects: Vec<String> = cas
            .iter()
            .filter_map(|c| inspect(c).ok())
            .map(|i| i.subject)
            .collect();
        let same_name = ca_subjects.contains(&info.issuer);
        let per_side = self.opts.layout == Some(Layout::CaPerSide) || self.opts.peer_ca.is_some();
        let message = format!(
            "the certificate (issuer {:?}) is not issued by CA_FILE ({})",
            info.issuer,
            ca_subjects.join("; ")
        );
        let finding = if same_name && self.opts.layout != Some(Layout::CaPerSide) {
            Finding::error(
                codes::NOT_ISSUED_BY_CA_FILE,
                format!(
                    "{message}: same CA name, but the signature does not verify with CA_FILE's key"
                ),
                "The CA was regenerated under the same name, or CA_FILE is from another installation: put the CA certificate that really issued this certificate into CA_FILE, or reissue the certificate.",
            )
        } else if per_side {
            Finding::info(
                codes::ISSUED_BY_OTHER_SIDE_CA,
                format!(
                    "{message}; expected in the Separate CA model, where CA_FILE holds the other side's CA"
                ),
                "Make sure the other side trusts the CA that issued this certificate.",
            )
        } else if self.opts.layout == Some(Layout::OneCa) {
            Finding::error(
                codes::NOT_ISSUED_BY_CA_FILE,
                message,
                "In the One CA model the certificate and CA_FILE come from the same CA: put that CA's certificate into CA_FILE, or get a certificate issued by the CA in CA_FILE.",
            )
        } else {
            Finding::warning(
                codes::NOT_ISSUED_BY_CA_FILE,
                message,
                "In the One CA model this is an error: put the issuing CA into CA_FILE. In the Separate CA model it is expected (CA_FILE holds the peer's CA); say so with --layout ca-per-side and give --peer-ca to check the peer's CA.",
            )
        };
        self.push(finding.at(chain_file, None).also_note(ca_file));
    }

    fn check_peer_ca(&mut self, peer: &Path, cas: &[CertificateDer<'_>], ca_file: &Path) {
        let peer_ref = FileRef::plain("peer CA file", peer);
        if !peer.exists() {
            let base = peer.parent().unwrap_or(Path::new(".")).to_path_buf();
            let f = files::missing(&peer_ref, &base);
            self.push(f);
            return;
        }
        let Some(contents) = open_pem(&peer_ref, &mut self.findings) else {
            return;
        };
        let trusted = |c: &CertificateDer<'_>| match inspect(c) {
            Ok(i) if i.is_ca() => cas.iter().any(|ca| same_ca(ca, c)),
            Ok(_) => chains_to(c, &contents.certs, cas, 0),
            Err(_) => false,
        };
        let untrusted: Vec<String> = contents
            .certs
            .iter()
            .filter(|c| !trusted(c))
            .map(crate::inspect::subject_of)
            .collect();
        if contents.certs.is_empty() || !untrusted.is_empty() {
            self.push(Finding::error(
                codes::PEER_CA_NOT_TRUSTED,
                format!(
                    "the peer's CA is not trusted: {} is not in (or issued by) CA_FILE {}",
                    if untrusted.is_empty() { "(no certificate in the peer file)".to_string() } else { untrusted.join("; ") },
                    ca_file.display()
                ),
                "In the Separate CA model each side's CA_FILE must hold the OTHER side's CA certificate: put the peer side's CA certificate into CA_FILE (the connector: the CRM side's CA; SAP: the connector side's CA in STRUST).",
            ).at(ca_file, None));
        }
    }

    /// With everything loaded and no errors so far: would rustls accept it?
    fn tls_self_check(&mut self, loaded: &Loaded) {
        let (Some((key, key_file)), false, false) =
            (&loaded.key, loaded.chain.is_empty(), loaded.cas.is_empty())
        else {
            return;
        };
        let origin = crate::error::in_memory();
        let result =
            crate::Identity::from_parts(loaded.chain.clone(), key.clone_key(), &origin, &origin)
                .and_then(|identity| {
                    let trust = crate::TrustStore::new(loaded.cas.clone());
                    let opts = crate::TlsOptions::default();
                    crate::tls::server_config(&identity, &trust, &opts)?;
                    crate::tls::client_config(&identity, &trust, &opts)?;
                    Ok(())
                });
        if let Err(e) = result {
            self.push(Finding::error(
                codes::TLS_CONFIG_REFUSED,
                format!("rustls refuses this material: {e}"),
                "Each file looked fine on its own; the combination is not usable for TLS. Regenerate the key and certificate (crmsim certs new) if the message names the key.",
            ).at(key_file, None));
        }
    }
}

trait AlsoNote {
    fn also_note(self, other: &Path) -> Self;
}

impl AlsoNote for Finding {
    /// Adds the other file involved to the message.
    fn also_note(mut self, other: &Path) -> Self {
        self.message
            .push_str(&format!(" [CA_FILE: {}]", other.display()));
        self
    }
}
