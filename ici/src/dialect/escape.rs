//! Escaping of text and attribute values, written straight into the output buffer.
//!
//! `quick_xml::escape::escape` returns a `Cow` and leaves two things to the caller that matter for
//! a lossless round trip: a `\r` in text is turned into `\n` by every reader's end-of-line
//! normalisation, and tabs and line feeds in attribute values become spaces (attribute-value
//! normalisation). Both are written as character references here. Characters XML 1.0 cannot carry
//! at all (control characters other than tab, LF and CR, U+FFFE, U+FFFF) are replaced by U+FFFD,
//! so the encoder always produces well-formed XML, whatever a simulator puts in a string.

/// Appends `s` escaped for element content.
pub(crate) fn text(out: &mut String, s: &str) {
    push_escaped(out, s, false);
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn attribute(out: &mut String, s: &str) {
    push_escaped(out, s, true);
}

const REPLACEMENT: &str = "\u{FFFD}";

fn push_escaped(out: &mut String, s: &str, in_attribute: bool) {
    let bytes = s.as_bytes();
    // `start..i` is the pending run of bytes that need no escaping; it is copied in one go.
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, len): (&str, usize) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' if in_attribute => ("&quot;", 1),
            b'\r' => ("&#13;", 1),
            b'\n' if in_attribute => ("&#10;", 1),
            b'\t' if in_attribute => ("&#9;", 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            0..=0x1F => (REPLACEMENT, 1),
            // U+FFFE and U+FFFF are EF BF BE / EF BF BF in UTF-8.
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                (REPLACEMENT, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // `i` is at an ASCII byte or at the lead byte of a 3-byte sequence: a char boundary.
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc_text(s: &str) -> String {
        let mut out = String::new();
        text(&mut out, s);
        out
    }

    fn esc_attr(s: &str) -> String {
        let mut out = String::new();
        attribute(&mut out, s);
        out
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            esc_text(r#" a & b <c> "d" "#),
            r#" a &amp; b &lt;c&gt; "d" "#
        );
        assert_eq!(esc_attr(r#"a&"b"<"#), "a&amp;&quot;b&quot;&lt;");
    }

    #[test]
    fn line_ends_survive_normalisation() {
        assert_eq!(esc_text("a\r\nb\tc"), "a&#13;\nb\tc");
        assert_eq!(esc_attr("a\r\nb\tc"), "a&#13;&#10;b&#9;c");
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(
            esc_text("a\u{1}b\u{FFFE}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        // Other characters starting with 0xEF stay as they are.
        assert_eq!(esc_text("\u{FFFD}\u{F000}ü€"), "\u{FFFD}\u{F000}ü€");
    }

    #[test]
    fn clean_text_is_copied_unchanged() {
        assert_eq!(esc_text("plain text 123"), "plain text 123");
        assert_eq!(esc_text(""), "");
    }
}
