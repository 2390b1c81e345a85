//! Reads a capture back: the header and every message, each error at `file:line`.

use std::path::{Path, PathBuf};

use crate::message::{FORMAT_VERSION, Header, Message};

/// A capture file, read.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The file it was read from (or the name given to [`Capture::parse`]), for messages.
    pub path: PathBuf,
    /// Its first line: who wrote it and how.
    pub header: Header,
    /// In file order, with the line each came from.
    pub messages: Vec<(usize, Message)>,
}

/// What is wrong with a capture file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read at all (missing, unreadable).
    #[error("{}: cannot read the capture: {source}", path.display())]
    Io {
        /// The capture file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a capture line: not UTF-8, not JSON, out of place, a newer format, or no
    /// header at all.
    #[error("{}:{line}: {message}", path.display())]
    Line {
        /// The capture file.
        path: PathBuf,
        /// The offending line, from 1 (1 when the file is empty).
        line: usize,
        /// What is wrong with it and, where it helps, what to do.
        message: String,
    },
}

impl Capture {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Capture, ReadError> {
        let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Capture::parse(path, &bytes)
    }

    /// Reads a capture from its bytes; `path` names it in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Capture, ReadError> {
        let at = |line: usize, message: String| ReadError::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            at(
                line,
                "not UTF-8: a capture is JSON Lines in UTF-8".to_owned(),
            )
        })?;
        let mut header = None;
        let mut messages = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value =
                serde_json::from_str(raw).map_err(|e| at(line, format!("not a JSON line: {e}")))?;
            match value.get("type").and_then(|t| t.as_str()) {
                Some("capture") if header.is_none() && messages.is_empty() => {
                    let h: Header = serde_json::from_value(value)
                        .map_err(|e| at(line, format!("a capture header with {e}")))?;
                    if h.format > FORMAT_VERSION {
                        return Err(at(
                            line,
                            format!(
                                "capture format {} is newer than this crmsim reads ({FORMAT_VERSION}): use a newer crmsim",
                                h.format
                            ),
                        ));
                    }
                    header = Some(h);
                }
                Some("capture") => {
                    return Err(at(
                        line,
                        "a second capture header: captures cannot be concatenated; give each file on its own".to_owned(),
                    ));
                }
                Some("message") if header.is_some() => {
                    let m: Message = serde_json::from_value(value)
                        .map_err(|e| at(line, format!("a message line with {e}")))?;
                    messages.push((line, m));
                }
                Some("message") => {
                    return Err(at(
                        line,
                        "a message before the capture header: the first line of a crmsim capture says {\"type\":\"capture\",…}".to_owned(),
                    ));
                }
                Some(other) => {
                    return Err(at(
                        line,
                        format!("unknown line type {other:?}: expected \"capture\" or \"message\""),
                    ));
                }
                None => {
                    return Err(at(
                        line,
                        "a line without \"type\": is this a crmsim capture (crmsim record --out FILE)?"
                            .to_owned(),
                    ));
                }
            }
        }
        let Some(header) = header else {
            return Err(at(
                1,
                "empty: no capture header (crmsim record --out FILE writes one)".to_owned(),
            ));
        };
        Ok(Capture {
            path: path.to_path_buf(),
            header,
            messages,
        })
    }

    /// Requests with their answers (when the file has one), in file order.
    pub fn exchanges(&self) -> Vec<Exchange<'_>> {
        let mut out: Vec<Exchange<'_>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (line, m) in &self.messages {
            match m.dir {
                crate::Direction::Request => {
                    index.insert((m.hop, m.exchange), out.len());
                    out.push(Exchange {
                        line: *line,
                        request: m,
                        response: None,
                    });
                }
                crate::Direction::Response => {
                    if let Some(i) = index.get(&(m.hop, m.exchange))
                        && let Some(ex) = out.get_mut(*i)
                    {
                        ex.response = Some((*line, m));
                    }
                }
            }
        }
        out
    }
}

/// A request and its answer.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The request's line in the file, from 1.
    pub line: usize,
    /// The request.
    pub request: &'a Message,
    /// Its answer and that answer's line, when the file has one (same hop and `exchange`).
    pub response: Option<(usize, &'a Message)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Capture, ReadError> {
        Capture::parse(Path::new("c.jsonl"), text.as_bytes())
    }

    const HEADER: &str = r#"{"type":"capture","format":1,"writer":"t","crmsim_version":"0","started":"2026-12-06T00:00:00Z","redacted":true}"#;

    #[test]
    fn requests_pair_with_their_answers() {
        let text = format!(
            "{HEADER}\n{}\n{}\n",
            r#"{"type":"message","t":"2026-12-06T00:00:00Z","hop":"requests","dir":"request","exchange":1,"method":"POST","path":"/ici","headers":[],"body":"<a/>"}"#,
            r#"{"type":"message","t":"2026-12-06T00:00:01Z","hop":"requests","dir":"response","exchange":1,"status":200,"headers":[],"body":"<b/>"}"#
        );
        let c = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let ex = c.exchanges();
        assert_eq!(ex.len(), 1);
        assert_eq!(
            ex[0].response.map(|(line, m)| (line, m.status)),
            Some((3, Some(200)))
        );
    }

    #[test]
    fn errors_name_the_line_and_what_to_do() {
        let e = parse("{\"type\":\"message\"}\n").unwrap_err().to_string();
        assert!(
            e.starts_with("c.jsonl:1: a message before the capture header"),
            "{e}"
        );
        let e = parse(&format!("{HEADER}\nnot json\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.jsonl:2: not a JSON line"), "{e}");
        let e = parse(&format!("{HEADER}\n{{\"type\":\"message\",\"t\":1}}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.jsonl:2: a message line with"), "{e}");
        let e = parse("").unwrap_err().to_string();
        assert!(e.contains("no capture header"), "{e}");
        let newer = HEADER.replace("\"format\":1", "\"format\":9");
        let e = parse(&newer).unwrap_err().to_string();
        assert!(e.contains("use a newer crmsim"), "{e}");
    }
}
