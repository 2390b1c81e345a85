//! Escaping text for the markup crmsim writes (the HTML report, JUnit XML): one function, so
//! that a name or an error message from a peer reads the same everywhere and can never open a
//! tag or end an attribute.

/// Text for element content or a double- or single-quoted attribute value, in HTML and in XML
/// 1.0. Control characters XML 1.0 forbids become spaces (a JUnit parser refuses the whole
/// file over one); tabs, newlines and carriage returns are kept.
pub fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        push(&mut out, ch);
    }
    out
}

/// As [`markup`], for an XML attribute whose value should stay on one line: a parser would
/// turn newlines and tabs into spaces anyway, this says so in the file.
pub fn attribute(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\n' | '\t' | '\r' => out.push(' '),
            c => push(&mut out, c),
        }
    }
    out
}

fn push(out: &mut String, ch: char) {
    match ch {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        '\n' | '\t' | '\r' => out.push(ch),
        c if (c as u32) < 0x20 => out.push(' '),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_cannot_open_a_tag_or_end_an_attribute_and_drops_forbidden_controls() {
        assert_eq!(
            markup("<a href=\"x\">'&'</a>\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; \n"
        );
        assert_eq!(attribute("two\nlines\tand\ra tab"), "two lines and a tab");
    }
}
