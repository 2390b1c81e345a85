//! Windows-style ini files, read and rewritten the way the connector's own files look.
//!
//! Reading accepts what Windows produces (see [`crate::text`]), CRLF or LF, `;` and `#` comments, any
//! case of section and key names, and values in double quotes. Every key remembers its line so that
//! errors can say `file:line`. Rewriting a value changes that one line and nothing else: unknown
//! sections, keys, comments, order, encoding and line endings stay as they were, because these are
//! the customer's production files.

use std::path::{Path, PathBuf};

use crate::error::CertError;
use crate::text::{self, LineEnding, TextEncoding};

/// One `key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key as written (original case).
    pub key: String,
    /// The value, trimmed, with one pair of surrounding double quotes removed (as Windows does).
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// One `[section]` with its entries in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name as written; empty for keys before the first section header.
    pub name: String,
    /// 1-based line of the header (0 for the implicit leading section).
    pub line: usize,
    /// The `key=value` lines of this section, in file order.
    pub entries: Vec<Entry>,
}

impl Section {
    /// The first entry with this key, case-insensitively (Windows' GetPrivateProfileString does the same).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// Every entry with this key (duplicates are worth reporting).
    pub fn get_all(&self, key: &str) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.key.eq_ignore_ascii_case(key))
            .collect()
    }
}

/// A parsed ini file that can be rewritten without losing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniFile {
    /// Where the file was read from and where [`IniFile::save`] writes it.
    pub path: PathBuf,
    /// The encoding it was read in, kept so a rewrite goes back to the connector the same way.
    pub encoding: TextEncoding,
    /// The line endings it was read with (CRLF or LF), kept for rewriting.
    pub line_ending: LineEnding,
    lines: Vec<String>,
    trailing_newline: bool,
    sections: Vec<Section>,
    /// Lines that are neither blank, comment, section header nor `key=value` (1-based line, text).
    pub unparsed: Vec<(usize, String)>,
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

impl IniFile {
    /// An empty file that will be written with the given encoding and line endings.
    pub fn new(path: &Path, encoding: TextEncoding, line_ending: LineEnding) -> IniFile {
        IniFile {
            path: path.to_path_buf(),
            encoding,
            line_ending,
            lines: Vec::new(),
            trailing_newline: true,
            sections: Vec::new(),
            unparsed: Vec::new(),
        }
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<IniFile, CertError> {
        let bytes = std::fs::read(path).map_err(|e| CertError::read(path, e))?;
        IniFile::from_bytes(&bytes, path)
    }

    /// Parses bytes in any supported encoding; `path` names the file in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<IniFile, CertError> {
        let (text, encoding) = text::decode(bytes).map_err(|detail| CertError::Encoding {
            path: path.to_path_buf(),
            detail,
        })?;
        Ok(IniFile::parse(&text, path, encoding))
    }

    /// Parses text that was already decoded.
    pub fn parse(text: &str, path: &Path, encoding: TextEncoding) -> IniFile {
        let line_ending = LineEnding::detect(text);
        let trailing_newline = text.ends_with('\n') || text.is_empty();
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
                .collect()
        };
        let mut ini = IniFile {
            path: path.to_path_buf(),
            encoding,
            line_ending,
            lines,
            trailing_newline,
            sections: Vec::new(),
            unparsed: Vec::new(),
        };
        ini.reparse();
        ini
    }

    fn reparse(&mut self) {
        let mut sections = vec![Section {
            name: String::new(),
            line: 0,
            entries: Vec::new(),
        }];
        let mut unparsed = Vec::new();
        for (i, raw) in self.lines.iter().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                match rest.find(']') {
                    Some(end) => sections.push(Section {
                        name: rest[..end].trim().to_string(),
                        line: line_no,
                        entries: Vec::new(),
                    }),
                    None => unparsed.push((line_no, raw.clone())),
                }
                continue;
            }
            match line.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => {
                    if let Some(section) = sections.last_mut() {
                        section.entries.push(Entry {
                            key: key.trim().to_string(),
                            value: unquote(value).to_string(),
                            line: line_no,
                        });
                    }
                }
                _ => unparsed.push((line_no, raw.clone())),
            }
        }
        self.sections = sections;
        self.unparsed = unparsed;
    }

    /// All sections in file order (the first is the implicit leading one, usually empty).
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The first section with this name, case-insensitively.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.line > 0 && s.name.eq_ignore_ascii_case(name))
    }

    /// The entry `key` in `section`, case-insensitively.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.section(section).and_then(|s| s.get(key))
    }

    /// Sets `key` in `section` to `value`: rewrites the existing line (keeping the key's spelling and
    /// spacing), or appends a line at the end of the section, or appends the section.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        if let Some(entry) = self.get(section, key) {
            let idx = entry.line - 1;
            let raw = &self.lines[idx];
            let prefix_end = raw.find('=').map_or(raw.len(), |p| p + 1);
            let prefix = &raw[..prefix_end];
            let spacing: String = raw[prefix_end..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            self.lines[idx] = format!("{prefix}{spacing}{value}");
        } else if let Some(sec) = self.section(section) {
            let after = sec.entries.last().map_or(sec.line, |e| e.line);
            self.lines.insert(after, format!("{key}={value}"));
        } else {
            if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
                self.lines.push(String::new());
            }
            self.lines.push(format!("[{section}]"));
            self.lines.push(format!("{key}={value}"));
        }
        self.reparse();
    }

    /// Removes every `key` line in `section`; returns how many were removed.
    pub fn remove(&mut self, section: &str, key: &str) -> usize {
        let Some(sec) = self.section(section) else {
            return 0;
        };
        let mut idxs: Vec<usize> = sec.get_all(key).iter().map(|e| e.line - 1).collect();
        idxs.sort_unstable();
        for idx in idxs.iter().rev() {
            self.lines.remove(*idx);
        }
        self.reparse();
        idxs.len()
    }

    /// Appends a raw line (a comment, a blank line, a section header…).
    pub fn push_line(&mut self, line: &str) {
        self.lines.push(line.to_string());
        self.reparse();
    }

    /// The text with the file's line endings.
    pub fn to_text(&self) -> String {
        let mut out = self.lines.join(self.line_ending.as_str());
        if self.trailing_newline && !self.lines.is_empty() {
            out.push_str(self.line_ending.as_str());
        }
        out
    }

    /// The bytes in the file's encoding. Windows-1252 cannot hold every character: such text is
    /// refused rather than silently written as `&#…;`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CertError> {
        let text = self.to_text();
        if self.encoding == TextEncoding::Windows1252 {
            let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
            if unmappable {
                return Err(CertError::Encoding {
                    path: self.path.clone(),
                    detail: "the text has characters that Windows-1252 (ANSI) cannot hold"
                        .to_string(),
                });
            }
        }
        Ok(text::encode(&text, self.encoding))
    }

    /// Writes the file back to its own path.
    pub fn save(&self) -> Result<(), CertError> {
        self.save_to(&self.path)
    }

    /// Writes the file to `path`.
    pub fn save_to(&self, path: &Path) -> Result<(), CertError> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|e| CertError::write(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "; written by hand\r\n[SSL]\r\nMETHOD = 0\r\n\r\n[ssl_server_client]\r\nca_file=\"./ssl/(Company CA Certificate).pem\"\r\n# comment\r\nPEM_FILE=./ssl/(Connects for SAP Certificate).pem\r\nOther=keep me\r\n";

    fn sample() -> IniFile {
        IniFile::parse(SAMPLE, Path::new("ssl.ini"), TextEncoding::Utf8)
    }

    #[test]
    fn keys_and_sections_are_found_case_insensitively_with_lines() {
        let ini = sample();
        assert_eq!(ini.line_ending, LineEnding::CrLf);
        let method = ini.get("ssl", "method").unwrap();
        assert_eq!((method.value.as_str(), method.line), ("0", 3));
        let ca = ini.get("SSL_SERVER_CLIENT", "CA_FILE").unwrap();
        assert_eq!(ca.value, "./ssl/(Company CA Certificate).pem");
        assert_eq!(ca.line, 6);
        assert_eq!(ini.get("SSL_SERVER_CLIENT", "PEM_FILE").unwrap().line, 8);
    }

    #[test]
    fn setting_one_value_changes_only_that_line() {
        let mut ini = sample();
        ini.set("SSL", "METHOD", "1");
        assert_eq!(ini.to_text(), SAMPLE.replace("METHOD = 0", "METHOD = 1"));
        ini.set("SSL_SERVER_CLIENT", "KEY_FILE", "k.pem");
        assert!(
            ini.to_text()
                .contains("Other=keep me\r\nKEY_FILE=k.pem\r\n")
        );
        ini.set("New", "A", "b");
        assert!(ini.to_text().ends_with("\r\n[New]\r\nA=b\r\n"));
        assert_eq!(ini.remove("ssl_server_client", "key_file"), 1);
    }

    #[test]
    fn junk_lines_are_kept_and_reported() {
        let ini = IniFile::parse(
            "[A]\nnot a pair\nx=1\n",
            Path::new("a.ini"),
            TextEncoding::Utf8,
        );
        assert_eq!(ini.unparsed, vec![(2, "not a pair".to_string())]);
        assert_eq!(ini.to_text(), "[A]\nnot a pair\nx=1\n");
    }

    #[test]
    fn ansi_refuses_unmappable_text() {
        let mut ini = IniFile::new(
            Path::new("x.ini"),
            TextEncoding::Windows1252,
            LineEnding::CrLf,
        );
        ini.set("A", "b", "Zürich – ok");
        assert!(ini.to_bytes().is_ok());
        ini.set("A", "b", "漢字");
        assert!(ini.to_bytes().is_err());
    }
}
