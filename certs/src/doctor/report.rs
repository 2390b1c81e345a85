//! The doctor's findings and how they are shown (human text or JSON) and turned into an exit code.

use std::path::PathBuf;

use serde::Serialize;

/// How bad a finding is. Only errors fail the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, nothing to fix (e.g. a certificate summary).
    Info,
    /// Probably a problem, or one in some setups; does not fail the check.
    Warning,
    /// Breaks the connection as configured; fails the check (exit code 1).
    Error,
}

/// One thing the doctor noticed, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Stable identifier (see [`super::codes`]).
    pub code: &'static str,
    /// The file it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The line in `file`, when it came from an ini file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What was found, in one line.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Finding {
    /// A finding not yet attached to a file (see [`Finding::at`]).
    pub fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code,
            file: None,
            line: None,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An error finding (fails the check).
    pub fn error(code: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Finding::new(Severity::Error, code, message, hint)
    }

    /// A warning finding.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Finding::new(Severity::Warning, code, message, hint)
    }

    /// An informational finding.
    pub fn info(code: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Finding::new(Severity::Info, code, message, hint)
    }

    /// Attaches the finding to `file` and, for ini files, a line.
    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<usize>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }
}

/// Everything the doctor found about one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What was checked.
    pub target: PathBuf,
    /// Every finding, in the order they were found.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Number of error findings.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warning findings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// 0 when there is no error (warnings and infos allowed), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.errors() > 0 { 1 } else { 0 }
    }

    /// Whether a finding with this code was reported.
    pub fn has(&self, code: &str) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The findings with this code.
    pub fn with_code(&self, code: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.code == code).collect()
    }

    /// One block per finding, most severe first, each with its fix; then a one-line verdict.
    pub fn render_human(&self) -> String {
        let mut sorted: Vec<&Finding> = self.findings.iter().collect();
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let mut out = format!("crmsim certs check {}\n\n", self.target.display());
        for f in sorted {
            let label = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            out.push_str(&format!("{label}[{}]: {}\n", f.code, f.message));
            if let Some(file) = &f.file {
                match f.line {
                    Some(line) => out.push_str(&format!("  --> {}:{line}\n", file.display())),
                    None => out.push_str(&format!("  --> {}\n", file.display())),
                }
            }
            if !f.hint.is_empty() {
                for (i, line) in f.hint.lines().enumerate() {
                    let prefix = match (i, f.severity) {
                        (0, Severity::Info) => "  note: ",
                        (0, _) => "  fix: ",
                        (_, Severity::Info) => "        ",
                        _ => "       ",
                    };
                    out.push_str(&format!("{prefix}{line}\n"));
                }
            }
            out.push('\n');
        }
        let verdict = if self.errors() > 0 { "FAILED" } else { "OK" };
        out.push_str(&format!(
            "{verdict}: {} error(s), {} warning(s)\n",
            self.errors(),
            self.warnings()
        ));
        out
    }
}
