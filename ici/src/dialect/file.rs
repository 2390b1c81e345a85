//! The dialect file as written: TOML tables with XML templates in them, and the located errors
//! of loading one.
//!
//! Every table refuses unknown keys, so a misspelt `conector_path` is an error with its line, not
//! a default silently kept.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    pub(crate) dialect: Meta,
    #[serde(default)]
    pub(crate) soap: Soap,
    #[serde(default)]
    pub(crate) http: Http,
    #[serde(default)]
    pub(crate) values: Values,
    #[serde(default)]
    pub(crate) namespaces: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub(crate) vocabulary: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Words>>,
    #[serde(default)]
    pub(crate) operations: BTreeMap<Spanned<String>, Op>,
    pub(crate) fault: Option<FaultTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Soap {
    #[serde(default = "soap_version")]
    pub(crate) version: Spanned<String>,
    #[serde(default = "soap_prefix")]
    pub(crate) prefix: String,
    #[serde(default = "yes")]
    pub(crate) xml_declaration: bool,
    #[serde(default)]
    pub(crate) soap_action: Option<Spanned<String>>,
    #[serde(default = "action")]
    pub(crate) action: Spanned<String>,
    #[serde(default)]
    pub(crate) header: Option<Spanned<String>>,
}

impl Default for Soap {
    fn default() -> Soap {
        Soap {
            version: soap_version(),
            prefix: soap_prefix(),
            xml_declaration: true,
            soap_action: None,
            action: action(),
            header: None,
        }
    }
}

fn soap_version() -> Spanned<String> {
    Spanned::new(0..0, "1.1".to_owned())
}

fn soap_prefix() -> String {
    "soapenv".to_owned()
}

fn yes() -> bool {
    true
}

fn action() -> Spanned<String> {
    Spanned::new(0..0, "{namespace}#{element}".to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Http {
    #[serde(default = "connector_path")]
    pub(crate) connector_path: Spanned<String>,
    #[serde(default = "event_path")]
    pub(crate) event_path: Spanned<String>,
    #[serde(default)]
    pub(crate) user_header: Option<Spanned<String>>,
}

impl Default for Http {
    fn default() -> Http {
        Http {
            connector_path: connector_path(),
            event_path: event_path(),
            user_header: None,
        }
    }
}

fn connector_path() -> Spanned<String> {
    Spanned::new(0..0, "/ici".to_owned())
}

fn event_path() -> Spanned<String> {
    Spanned::new(0..0, "/sap/bc/crm/ici/events".to_owned())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Values {
    #[serde(default)]
    pub(crate) timestamp: Option<Spanned<String>>,
    /// Local names of elements and attributes whose values are secret: a recorder masks them.
    #[serde(default)]
    pub(crate) secret: Vec<Spanned<String>>,
}

/// One wire word, or several (the first is written, all are read).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    pub(crate) fn list(&self) -> Vec<String> {
        match self {
            Words::One(w) => vec![w.clone()],
            Words::Many(ws) => ws.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Op {
    pub(crate) request: Option<Spanned<String>>,
    pub(crate) response: Option<Spanned<String>>,
    pub(crate) event: Option<Spanned<String>>,
    pub(crate) ack: Option<Spanned<String>>,
    pub(crate) soap_action: Option<Spanned<String>>,
    pub(crate) action: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) unsupported: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultTable {
    pub(crate) template: Spanned<String>,
}

/// A dialect file that cannot be used, with where and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DialectError {
    /// The file (or `built-in`) the error is in.
    pub file: String,
    /// 1-based line and column; 0 when the error concerns the file as a whole.
    pub line: usize,
    /// 1-based column, counted in characters; 0 with `line`.
    pub column: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// Turns byte offsets in the file into located errors.
#[derive(Clone, Copy)]
pub(crate) struct Origin<'t> {
    pub(crate) file: &'t str,
    pub(crate) text: &'t str,
}

impl Origin<'_> {
    pub(crate) fn at(&self, byte: usize, message: impl Into<String>) -> DialectError {
        let (line, column) = if byte == 0 && self.text.is_empty() {
            (0, 0)
        } else {
            line_column(self.text, byte)
        };
        DialectError {
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error about a value whose span is known (or `0..0` for a default).
    pub(crate) fn span<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> DialectError {
        let span = value.span();
        if span.start == 0 && span.end == 0 {
            DialectError {
                file: self.file.to_owned(),
                line: 0,
                column: 0,
                message: message.into(),
            }
        } else {
            self.at(span.start, message)
        }
    }

    pub(crate) fn whole(&self, message: impl Into<String>) -> DialectError {
        DialectError {
            file: self.file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// Where the characters of a string value begin in the file: after its opening quotes and,
    /// for a multi-line string, the newline TOML trims right after them.
    pub(crate) fn content_start(&self, value: &Spanned<String>) -> usize {
        let start = value.span().start;
        let rest = self.text.get(start..).unwrap_or_default();
        let quotes = if rest.starts_with("'''") || rest.starts_with("\"\"\"") {
            3
        } else if rest.starts_with('\'') || rest.starts_with('"') {
            1
        } else {
            0
        };
        let after = rest.get(quotes..).unwrap_or_default();
        let newline = if quotes == 3 && after.starts_with("\r\n") {
            2
        } else if quotes == 3 && after.starts_with('\n') {
            1
        } else {
            0
        };
        start + quotes + newline
    }
}

fn line_column(text: &str, byte: usize) -> (usize, usize) {
    let end = byte.min(text.len());
    let before = text.get(..end).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}
