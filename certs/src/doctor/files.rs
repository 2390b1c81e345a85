//! Finding and opening the files a configuration names, and saying precisely what is wrong with them.

use std::path::{Path, PathBuf};

use super::codes;
use super::report::Finding;
use crate::pem::{DerKind, FileFormat, PemContents, parse_pem_text, sniff};

/// A file to check and, when it came from an ini, where it was named.
#[derive(Debug, Clone)]
pub(crate) struct FileRef {
    /// "CA_FILE", "PEM_FILE", … or a plain description ("certificate file").
    pub role: String,
    pub path: PathBuf,
    /// (ini file, line) that named it.
    pub named_at: Option<(PathBuf, usize)>,
    /// The value as written in the ini.
    pub value: Option<String>,
}

impl FileRef {
    pub fn plain(role: &str, path: &Path) -> FileRef {
        FileRef {
            role: role.to_string(),
            path: path.to_path_buf(),
            named_at: None,
            value: None,
        }
    }

    /// A finding located at the ini line that names the file, or at the file itself.
    pub fn locate(&self, f: Finding) -> Finding {
        match &self.named_at {
            Some((ini, line)) => f.at(ini, Some(*line)),
            None => f.at(&self.path, None),
        }
    }
}

fn name_matches(entry: &Path, wanted: &str) -> bool {
    entry
        .file_name()
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(wanted))
}

fn files_in(dir: &Path, wanted: &str, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() && name_matches(&p, wanted) && !out.contains(&p) {
                out.push(p);
            }
        }
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Where else a file called `file_name` exists (any case): the ini's folder, its subfolders (`SAP\`,
/// `ssl\`, …), its parent and the parent's other subfolders. The guide itself lists the files under
/// `SAP\` while `ssl.ini` points to `./ssl/`, so this is the first thing to look at.
pub(crate) fn search_elsewhere(base: &Path, file_name: &str, expected: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    files_in(base, file_name, &mut found);
    for d in subdirs(base) {
        files_in(&d, file_name, &mut found);
        for dd in subdirs(&d) {
            files_in(&dd, file_name, &mut found);
        }
    }
    if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
        files_in(parent, file_name, &mut found);
        for d in subdirs(parent) {
            if d != base {
                files_in(&d, file_name, &mut found);
            }
        }
    }
    found.retain(|p| p != expected);
    found
}

/// Relative path from `base` to `p` with `/`, as it would be written in ssl.ini ("./SAP/x.pem").
pub(crate) fn ini_style(base: &Path, p: &Path) -> String {
    match p.strip_prefix(base) {
        Ok(rel) => format!(
            "./{}",
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        ),
        Err(_) => p.display().to_string(),
    }
}

/// A key that must name a PEM file names a folder: say so, with the PEM files in it.
fn folder_named(file: &FileRef, base: &Path, written: &str) -> Finding {
    let mut pems: Vec<String> = std::fs::read_dir(&file.path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| {
                        ["pem", "crt", "cer"]
                            .iter()
                            .any(|x| e.eq_ignore_ascii_case(x))
                    })
                })
                .map(|p| format!("{}={}", file.role, ini_style(base, &p)))
                .collect()
        })
        .unwrap_or_default();
    pems.sort();
    let hint = if pems.is_empty() {
        format!(
            "{} must name a PEM file, not a folder; the folder holds none.",
            file.role
        )
    } else {
        format!(
            "{} must name a PEM file, not a folder. The folder holds:\n  {}",
            file.role,
            pems.join("\n  ")
        )
    };
    Finding::error(
        codes::FILE_IS_FOLDER,
        format!(
            "{} names a folder, not a file: {}{written}",
            file.role,
            file.path.display()
        ),
        hint,
    )
}

/// The "file missing" finding, with where a file of that name does exist.
pub(crate) fn missing(file: &FileRef, base: &Path) -> Finding {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let written = file
        .value
        .as_deref()
        .map(|v| format!(" ({}={v})", file.role))
        .unwrap_or_default();
    if file.path.is_dir() {
        return file.locate(folder_named(file, base, &written));
    }
    let message = format!("{} not found: {}{written}", file.role, file.path.display());
    let elsewhere = search_elsewhere(base, &name, &file.path);
    let hint = if elsewhere.is_empty() {
        format!(
            "No file named {name:?} exists in {} or the folders next to it. Copy the file to {} or correct {}.",
            base.display(),
            file.path.display(),
            file.role
        )
    } else {
        let list: Vec<String> = elsewhere
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect();
        let first = &elsewhere[0];
        let dest_dir = file
            .path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format!(
            "A file of that name exists at:\n{}\nEither move it to {dest_dir} or set {}={} in ssl.ini.",
            list.join("\n"),
            file.role,
            ini_style(base, first)
        )
    };
    file.locate(Finding::error(codes::FILE_MISSING, message, hint))
}

/// How to convert a DER file, for hints.
pub(crate) fn convert_hint(path: &Path, kind: DerKind) -> String {
    let out = path.with_extension("pem");
    let openssl = match kind {
        DerKind::PrivateKey => format!(
            "openssl pkey -inform DER -in \"{}\" -out \"{}\"",
            path.display(),
            out.display()
        ),
        _ => format!(
            "openssl x509 -inform DER -in \"{}\" -out \"{}\"",
            path.display(),
            out.display()
        ),
    };
    format!(
        "Convert it to PEM: crmsim certs convert \"{}\" \"{}\"\n(or: {openssl}), then point the ini at the .pem file.\nOn Windows: open the certificate, Details > Copy to File > \"Base-64 encoded X.509 (.CER)\".",
        path.display(),
        out.display()
    )
}

/// Opens a PEM file for checking; every problem becomes a finding and `None`.
pub(crate) fn open_pem(file: &FileRef, findings: &mut Vec<Finding>) -> Option<PemContents> {
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            findings.push(file.locate(Finding::error(
                codes::FILE_MISSING,
                format!(
                    "{} cannot be read: {} ({e})",
                    file.role,
                    file.path.display()
                ),
                "Check that the file exists and that this user may read it.",
            )));
            return None;
        }
    };
    let at_file = |f: Finding| f.at(&file.path, None);
    match sniff(&bytes) {
        FileFormat::Der(kind) => {
            let what = match kind {
                DerKind::Certificate => "a DER (binary) certificate",
                DerKind::PrivateKey => "a DER (binary) private key",
                DerKind::EncryptedPrivateKey => "a DER (binary) encrypted private key",
                DerKind::Unknown => "binary DER data",
            };
            findings.push(at_file(Finding::error(
                codes::DER_NOT_PEM,
                format!(
                    "{} holds {what}, but the connector needs PEM (ASCII)",
                    file.role
                ),
                convert_hint(&file.path, kind),
            )));
            return None;
        }
        FileFormat::Empty => {
            findings.push(at_file(Finding::error(
                codes::PEM_INVALID,
                format!("{} is empty", file.role),
                "Put the PEM certificate (and key) into the file.",
            )));
            return None;
        }
        FileFormat::Unknown => {
            findings.push(at_file(Finding::error(
                codes::PEM_INVALID,
                format!("{} is neither PEM nor DER", file.role),
                "A PEM file is text with \"-----BEGIN CERTIFICATE-----\" blocks; export the certificate again as Base-64 (PEM).",
            )));
            return None;
        }
        FileFormat::Pem => {}
    }
    match parse_pem_text(&bytes, &file.path) {
        Ok(contents) => {
            if file
                .path
                .extension()
                .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("cer"))
            {
                findings.push(at_file(Finding::info(
                    codes::CER_HOLDS_PEM,
                    format!("{} is named .cer but already holds PEM text", file.role),
                    "Nothing to convert; renaming it to .pem avoids confusion with binary .cer files.",
                )));
            }
            Some(contents)
        }
        Err(crate::CertError::BadCertificate { detail, .. }) => {
            findings.push(at_file(Finding::error(
                codes::CERT_UNPARSABLE,
                format!("{}: {detail}", file.role),
                "Every CERTIFICATE block must hold one X.509 certificate and nothing else: export the certificate (and its chain) again as PEM, and remove blocks that are not certificates.",
            )));
            None
        }
        Err(crate::CertError::BadPem { detail, .. }) => {
            findings.push(at_file(Finding::error(
                codes::PEM_INVALID,
                format!("{} is not valid PEM: {detail}", file.role),
                "Each block must run from \"-----BEGIN X-----\" to \"-----END X-----\" with base64 in between; export the file again.",
            )));
            None
        }
        Err(e) => {
            findings.push(at_file(Finding::error(
                codes::PEM_INVALID,
                format!("{} is not valid PEM: {e}", file.role),
                "Each block must run from \"-----BEGIN X-----\" to \"-----END X-----\" with base64 in between; export the file again.",
            )));
            None
        }
    }
}
