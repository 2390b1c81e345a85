//! Where things are in a scenario file: byte offsets to line:column, and key paths to spans, so
//! that every error, from the TOML parser or from our own checks, points at `file:line:col`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// A problem in a scenario file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The TOML file the problem is in (a scenario, or a serve config read with [`read_utf8`]).
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub at: Option<(usize, usize)>,
    /// What is wrong, and mostly what to write instead, after the key's path when there is one.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.file.display(), self.message)
            }
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The text of a scenario file, for locating errors in it.
pub struct Source<'a> {
    /// The file's path, as errors name it.
    pub file: &'a Path,
    /// The file's whole text, which byte offsets and spans point into.
    pub text: &'a str,
    /// `--set` overrides applied over the text: an error at a key one of them set names it.
    pub overrides: &'a [super::Override],
}

impl Source<'_> {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// An error at a byte range (or nowhere in particular).
    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_path_buf(),
            at: span.map(|s| self.line_col(s.start)),
            message: message.into(),
        }
    }

    /// An error at the value of `path` (e.g. `["calls", "rate"]`), or at its table when the key
    /// is absent (a default was used), or nowhere.
    pub fn error_at(&self, path: &[&str], message: impl Into<String>) -> ScenarioError {
        let message = format!("{}: {}", path.join("."), message.into());
        if let Some(o) = self.overrides.iter().rev().find(|o| o.covers(path)) {
            return ScenarioError {
                file: self.file.to_path_buf(),
                at: None,
                message: format!("{o}: {message}"),
            };
        }
        self.error(self.span_of(path), message)
    }

    /// The span of item `index` of an array of tables (`[[fault]]`).
    pub fn span_of_array_item(&self, key: &str, index: usize) -> Option<Range<usize>> {
        let root = DeTable::parse(self.text).ok()?;
        let (_, value) = root
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)?;
        match value.get_ref() {
            DeValue::Array(items) => items.get(index).map(|item| item.span()),
            _ => Some(value.span()),
        }
    }

    /// The span of the value at `path`, or of the deepest table on the way. A number in the
    /// path indexes an array (`["backend", "0", "servers", "1"]`).
    pub fn span_of(&self, path: &[&str]) -> Option<Range<usize>> {
        let root = DeTable::parse(self.text).ok()?;
        let mut table = root.get_ref();
        let mut best = None;
        let mut rest = path;
        while let Some((key, tail)) = rest.split_first() {
            let Some((_, mut value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)
            else {
                break;
            };
            rest = tail;
            // Step into arrays by index, as long as the path gives one.
            while let (DeValue::Array(items), Some(index)) = (
                value.get_ref(),
                rest.first().and_then(|i| i.parse::<usize>().ok()),
            ) {
                let Some(item) = items.get(index) else {
                    break;
                };
                value = item;
                rest = &rest[1..];
            }
            best = Some(value.span());
            match value.get_ref() {
                DeValue::Table(t) if !rest.is_empty() => table = t,
                _ => break,
            }
        }
        best
    }
}

/// Reads a TOML file (scenario or serve config) as UTF-8, which TOML requires. A file saved in
/// another encoding (Windows editors still write Latin-1) is refused at the first byte that is
/// not UTF-8, with its line and column and what to do.
pub fn read_utf8(path: &Path, what: &str) -> Result<String, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        at: None,
        message: format!("cannot read the {what}: {e}"),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        let byte = e.as_bytes().get(good.len()).copied().unwrap_or(0);
        ScenarioError {
            file: path.to_path_buf(),
            at: Some((line, col)),
            message: format!(
                "byte 0x{byte:02X} is not UTF-8: the {what} was saved in another encoding (Latin-1, Windows-1252?); save it as UTF-8"
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_key_spans() {
        let text = "[run]\ndeployment = \"direct\"\n\n[calls]\nrate = -1.0\n";
        let src = Source {
            file: Path::new("s.toml"),
            text,
            overrides: &[],
        };
        let e = src.error_at(&["calls", "rate"], "must be positive");
        assert_eq!(e.to_string(), "s.toml:5:8: calls.rate: must be positive");
        assert_eq!(src.line_col(0), (1, 1));
        let missing = src.error_at(&["calls", "patience"], "x");
        assert!(missing.at.is_some(), "points at the [calls] table");
        assert_eq!(src.error_at(&["proxy"], "x").at, None);
    }
}
