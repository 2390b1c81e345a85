//! Takes secrets out of a captured message before it is written.
//!
//! What counts as secret: the password part of an agent's login string (the connector vendor's
//! `agentid;password;device…`), the values of elements and attributes named like passwords or
//! marked secret by the dialect, and `Authorization`, `Proxy-Authorization`, `Cookie` and
//! `Set-Cookie` headers. The message keeps its shape: a login string stays a login string
//! (`4711;***;30001;p`), so a dialect can still be learned from a redacted capture. The
//! forwarded traffic is never touched; only the copy written to the file is.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::message::Message;

/// What replaces a secret.
pub const MASK: &str = "***";

/// Element and attribute names whose whole value is a secret, whatever the dialect.
const SECRET_NAMES: &[&str] = &["password", "passwd", "pwd", "pin", "secret", "token"];

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Redaction rules for one capture.
#[derive(Debug, Clone)]
pub struct Redactor {
    enabled: bool,
    /// Lower-case local names whose whole value is secret.
    secret: Vec<String>,
    /// Lower-case local names that carry login strings (from the dialect).
    login: Vec<String>,
}

impl Redactor {
    /// Redaction on: the built-in secret names, plus `secret` (local names the dialect marks
    /// secret) and `login` (local names where the dialect puts login strings).
    pub fn new(secret: &[String], login: &[String]) -> Redactor {
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        let mut all = lower(secret);
        all.extend(SECRET_NAMES.iter().map(|s| (*s).to_owned()));
        Redactor {
            enabled: true,
            secret: all,
            login: lower(login),
        }
    }

    /// Redaction off (`--no-redact`): messages are written as they came.
    pub fn off() -> Redactor {
        Redactor {
            enabled: false,
            secret: Vec::new(),
            login: Vec::new(),
        }
    }

    /// Whether redaction is on ([`Redactor::off`] turns it off).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Redacts `m` in place and notes what it took out in `m.redacted`.
    pub fn apply(&self, m: &mut Message) {
        if !self.enabled {
            return;
        }
        for (name, value) in &mut m.headers {
            if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                *value = MASK.to_owned();
                m.redacted.push(format!("header {name}"));
            }
        }
        if let Some(body) = &m.body {
            let (text, notes) = self.body(body);
            if !notes.is_empty() {
                m.body = Some(text);
                m.redacted.extend(notes);
            }
        }
    }

    /// The body with its secrets masked, and what was masked.
    fn body(&self, xml: &str) -> (String, Vec<String>) {
        let mut edits: Vec<(usize, usize, String, String)> = Vec::new();
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<String> = Vec::new();
        loop {
            let before = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(e) => e,
            };
            let after = reader.buffer_position() as usize;
            match event {
                Event::Start(start) | Event::Empty(start) => {
                    let is_empty = after >= 2 && xml.get(after - 2..after) == Some("/>");
                    let local = start.local_name().into_inner().to_owned();
                    for attr in start.attributes().with_checks(false).flatten() {
                        let name = attr.key.local_name().into_inner().to_owned();
                        let raw: &str = attr.value.as_ref();
                        let Some(offset) = offset_in(xml, raw.as_bytes()) else {
                            continue;
                        };
                        if let Some((masked, what)) = self.value(&name, raw) {
                            edits.push((
                                offset,
                                offset + raw.len(),
                                masked,
                                format!("{what} in @{name}"),
                            ));
                        }
                    }
                    if !is_empty {
                        stack.push(local);
                    }
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Text(_) | Event::CData(_) => {
                    let Some(element) = stack.last() else {
                        continue;
                    };
                    let (start, end) = if matches!(event, Event::CData(_)) {
                        (
                            before + "<![CDATA[".len(),
                            after.saturating_sub("]]>".len()),
                        )
                    } else {
                        (before, after)
                    };
                    let Some(raw) = xml.get(start..end) else {
                        continue;
                    };
                    if let Some((masked, what)) = self.value(element, raw) {
                        edits.push((start, end, masked, format!("{what} in <{element}>")));
                    }
                }
                _ => {}
            }
        }
        if edits.is_empty() {
            return (xml.to_owned(), Vec::new());
        }
        let mut out = String::with_capacity(xml.len());
        let mut at = 0;
        let mut notes = Vec::new();
        for (start, end, masked, what) in edits {
            if start < at {
                continue;
            }
            out.push_str(&xml[at..start]);
            out.push_str(&masked);
            at = end;
            if !notes.contains(&what) {
                notes.push(what);
            }
        }
        out.push_str(&xml[at..]);
        (out, notes)
    }

    /// The masked form of one raw (still escaped) value, with what was masked; `None` to keep it.
    fn value(&self, name: &str, raw: &str) -> Option<(String, &'static str)> {
        let lower = name.to_ascii_lowercase();
        let text = raw.trim();
        if text.is_empty() || text == MASK {
            return None;
        }
        if self.secret.contains(&lower) {
            return Some((MASK.to_owned(), "secret"));
        }
        let known_login = self.login.contains(&lower);
        let masked = mask_login(text, known_login)?;
        Some((raw.replace(text, &masked), "login password"))
    }
}

/// The login string with its password masked, if `s` is one. Without the connector's
/// `AgentLoginType`, the shape decides: three or four fields are `id;password;device[;media]`
/// (types 0 and 5); two are `password;device` (type 1) unless the second is media flags
/// (`device;p`, type 2, which has no password). Outside an element known to carry login
/// strings, only values that look like one (no spaces, a device of digits and dial symbols)
/// are touched.
fn mask_login(s: &str, known_login: bool) -> Option<String> {
    let fields: Vec<&str> = s.split(';').collect();
    if !(2..=4).contains(&fields.len()) || fields.iter().any(|f| f.len() > 64) {
        return None;
    }
    let plausible = !s.contains(char::is_whitespace)
        && !s.contains(['<', '>', '&', '"', '='])
        && fields.iter().skip(1).any(|f| is_device(f));
    if !known_login && !plausible {
        return None;
    }
    let password = match fields.len() {
        2 if is_media(fields[1]) => return None,
        2 => 0,
        _ => 1,
    };
    if fields[password].is_empty() || fields[password] == MASK {
        return None;
    }
    let mut out = fields.clone();
    out[password] = MASK;
    Some(out.join(";"))
}

fn is_device(f: &str) -> bool {
    !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit() || b"+*#".contains(&b))
}

/// The login string's media flags: `p`, `m[2-6]`, `c[2-5]`, in that order, at least one.
fn is_media(f: &str) -> bool {
    let mut rest = f;
    let mut any = false;
    if let Some(r) = rest.strip_prefix('p') {
        rest = r;
        any = true;
    }
    for (flag, digits) in [('m', b'2'..=b'6'), ('c', b'2'..=b'5')] {
        if let Some(r) = rest.strip_prefix(flag) {
            any = true;
            rest = match r.as_bytes().first() {
                Some(d) if digits.contains(d) => &r[1..],
                _ => r,
            };
        }
    }
    any && rest.is_empty()
}

/// Where `part` (a slice of `whole`) starts in `whole`.
fn offset_in(whole: &str, part: &[u8]) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= start && p + part.len() <= start + whole.len()).then(|| p - start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Direction, Hop};

    fn redact(body: &str) -> Message {
        let mut m = Message::new(Hop::Requests, Direction::Request, 1, body.as_bytes());
        m.headers = vec![
            ("authorization".into(), "Basic dXNlcjpwYXNz".into()),
            ("content-type".into(), "text/xml".into()),
        ];
        Redactor::new(&[], &[]).apply(&mut m);
        m
    }

    #[test]
    fn a_login_strings_password_goes_and_its_shape_stays() {
        let m = redact(
            "<usr:logon xmlns:usr=\"u\"><user>AGENT1</user><login>10001;s3cret;30001;p</login></usr:logon>",
        );
        let body = m.body.unwrap_or_default();
        assert!(body.contains("<login>10001;***;30001;p</login>"), "{body}");
        assert!(!body.contains("s3cret"), "{body}");
        assert_eq!(m.headers[0].1, MASK);
        assert_eq!(m.headers[1].1, "text/xml");
        assert!(
            m.redacted
                .iter()
                .any(|r| r.contains("login password in <login>")),
            "{:?}",
            m.redacted
        );
    }

    #[test]
    fn attributes_secret_names_and_cdata_are_masked_too() {
        let m = redact(
            r#"<a:SignIn xmlns:a="x"><a:agent id="A1" cred="9;pw;4711"/><pin>1234</pin><x><![CDATA[7;pw2;4712;p]]></x></a:SignIn>"#,
        );
        let body = m.body.unwrap_or_default();
        assert!(body.contains(r#"cred="9;***;4711""#), "{body}");
        assert!(body.contains("<pin>***</pin>"), "{body}");
        assert!(body.contains("<![CDATA[7;***;4712;p]]>"), "{body}");
    }

    #[test]
    fn what_is_not_a_login_string_is_left_alone() {
        for body in [
            "<v>a;b</v>",         // no device
            "<v>30001;p</v>",     // type 2: device and media, no password
            "<v>one; two; 3</v>", // spaces
            "<v>https://crm:9443/sink</v>",
            "<v>2026-12-06T00:00:00Z</v>",
        ] {
            let m = redact(body);
            assert_eq!(m.body.as_deref(), Some(body), "{body}");
        }
    }

    #[test]
    fn the_dialect_names_its_login_and_secret_elements() {
        let mut m = Message::new(
            Hop::Requests,
            Direction::Request,
            1,
            b"<c>pw;dev</c><k>v</k>",
        );
        Redactor::new(&["k".to_owned()], &["c".to_owned()]).apply(&mut m);
        assert_eq!(m.body.as_deref(), Some("<c>***;dev</c><k>***</k>"));
    }

    #[test]
    fn off_leaves_everything() {
        let mut m = Message::new(Hop::Requests, Direction::Request, 1, b"<l>1;pw;2</l>");
        Redactor::off().apply(&mut m);
        assert_eq!(m.body.as_deref(), Some("<l>1;pw;2</l>"));
    }

    #[test]
    fn media_flags_are_told_from_devices() {
        assert!(is_media("p") && is_media("pm2c3") && is_media("m") && is_media("c5"));
        assert!(!is_media("") && !is_media("30001") && !is_media("m7"));
    }
}
