//! Checks of the two ini files: `ssl.ini` (sections, keys, METHOD, the files it names) and the
//! connector's `CRMConnectorSAP_<name>.ini` (`TpiDllParameter`).

use std::path::Path;

use super::files::{self, FileRef};
use super::report::{Finding, Severity};
use super::{Doctor, codes};
use crate::connector_ini::ConnectorIni;
use crate::error::CertError;
use crate::inifile::IniFile;
use crate::ssl_ini::{self, Resolution, SslIni};

impl Doctor<'_> {
    pub(super) fn check_connector_ini(&mut self, path: &Path, ssl_ini_present: bool) {
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

    pub(super) fn check_ssl_ini(&mut self, path: &Path) {
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
}
