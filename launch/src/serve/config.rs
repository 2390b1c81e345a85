//! What both serve config files share: reading them strictly with `file:line:col` errors, paths
//! relative to the config file's folder, the `[tls]` table, and host-name overrides.
//!
//! The files are TOML and as strict as scenarios: an unknown key is an error, because a typo
//! silently ignored means a simulator that behaves otherwise than its operator thinks.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use scenario::{ScenarioError, Source};

/// A config file's text, kept to locate errors in it and to resolve the paths it names.
pub struct ConfigFile {
    /// The file as given.
    pub path: PathBuf,
    /// Its whole text.
    pub text: String,
}

impl ConfigFile {
    /// Reads the file; an unreadable file is a config error naming it.
    pub fn read(path: &Path) -> Result<ConfigFile, ScenarioError> {
        let text = scenario::read_utf8(path, "config file")?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The file as a source that errors can point into (`file:line:col`).
    pub fn source(&self) -> Source<'_> {
        Source {
            file: &self.path,
            text: &self.text,
            overrides: &[],
        }
    }

    /// Deserializes the whole file; TOML and type errors point at `file:line:col`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        toml::from_str(&self.text)
            .map_err(|e| self.source().error(e.span(), e.message().trim().to_owned()))
    }

    /// An error at the value of `key` (e.g. `["events", "timeout"]`).
    pub fn error_at(&self, key: &[&str], message: impl Into<String>) -> ScenarioError {
        self.source().error_at(key, message)
    }

    /// A path written in the file, relative to the file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.path.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// The folder `key` names, which must exist.
    pub fn folder(&self, key: &[&str], path: &Path, what: &str) -> Result<PathBuf, ScenarioError> {
        let resolved = self.resolve(path);
        if resolved.is_dir() {
            return Ok(resolved);
        }
        Err(self.error_at(
            key,
            format!(
                "{} is not a folder (paths are relative to the config file's folder); give {what}",
                resolved.display()
            ),
        ))
    }

    /// The file `key` names, which must exist.
    pub fn file(&self, key: &[&str], path: &Path) -> Result<PathBuf, ScenarioError> {
        let resolved = self.resolve(path);
        if resolved.is_file() {
            return Ok(resolved);
        }
        Err(self.error_at(
            key,
            format!(
                "{} does not exist (paths are relative to the config file's folder)",
                resolved.display()
            ),
        ))
    }
}

pub use plan::{Hosts, TlsTable, resolve_list};

/// A value in 0..=1, or an error at `key`.
pub fn check_fraction(file: &ConfigFile, key: &[&str], value: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&value) {
        return Ok(());
    }
    Err(file.error_at(key, format!("{value} is not a fraction between 0 and 1")))
}

/// Work-mode reason codes must be above 999 (the connector guide's rule).
pub fn check_reasons(file: &ConfigFile, key: &[&str], codes: &[u16]) -> Result<(), ScenarioError> {
    for code in codes {
        if let Err(e) = ici::ReasonCode::new(*code) {
            return Err(file.error_at(key, e.to_string()));
        }
    }
    Ok(())
}

/// `AgentLoginType` values the connector documents.
pub fn check_login_type(file: &ConfigFile, key: &[&str], value: u8) -> Result<(), ScenarioError> {
    if [0, 1, 2, 5].contains(&value) {
        return Ok(());
    }
    Err(file.error_at(
        key,
        format!("AgentLoginType {value} is not documented; use 0, 1, 2 or 5"),
    ))
}

/// Host names in overrides must at least look like names.
pub fn check_hosts(file: &ConfigFile, key: &[&str], hosts: &Hosts) -> Result<(), ScenarioError> {
    for name in hosts.keys() {
        if name.is_empty() || name.contains([':', '/', ' ']) {
            return Err(file.error_at(key, format!("{name:?} is not a host name")));
        }
    }
    Ok(())
}

/// Loads the dialect file a serve config names (`dialect = "…"`, relative to the config file).
pub fn load_dialect(
    file: &ConfigFile,
    path: &Path,
) -> Result<std::sync::Arc<ici::Dialect>, ScenarioError> {
    ici::Dialect::load(&file.resolve(path))
        .map(std::sync::Arc::new)
        .map_err(|e| file.error_at(&["dialect"], e.to_string()))
}
