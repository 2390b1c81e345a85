//! Text files as Windows produces them: UTF-8 with or without BOM, UTF-16 LE/BE with BOM (Notepad's
//! "Unicode"), or the ANSI code page (Windows-1252) for files with umlauts saved by older editors.
//!
//! The encoding found is kept so that a rewritten file goes back to the connector exactly as it came.

use serde::Serialize;

/// How a text file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum TextEncoding {
    /// UTF-8 without BOM (also plain ASCII).
    #[default]
    Utf8,
    /// UTF-8 with a BOM, as Notepad saves "UTF-8 with BOM".
    Utf8Bom,
    /// UTF-16 little-endian with BOM (Notepad's "Unicode").
    Utf16LeBom,
    /// UTF-16 big-endian with BOM (Notepad's "Unicode big endian").
    Utf16BeBom,
    /// Not valid UTF-8 and no BOM: read as Windows-1252 ("ANSI" in Notepad).
    Windows1252,
}

/// The line ending style a text file mostly uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum LineEnding {
    /// `\n` (Unix).
    #[default]
    Lf,
    /// `\r\n` (Windows; what the connector's ini files use).
    CrLf,
}

impl LineEnding {
    /// The line break itself: `"\n"` or `"\r\n"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }

    /// CRLF when at least half of the line breaks are CRLF.
    pub fn detect(text: &str) -> LineEnding {
        let lf = text.matches('\n').count();
        let crlf = text.matches("\r\n").count();
        if lf > 0 && crlf * 2 >= lf {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        }
    }
}

/// Decodes bytes into text and tells which encoding they were in. `Err` only for malformed UTF-16.
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec())
            .map(|s| (s, TextEncoding::Utf8Bom))
            .map_err(|e| format!("UTF-8 BOM but invalid UTF-8 after it: {e}"));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let (text, bad) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        if bad {
            return Err("UTF-16LE BOM but malformed UTF-16 after it".to_string());
        }
        return Ok((text.into_owned(), TextEncoding::Utf16LeBom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let (text, bad) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        if bad {
            return Err("UTF-16BE BOM but malformed UTF-16 after it".to_string());
        }
        return Ok((text.into_owned(), TextEncoding::Utf16BeBom));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), TextEncoding::Utf8)),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), TextEncoding::Windows1252))
        }
    }
}

/// Encodes text back into the given encoding (BOM included where the encoding has one).
pub fn encode(text: &str, encoding: TextEncoding) -> Vec<u8> {
    match encoding {
        TextEncoding::Utf8 => text.as_bytes().to_vec(),
        TextEncoding::Utf8Bom => {
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend_from_slice(text.as_bytes());
            out
        }
        TextEncoding::Utf16LeBom => {
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            out
        }
        TextEncoding::Utf16BeBom => {
            let mut out = vec![0xFE, 0xFF];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_be_bytes());
            }
            out
        }
        TextEncoding::Windows1252 => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
            bytes.into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_round_trips() {
        let text = "[SSL]\r\nMETHOD=0\r\n; Zürich – test\r\n";
        for enc in [
            TextEncoding::Utf8,
            TextEncoding::Utf8Bom,
            TextEncoding::Utf16LeBom,
            TextEncoding::Utf16BeBom,
        ] {
            let bytes = encode(text, enc);
            assert_eq!(decode(&bytes).unwrap(), (text.to_string(), enc));
        }
        let ansi = encode("Zürich", TextEncoding::Windows1252);
        assert_eq!(
            decode(&ansi).unwrap(),
            ("Zürich".to_string(), TextEncoding::Windows1252)
        );
    }

    #[test]
    fn line_endings_are_detected() {
        assert_eq!(LineEnding::detect("a\r\nb\r\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::detect("a\nb\n"), LineEnding::Lf);
    }
}
