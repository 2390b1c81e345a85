//! What can be wrong with an incoming message, and where.
//!
//! Every error carries the [`Location`] (byte offset, line and column) and the element path
//! (`Envelope/Body/logon/login`, local names only) of the problem. Neither is tracked while
//! decoding: the hot path only remembers byte offsets, and the line, column and path are worked
//! out from the input when an error is actually built.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::message::IciError;
use crate::values::ValueError;

/// A position in the decoded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// Byte offset from the start of the input, 0-based.
    pub byte: u64,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters (not bytes).
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (byte {})", self.line, self.column, self.byte)
    }
}

/// Why a message could not be decoded. Each variant says where (`at`, `path`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is not well-formed XML (or not UTF-8, or declares another encoding).
    #[error("not well-formed XML at {at} in {path}: {reason}")]
    NotXml {
        /// Where the reader stopped (the first bad byte, for invalid UTF-8).
        at: Location,
        /// The elements open there (empty before the root).
        path: String,
        /// What the XML reader or the UTF-8 check found wrong.
        reason: String,
    },
    /// A DOCTYPE: SOAP 1.1 (section 3) forbids them; refusing them also rules out entity
    /// expansion tricks.
    #[error("a SOAP message must not contain a DOCTYPE (SOAP 1.1 section 3); found one at {at}")]
    DocType {
        /// Where the DOCTYPE is.
        at: Location,
        /// The elements open there (empty before the root).
        path: String,
    },
    /// The root element is not the dialect's SOAP `Envelope` (a SOAP 1.2 envelope where the
    /// dialect speaks 1.1 lands here too).
    #[error(
        "not the dialect's SOAP envelope: the root element at {at} is {found}, expected {expected}"
    )]
    NotSoapEnvelope {
        /// The root element's start tag.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// The root element's expanded name, `{namespace}local`.
        found: String,
        /// `{namespace}Envelope` of the dialect's SOAP version.
        expected: String,
    },
    /// The envelope ended without a `Body`; `at` is the envelope's start tag.
    #[error("the SOAP envelope at {at} has no Body (in {path})")]
    NoBody {
        /// The envelope's start tag.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
    },
    /// The `Body` holds no element; `at` is its start tag.
    #[error(
        "the SOAP Body is empty at {at} (in {path}): expected one ICI request, response, event or Fault"
    )]
    EmptyBody {
        /// The `Body`'s start tag.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
    },
    /// The body element is not a message of the dialect (or not the one expected here).
    #[error("unknown operation {{{namespace}}}{element} at {at} (in {path}); expected {expected}")]
    UnknownOperation {
        /// The body element's start tag.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// The body element's namespace URI.
        namespace: String,
        /// The body element's local name.
        element: String,
        /// What the dialect would have accepted here.
        expected: String,
    },
    /// A required element is absent. `at` and `path` are those of the element that should have
    /// held it (its start tag).
    #[error("missing element `{element}` in {operation} at {at} (in {path})")]
    MissingElement {
        /// The start tag of the element that should have held it.
        at: Location,
        /// That element's path, `Envelope/Body/logon`.
        path: String,
        /// The operation's key (`user.logon`), or `fault`.
        operation: &'static str,
        /// The missing element, as the dialect's template names it.
        element: String,
    },
    /// An element the profile does not allow here: unknown, repeated, out of order, or in the
    /// wrong namespace. The profile is strict: unknown extra children are refused, not skipped.
    #[error("unexpected element {found} at {at} (in {path}); expected {expected}")]
    UnexpectedElement {
        /// The unexpected element's start tag.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// `{namespace}local`, or `local` when unqualified.
        found: String,
        /// What the dialect allows there instead.
        expected: String,
    },
    /// Character data where only elements may appear.
    #[error("unexpected text {text:?} at {at} (in {path}): only elements are allowed here")]
    UnexpectedText {
        /// Where the text is.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// The text, cut after 40 characters.
        text: String,
    },
    /// An element or attribute value failed validation.
    #[error("invalid value in `{element}` at {at} (in {path}): {source}")]
    InvalidValue {
        /// The start tag of the element holding the value.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// The element, or `element/@attribute` for an attribute, whose value was refused.
        element: String,
        /// What was wrong with the value and what is expected.
        // Boxed: a `DecodeError` travels in every decode `Result`, and the value dominates its size.
        source: Box<ValueError>,
    },
    /// A required attribute is absent.
    #[error("missing attribute `{attribute}` on `{element}` at {at} (in {path})")]
    MissingAttribute {
        /// The start tag of the element that lacks it.
        at: Location,
        /// The element path there, `Envelope/Body/logon`.
        path: String,
        /// The element's local name.
        element: String,
        /// The missing attribute, as the dialect's template names it.
        attribute: String,
    },
}

impl DecodeError {
    /// Where the problem is.
    pub fn location(&self) -> Location {
        match self {
            DecodeError::NotXml { at, .. }
            | DecodeError::DocType { at, .. }
            | DecodeError::NotSoapEnvelope { at, .. }
            | DecodeError::NoBody { at, .. }
            | DecodeError::EmptyBody { at, .. }
            | DecodeError::UnknownOperation { at, .. }
            | DecodeError::MissingElement { at, .. }
            | DecodeError::UnexpectedElement { at, .. }
            | DecodeError::UnexpectedText { at, .. }
            | DecodeError::InvalidValue { at, .. }
            | DecodeError::MissingAttribute { at, .. } => *at,
        }
    }

    /// The element path of the problem, `Envelope/Body/logon/login` (empty before the root).
    pub fn path(&self) -> &str {
        match self {
            DecodeError::NotXml { path, .. }
            | DecodeError::DocType { path, .. }
            | DecodeError::NotSoapEnvelope { path, .. }
            | DecodeError::NoBody { path, .. }
            | DecodeError::EmptyBody { path, .. }
            | DecodeError::UnknownOperation { path, .. }
            | DecodeError::MissingElement { path, .. }
            | DecodeError::UnexpectedElement { path, .. }
            | DecodeError::UnexpectedText { path, .. }
            | DecodeError::InvalidValue { path, .. }
            | DecodeError::MissingAttribute { path, .. } => path,
        }
    }

    /// The profile error code a connector answers this with (in a `soapenv:Client` fault).
    pub fn ici_error(&self) -> IciError {
        match self {
            DecodeError::UnknownOperation { .. } => IciError::UnknownOperation,
            _ => IciError::MalformedRequest,
        }
    }
}

/// The error for input that is not UTF-8, located at the first bad byte.
pub(super) fn not_utf8(xml: &[u8], error: std::str::Utf8Error) -> DecodeError {
    let valid = error.valid_up_to();
    let prefix = std::str::from_utf8(&xml[..valid]).unwrap_or_default();
    Doc::new(prefix).not_xml(
        valid as u64,
        format_args!("invalid UTF-8 ({error}); ICI messages are UTF-8"),
    )
}

/// The input, kept to turn byte offsets into locations and paths when an error is built.
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    input: &'a str,
}

impl<'a> Doc<'a> {
    pub(super) fn new(input: &'a str) -> Doc<'a> {
        Doc { input }
    }

    pub(super) fn location(self, byte: u64) -> Location {
        location(self.input.as_bytes(), byte)
    }

    /// The path of the elements open at `byte`, plus the element whose start tag begins there.
    pub(super) fn path(self, byte: u64) -> String {
        path_at(self.input, byte)
    }

    pub(super) fn not_xml(self, byte: u64, reason: impl fmt::Display) -> DecodeError {
        DecodeError::NotXml {
            at: self.location(byte),
            path: self.path(byte),
            reason: reason.to_string(),
        }
    }

    pub(super) fn doc_type(self, byte: u64) -> DecodeError {
        DecodeError::DocType {
            at: self.location(byte),
            path: self.path(byte),
        }
    }

    pub(super) fn not_envelope(self, byte: u64, found: String, expected: String) -> DecodeError {
        DecodeError::NotSoapEnvelope {
            at: self.location(byte),
            path: self.path(byte),
            found,
            expected,
        }
    }

    pub(super) fn no_body(self, byte: u64) -> DecodeError {
        DecodeError::NoBody {
            at: self.location(byte),
            path: self.path(byte),
        }
    }

    pub(super) fn empty_body(self, byte: u64) -> DecodeError {
        DecodeError::EmptyBody {
            at: self.location(byte),
            path: self.path(byte),
        }
    }

    pub(super) fn unknown_operation(
        self,
        byte: u64,
        namespace: &str,
        element: &str,
        expected: String,
    ) -> DecodeError {
        DecodeError::UnknownOperation {
            at: self.location(byte),
            path: self.path(byte),
            namespace: namespace.to_owned(),
            element: element.to_owned(),
            expected,
        }
    }

    pub(super) fn missing(self, byte: u64, operation: &'static str, element: &str) -> DecodeError {
        DecodeError::MissingElement {
            at: self.location(byte),
            path: self.path(byte),
            operation,
            element: element.to_owned(),
        }
    }

    pub(super) fn unexpected(self, byte: u64, found: String, expected: String) -> DecodeError {
        DecodeError::UnexpectedElement {
            at: self.location(byte),
            path: self.path(byte),
            found,
            expected,
        }
    }

    pub(super) fn unexpected_text(self, byte: u64, text: &str) -> DecodeError {
        const SHOWN: usize = 40;
        let shown = match text.char_indices().nth(SHOWN) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.to_owned(),
        };
        DecodeError::UnexpectedText {
            at: self.location(byte),
            path: self.path(byte),
            text: shown,
        }
    }

    pub(super) fn invalid(self, byte: u64, element: &str, source: ValueError) -> DecodeError {
        DecodeError::InvalidValue {
            at: self.location(byte),
            path: self.path(byte),
            element: element.to_owned(),
            source: Box::new(source),
        }
    }

    pub(super) fn missing_attribute(
        self,
        byte: u64,
        element: &str,
        attribute: &str,
    ) -> DecodeError {
        DecodeError::MissingAttribute {
            at: self.location(byte),
            path: self.path(byte),
            element: element.to_owned(),
            attribute: attribute.to_owned(),
        }
    }
}

/// Line and column of `byte` in `input` (clamped to its length).
pub(super) fn location(input: &[u8], byte: u64) -> Location {
    let end = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
    let before = &input[..end];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let lines = before.iter().filter(|b| **b == b'\n').count();
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = before[line_start..]
        .iter()
        .filter(|b| (**b & 0xC0) != 0x80)
        .count();
    Location {
        byte: end as u64,
        line: u32::try_from(lines + 1).unwrap_or(u32::MAX),
        column: u32::try_from(column + 1).unwrap_or(u32::MAX),
    }
}

/// Re-reads `input` up to `byte` and returns the path of open elements there, including an
/// element whose start tag begins exactly at `byte`. Only called when an error is built.
fn path_at(input: &str, byte: u64) -> String {
    let mut reader = Reader::from_str(input);
    reader.config_mut().check_end_names = false;
    let mut path = String::new();
    let mut marks = Vec::new();
    loop {
        let start = reader.buffer_position();
        if start > byte {
            break;
        }
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                marks.push(path.len());
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(e.local_name().into_inner());
                if start == byte {
                    break;
                }
            }
            Ok(Event::Empty(e)) if start == byte => {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(e.local_name().into_inner());
                break;
            }
            Ok(Event::End(_)) if start < byte => {
                if let Some(mark) = marks.pop() {
                    path.truncate(mark);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) if start >= byte => break,
            Ok(_) => {}
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let text = "ab\ncdé\nf".as_bytes();
        assert_eq!(
            location(text, 0),
            Location {
                byte: 0,
                line: 1,
                column: 1
            }
        );
        let f = text.iter().position(|b| *b == b'f').unwrap_or(0) as u64;
        assert_eq!(location(text, f).line, 3);
        assert_eq!(location(text, f).column, 1);
        // After "cdé" (4 bytes, 3 characters) on line 2.
        assert_eq!(location(text, 7).column, 4);
        assert_eq!(location(text, 1000).byte, text.len() as u64);
    }

    #[test]
    fn paths_follow_open_elements() {
        let xml = "<a><b><c/></b><d>x</d></a>";
        let at = |s: &str| xml.find(s).unwrap_or(0) as u64;
        assert_eq!(path_at(xml, 0), "a");
        assert_eq!(path_at(xml, at("<c")), "a/b/c");
        assert_eq!(path_at(xml, at("</b")), "a/b");
        assert_eq!(path_at(xml, at("<d")), "a/d");
        assert_eq!(path_at(xml, at("x<")), "a/d");
    }
}
