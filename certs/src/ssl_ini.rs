//! The connector's `ssl.ini`:
//!
//! ```ini
//! [SSL]
//! METHOD=0
//!
//! [SSL_SERVER_CLIENT]
//! CA_FILE=./ssl/(Company CA Certificate).pem
//! PEM_FILE=./ssl/(Connects for SAP Certificate).pem      ; or CRT_FILE=… and KEY_FILE=…
//! ```
//!
//! Paths may use `\` or `/`, be relative to the ini's folder (`./ssl/…`) or absolute Windows paths
//! (`C:\Program Files (x86)\…\ssl\x.pem`), and on Windows their case does not matter. Resolution
//! mimics that on any OS and says how each file was found.

use std::path::{Path, PathBuf};

use crate::error::CertError;
use crate::inifile::IniFile;
use crate::text::{LineEnding, TextEncoding};

/// Section `[SSL]`, which holds `METHOD`.
pub const SECTION_SSL: &str = "SSL";
/// Section `[SSL_SERVER_CLIENT]`: the CA file and the connector's certificate and key file(s).
pub const SECTION_SERVER_CLIENT: &str = "SSL_SERVER_CLIENT";
/// `[SSL] METHOD`: the guide always writes `METHOD=0` and documents no other value.
pub const KEY_METHOD: &str = "METHOD";
/// `CA_FILE`: the CA certificate(s) the connector trusts for SAP CRM's certificate.
pub const KEY_CA_FILE: &str = "CA_FILE";
/// `PEM_FILE`: the connector's certificate and private key in one PEM file.
pub const KEY_PEM_FILE: &str = "PEM_FILE";
/// `CRT_FILE`: the connector's certificate alone, used together with `KEY_FILE`.
pub const KEY_CRT_FILE: &str = "CRT_FILE";
/// `KEY_FILE`: the connector's private key alone, used together with `CRT_FILE`.
pub const KEY_KEY_FILE: &str = "KEY_FILE";

/// A value with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value as written in the ini.
    pub value: T,
    /// 1-based line number in the ini, for messages that point at the line.
    pub line: usize,
}

/// The settings of one `ssl.ini`.
#[derive(Debug, Clone)]
pub struct SslIni {
    /// The `ssl.ini` file this was read from; relative paths in it are resolved against its folder.
    pub path: PathBuf,
    /// `[SSL] METHOD` (the guide writes `0`), if set.
    pub method: Option<Located<String>>,
    /// `[SSL_SERVER_CLIENT] CA_FILE`, if set.
    pub ca_file: Option<Located<String>>,
    /// `[SSL_SERVER_CLIENT] PEM_FILE` (certificate and key in one file), if set.
    pub pem_file: Option<Located<String>>,
    /// `[SSL_SERVER_CLIENT] CRT_FILE` (certificate of the split layout), if set.
    pub crt_file: Option<Located<String>>,
    /// `[SSL_SERVER_CLIENT] KEY_FILE` (key of the split layout), if set.
    pub key_file: Option<Located<String>>,
    /// The whole file, for rewriting single values without losing anything else.
    pub ini: IniFile,
}

/// How a configured path was turned into a file on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The path exists exactly as written (relative to the ini's folder).
    Exact,
    /// Exists, but only with different letter case (Windows would not care; the seed itself writes
    /// "(CRM side CA Certificate).pem" in one place and "(CRM Side CA Certificate).pem" in another).
    CaseInsensitive,
    /// An absolute Windows path, mapped onto the ini's folder by its trailing components.
    WindowsAbsolute,
    /// Not found; `path` is where it was expected.
    Missing,
}

/// One file named in `ssl.ini`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFile {
    /// "CA_FILE", "PEM_FILE", "CRT_FILE" or "KEY_FILE".
    pub key: &'static str,
    /// The value as written.
    pub value: String,
    /// 1-based line of the key in `ssl.ini`.
    pub line: usize,
    /// Where the file is (or was expected).
    pub path: PathBuf,
    /// How `path` was found, or that it was not.
    pub resolution: Resolution,
}

impl ResolvedFile {
    /// Whether the file was found (any resolution but [`Resolution::Missing`]).
    pub fn exists(&self) -> bool {
        self.resolution != Resolution::Missing
    }
}

/// All files named in `ssl.ini`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedFiles {
    /// `CA_FILE`, if set.
    pub ca_file: Option<ResolvedFile>,
    /// `PEM_FILE`, if set.
    pub pem_file: Option<ResolvedFile>,
    /// `CRT_FILE`, if set.
    pub crt_file: Option<ResolvedFile>,
    /// `KEY_FILE`, if set.
    pub key_file: Option<ResolvedFile>,
}

impl ResolvedFiles {
    /// Every file, in the ini's order of importance.
    pub fn all(&self) -> Vec<&ResolvedFile> {
        [
            &self.ca_file,
            &self.pem_file,
            &self.crt_file,
            &self.key_file,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Which identity layout an `ssl.ini` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemLayout {
    /// `PEM_FILE`: certificate and key in one file.
    Single,
    /// `CRT_FILE` + `KEY_FILE`.
    Split,
}

/// What to write into a new `ssl.ini`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslIniSpec {
    /// The `[SSL] METHOD` value (the guide writes `0`).
    pub method: String,
    /// The `CA_FILE` value, as written into the ini (e.g. `./ssl/(Company CA Certificate).pem`).
    pub ca_file: String,
    /// `PEM_FILE` (Single) or `CRT_FILE` + `KEY_FILE` (Split).
    pub cert_file: String,
    /// `KEY_FILE` for the split layout; `None` writes `cert_file` as `PEM_FILE`.
    pub key_file: Option<String>,
}

/// Splits a configured path into components, accepting `\` and `/`.
fn components(value: &str) -> Vec<&str> {
    value
        .split(['\\', '/'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Whether the value is an absolute Windows path (`C:\…`, `\\server\share\…`).
pub fn is_windows_absolute(value: &str) -> bool {
    let b = value.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || value.starts_with("\\\\")
}

/// Finds `components` under `base`, exactly or ignoring case per component (as Windows would).
fn find_case_insensitive(base: &Path, components: &[&str]) -> Option<PathBuf> {
    let mut current = base.to_path_buf();
    for comp in components {
        if *comp == ".." {
            current.push("..");
            continue;
        }
        let exact = current.join(comp);
        if exact.exists() {
            current = exact;
            continue;
        }
        let entries = std::fs::read_dir(&current).ok()?;
        let found = entries
            .flatten()
            .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(comp))?;
        current = found.path();
    }
    Some(current)
}

/// Resolves a configured value relative to `base` (the ini's folder).
pub fn resolve_value(base: &Path, value: &str) -> (PathBuf, Resolution) {
    let comps = components(value);
    if is_windows_absolute(value) {
        // Drop the drive ("C:") or server/share, then try the longest trailing part that exists here.
        let skip = if value.starts_with("\\\\") { 2 } else { 1 };
        let rest: Vec<&str> = comps.iter().skip(skip).copied().collect();
        for start in 0..rest.len() {
            if let Some(p) = find_case_insensitive(base, &rest[start..]) {
                return (p, Resolution::WindowsAbsolute);
            }
        }
        let tail = rest.len().saturating_sub(2);
        let expected = rest[tail..]
            .iter()
            .fold(base.to_path_buf(), |p, c| p.join(c));
        return (expected, Resolution::Missing);
    }
    let literal: PathBuf = if value.starts_with('/') {
        comps.iter().fold(PathBuf::from("/"), |p, c| p.join(c))
    } else {
        comps.iter().fold(base.to_path_buf(), |p, c| p.join(c))
    };
    if literal.is_file() {
        return (literal, Resolution::Exact);
    }
    let (root, rel) = if value.starts_with('/') {
        (PathBuf::from("/"), comps)
    } else {
        (base.to_path_buf(), comps)
    };
    match find_case_insensitive(&root, &rel) {
        Some(p) if p.is_file() => (p, Resolution::CaseInsensitive),
        _ => (literal, Resolution::Missing),
    }
}

fn located(ini: &IniFile, section: &str, key: &str) -> Option<Located<String>> {
    ini.get(section, key).map(|e| Located {
        value: e.value.clone(),
        line: e.line,
    })
}

impl SslIni {
    /// Reads an `ssl.ini`.
    pub fn load(path: &Path) -> Result<SslIni, CertError> {
        Ok(SslIni::from_ini(IniFile::load(path)?))
    }

    /// Interprets an already parsed ini.
    pub fn from_ini(ini: IniFile) -> SslIni {
        SslIni {
            path: ini.path.clone(),
            method: located(&ini, SECTION_SSL, KEY_METHOD),
            ca_file: located(&ini, SECTION_SERVER_CLIENT, KEY_CA_FILE),
            pem_file: located(&ini, SECTION_SERVER_CLIENT, KEY_PEM_FILE),
            crt_file: located(&ini, SECTION_SERVER_CLIENT, KEY_CRT_FILE),
            key_file: located(&ini, SECTION_SERVER_CLIENT, KEY_KEY_FILE),
            ini,
        }
    }

    /// The folder the paths are relative to.
    pub fn folder(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Which layout the file declares; `Err` names the line(s) when it is ambiguous or incomplete.
    pub fn pem_layout(&self) -> Result<PemLayout, CertError> {
        match (&self.pem_file, &self.crt_file, &self.key_file) {
            (Some(p), Some(c), _) => Err(CertError::Ini {
                path: self.path.clone(),
                line: p.line.max(c.line),
                detail: format!(
                    "both PEM_FILE (line {}) and CRT_FILE (line {}) are set; keep PEM_FILE (cert + key in one file) or CRT_FILE + KEY_FILE, not both",
                    p.line, c.line
                ),
            }),
            (Some(_), None, _) => Ok(PemLayout::Single),
            (None, Some(_), Some(_)) => Ok(PemLayout::Split),
            (None, Some(c), None) => Err(CertError::Ini {
                path: self.path.clone(),
                line: c.line,
                detail: "CRT_FILE is set but KEY_FILE is not; add KEY_FILE=./ssl/<key file>.pem"
                    .to_string(),
            }),
            (None, None, _) => Err(CertError::MissingIniKey {
                path: self.path.clone(),
                section: SECTION_SERVER_CLIENT.to_string(),
                key: "PEM_FILE (or CRT_FILE + KEY_FILE)".to_string(),
            }),
        }
    }

    fn resolve_one(&self, key: &'static str, v: &Option<Located<String>>) -> Option<ResolvedFile> {
        v.as_ref().map(|v| {
            let (path, resolution) = resolve_value(&self.folder(), &v.value);
            ResolvedFile {
                key,
                value: v.value.clone(),
                line: v.line,
                path,
                resolution,
            }
        })
    }

    /// Resolves every configured file relative to the ini's folder.
    pub fn resolve(&self) -> ResolvedFiles {
        ResolvedFiles {
            ca_file: self.resolve_one(KEY_CA_FILE, &self.ca_file),
            pem_file: self.resolve_one(KEY_PEM_FILE, &self.pem_file),
            crt_file: self.resolve_one(KEY_CRT_FILE, &self.crt_file),
            key_file: self.resolve_one(KEY_KEY_FILE, &self.key_file),
        }
    }

    /// Loads the identity and trust store the file describes.
    pub fn load_tls(&self) -> Result<(crate::Identity, crate::TrustStore), CertError> {
        let files = self.resolve();
        let missing = |key: &str| CertError::MissingIniKey {
            path: self.path.clone(),
            section: SECTION_SERVER_CLIENT.to_string(),
            key: key.to_string(),
        };
        let not_found = |f: &ResolvedFile| CertError::Ini {
            path: self.path.clone(),
            line: f.line,
            detail: format!(
                "{}={} points to {}, which does not exist; run `crmsim certs check {}` to find it",
                f.key,
                f.value,
                f.path.display(),
                self.path.display()
            ),
        };
        let ca = files.ca_file.as_ref().ok_or_else(|| missing(KEY_CA_FILE))?;
        if !ca.exists() {
            return Err(not_found(ca));
        }
        let (cert, key) = match self.pem_layout()? {
            PemLayout::Single => (
                files
                    .pem_file
                    .as_ref()
                    .ok_or_else(|| missing(KEY_PEM_FILE))?,
                None,
            ),
            PemLayout::Split => (
                files
                    .crt_file
                    .as_ref()
                    .ok_or_else(|| missing(KEY_CRT_FILE))?,
                Some(
                    files
                        .key_file
                        .as_ref()
                        .ok_or_else(|| missing(KEY_KEY_FILE))?,
                ),
            ),
        };
        for f in std::iter::once(cert).chain(key) {
            if !f.exists() {
                return Err(not_found(f));
            }
        }
        let identity = crate::identity::Identity::load(&cert.path, key.map(|k| k.path.as_path()))?;
        let trust = crate::identity::TrustStore::load(&ca.path)?;
        Ok((identity, trust))
    }

    /// A fresh `ssl.ini` as the guide writes it.
    pub fn build(path: &Path, spec: &SslIniSpec, encoding: TextEncoding) -> IniFile {
        let mut ini = IniFile::new(path, encoding, LineEnding::CrLf);
        ini.push_line(&format!("[{SECTION_SSL}]"));
        ini.set(SECTION_SSL, KEY_METHOD, &spec.method);
        ini.push_line("");
        ini.push_line(&format!("[{SECTION_SERVER_CLIENT}]"));
        ini.set(SECTION_SERVER_CLIENT, KEY_CA_FILE, &spec.ca_file);
        match &spec.key_file {
            None => ini.set(SECTION_SERVER_CLIENT, KEY_PEM_FILE, &spec.cert_file),
            Some(key) => {
                ini.set(SECTION_SERVER_CLIENT, KEY_CRT_FILE, &spec.cert_file);
                ini.set(SECTION_SERVER_CLIENT, KEY_KEY_FILE, key);
            }
        }
        ini
    }

    /// Writes a fresh `ssl.ini` (CRLF, in `encoding`).
    pub fn write(path: &Path, spec: &SslIniSpec, encoding: TextEncoding) -> Result<(), CertError> {
        SslIni::build(path, spec, encoding).save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_absolute_paths_are_recognised() {
        assert!(is_windows_absolute("C:\\Program Files (x86)\\x.pem"));
        assert!(is_windows_absolute("d:/x.pem"));
        assert!(is_windows_absolute("\\\\server\\share\\x.pem"));
        assert!(!is_windows_absolute("./ssl/x.pem"));
        assert!(!is_windows_absolute("ssl\\x.pem"));
    }

    #[test]
    fn layout_conflicts_name_the_lines() {
        let ini = IniFile::parse(
            "[SSL_SERVER_CLIENT]\nCA_FILE=a\nPEM_FILE=b\nCRT_FILE=c\n",
            Path::new("ssl.ini"),
            TextEncoding::Utf8,
        );
        let err = SslIni::from_ini(ini).pem_layout().unwrap_err();
        assert!(err.to_string().contains("ssl.ini:4"), "{err}");
    }
}
