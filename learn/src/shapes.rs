//! What a value looks like: a login string, an E.164 number, a URL, a timestamp, a word of a
//! small vocabulary, an id. Learning matches fields by these shapes where names say nothing.

/// The shape of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// Nothing, or only whitespace.
    Empty,
    /// `agentid;password;device[;media]` and the other AgentLoginTypes (a masked password too).
    Login,
    /// `+` and 6 to 15 digits.
    E164,
    /// Starts with `http://` or `https://`.
    Url,
    /// Milliseconds since 1970 within this century (13 digits).
    UnixMs,
    /// A date and time like `2026-12-06T02:10:00Z` (a space may stand for the `T`).
    Rfc3339,
    /// Digits only (not a timestamp).
    Integer,
    /// Letters and `_`/`-` only: a vocabulary word.
    Word,
    /// A language code (`EN`, `de`, `de-CH`).
    Language,
    /// No spaces, letters and digits mixed: an identifier.
    Id,
    /// Anything else (spaces…).
    Text,
}

/// The shape of `v`, trimmed; shapes are tried in a fixed order (E.164, URL, digits, RFC 3339,
/// login, language, word, id) and the first that fits wins.
pub fn shape(v: &str) -> Shape {
    let t = v.trim();
    if t.is_empty() {
        return Shape::Empty;
    }
    if let Some(d) = t.strip_prefix('+')
        && (6..=15).contains(&d.len())
        && d.bytes().all(|b| b.is_ascii_digit())
    {
        return Shape::E164;
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return Shape::Url;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        // 2001-09-09 to 2286: what a millisecond clock says this century.
        if t.len() == 13 {
            return Shape::UnixMs;
        }
        return Shape::Integer;
    }
    if is_rfc3339(t) {
        return Shape::Rfc3339;
    }
    if is_login(t) {
        return Shape::Login;
    }
    if is_language(t) {
        return Shape::Language;
    }
    if t.bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
    {
        return Shape::Word;
    }
    if !t.contains(char::is_whitespace) {
        return Shape::Id;
    }
    Shape::Text
}

fn is_rfc3339(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        && b[13] == b':'
}

/// A login string: 2 to 4 `;`-fields, one of them a device (digits and dial symbols).
pub fn is_login(t: &str) -> bool {
    let fields: Vec<&str> = t.split(';').collect();
    (2..=4).contains(&fields.len())
        && !t.contains(char::is_whitespace)
        && fields
            .iter()
            .any(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit() || b"+*#".contains(&b)))
}

/// The device part of a login string (the first all-digit field after the first).
pub fn login_device(t: &str) -> Option<&str> {
    t.split(';')
        .skip(1)
        .find(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_language(t: &str) -> bool {
    let (lang, region) = t.split_once(['-', '_']).unwrap_or((t, ""));
    lang.len() == 2
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && (region.is_empty()
            || (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic())))
}

/// The most common shape among `values` and its share (0..1).
pub fn dominant(values: &[String]) -> (Shape, f64) {
    let mut counts: std::collections::BTreeMap<Shape, usize> = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(shape(v)).or_default() += 1;
    }
    let (shape, n) = counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .unwrap_or((Shape::Empty, 0));
    (shape, n as f64 / values.len().max(1) as f64)
}

/// A word normalised for comparing with a lexicon: lower case, letters and digits only.
pub fn norm(word: &str) -> String {
    word.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_get_their_shapes() {
        for (v, s) in [
            ("10006;***;30006;p", Shape::Login),
            ("+413155587171", Shape::E164),
            ("https://crm:1/x", Shape::Url),
            ("1796522845129", Shape::UnixMs),
            ("2026-12-06T02:10:00.123Z", Shape::Rfc3339),
            ("4", Shape::Integer),
            ("NOT_READY", Shape::Word),
            ("EN", Shape::Language),
            ("connector-bdb9-0000001", Shape::Id),
            ("AGENT00001", Shape::Id),
            ("two words", Shape::Text),
            ("", Shape::Empty),
        ] {
            assert_eq!(shape(v), s, "{v}");
        }
        assert_eq!(login_device("10006;***;30006;p"), Some("30006"));
        assert_eq!(norm("NOT_READY"), "notready");
    }
}
