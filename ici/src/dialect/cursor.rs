//! A streaming cursor over quick-xml's `NsReader`: "next child element", "text of this
//! element", "skip this element". No tree is built; each message shape reads its own children.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

use super::error::{DecodeError, Doc};
use super::template::NsId;

/// The namespace of an element, classified once when its start tag is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// No namespace.
    Unqualified,
    /// One of the dialect's namespaces, by index (0 is the SOAP envelope's).
    Known(u16),
    /// Anything else (SOAP headers, foreign detail entries).
    Other,
}

impl Ns {
    fn of(namespace: &str, table: &[(String, String)]) -> Ns {
        table
            .iter()
            .position(|(_, uri)| uri == namespace)
            .and_then(|i| u16::try_from(i).ok())
            .map_or(Ns::Other, Ns::Known)
    }

    /// Whether an element of this namespace matches a template name's.
    pub(super) fn is(self, id: NsId) -> bool {
        match (self, id) {
            (Ns::Unqualified, NsId::Unqualified) => true,
            (Ns::Known(a), NsId::Known(b)) => a == b,
            _ => false,
        }
    }
}

/// The envelope's namespace in the dialect's table.
pub(super) const SOAP: Ns = Ns::Known(0);

/// An element whose start tag has just been read; the cursor is now inside it.
pub(super) struct Elem<'a> {
    start: BytesStart<'a>,
    pub(super) ns: Ns,
    /// Byte offset of its start tag.
    pub(super) at: u64,
}

impl Elem<'_> {
    pub(super) fn local(&self) -> &str {
        self.start.local_name().into_inner()
    }

    pub(super) fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local() == local
    }

    /// An attribute's value (normalised as XML 1.0 requires), `None` when absent.
    pub(super) fn attribute(
        &self,
        doc: Doc<'_>,
        name: &str,
    ) -> Result<Option<Cow<'_, str>>, DecodeError> {
        let attribute = self
            .start
            .try_get_attribute(name)
            .map_err(|e| doc.not_xml(self.at, e))?;
        let Some(attribute) = attribute else {
            return Ok(None);
        };
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| doc.not_xml(self.at, e))?;
        // The raw input was checked for forbidden characters, but a character reference
        // (`&#12;`) can still produce one; a value holding it could not be written back.
        if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
            return Err(doc.not_xml(
                self.at,
                format_args!(
                    "attribute {name}: a character reference to U+{:04X}, which is not an XML 1.0 character",
                    u32::from(c)
                ),
            ));
        }
        Ok(Some(Cow::Owned(value.into_owned())))
    }
}

pub(super) struct Cursor<'a, 'd> {
    pub(super) doc: Doc<'a>,
    namespaces: &'d [(String, String)],
    reader: NsReader<&'a [u8]>,
    /// Open elements; quick-xml reports a premature end of input as a plain `Eof`.
    depth: usize,
}

impl<'a, 'd> Cursor<'a, 'd> {
    pub(super) fn new(input: &'a str, namespaces: &'d [(String, String)]) -> Cursor<'a, 'd> {
        let mut reader = NsReader::from_str(input);
        let config = reader.config_mut();
        // `<x/>` arrives as start + end, so every reader handles one shape. Text is never
        // trimmed: trimming would eat the spaces around entity references (STACK-NOTES trap 5)
        // and the significant spaces of string values.
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Cursor {
            doc: Doc::new(input),
            namespaces,
            reader,
            depth: 0,
        }
    }

    /// Enters the next child element of the current element, or returns `None` once the current
    /// element's end tag has been read. Whitespace, comments and processing instructions between
    /// elements are skipped; other text is an error (the profile has no mixed content).
    pub(super) fn next_child(&mut self) -> Result<Option<Elem<'a>>, DecodeError> {
        loop {
            let at = self.reader.buffer_position();
            let event = self.reader.read_event().map_err(|e| self.xml_error(e))?;
            match event {
                Event::Start(start) => {
                    let ns = self.classify(&start, at)?;
                    self.depth += 1;
                    return Ok(Some(Elem { start, ns, at }));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                Event::Text(text) if !is_blank(&text) => {
                    return Err(self.doc.unexpected_text(at, &text));
                }
                Event::CData(data) if !is_blank(&data) => {
                    return Err(self.doc.unexpected_text(at, &data));
                }
                Event::GeneralRef(reference) => {
                    return Err(self.doc.unexpected_text(at, &format!("&{};", &*reference)));
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(decl) => self.check_declaration(&decl, at)?,
                Event::DocType(_) => return Err(self.doc.doc_type(at)),
                Event::Eof if self.depth == 0 => return Ok(None),
                Event::Eof => {
                    return Err(self
                        .doc
                        .not_xml(at, "the input ends inside an open element"));
                }
                Event::Empty(_) => {
                    return Err(self.doc.not_xml(at, "self-closing tag not expanded"));
                }
            }
        }
    }

    /// Reads the text of the element just entered, up to its end tag: text, entity and character
    /// references and CDATA sections are joined (quick-xml reports them as separate events);
    /// comments are dropped. Borrows from the input when the value is one plain piece.
    pub(super) fn text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        let mut value: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let at = self.reader.buffer_position();
            let event = self.reader.read_event().map_err(|e| self.xml_error(e))?;
            match event {
                Event::Text(text) => append(&mut value, text.xml10_content()),
                Event::CData(data) => append(&mut value, data.xml10_content()),
                Event::GeneralRef(reference) => self.push_reference(&mut value, &reference, at)?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(value);
                }
                Event::Start(start) => {
                    let ns = self.classify(&start, at)?;
                    let found = self.expanded_name_of(&start, ns);
                    let expected = "text only: this element holds a value".to_owned();
                    return Err(self.doc.unexpected(at, found, expected));
                }
                Event::Eof => {
                    return Err(self
                        .doc
                        .not_xml(at, "the input ends inside an open element"));
                }
                Event::Decl(_) | Event::DocType(_) | Event::Empty(_) => {
                    return Err(self.doc.not_xml(at, "markup not allowed inside a value"));
                }
            }
        }
    }

    /// Skips the rest of the element just entered (SOAP headers, foreign detail entries).
    pub(super) fn skip(&mut self, elem: &Elem<'a>) -> Result<(), DecodeError> {
        self.reader
            .read_to_end(elem.start.name())
            .map_err(|e| self.xml_error(e))?;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    /// `{namespace}local`, or `local` when unqualified, for error messages. Valid while the
    /// element's namespace declarations are in scope (right after it was entered).
    pub(super) fn expanded_name(&self, elem: &Elem<'_>) -> String {
        self.expanded_name_of(&elem.start, elem.ns)
    }

    /// The namespace URI of an element just entered (`""` when unqualified).
    pub(super) fn namespace(&self, elem: &Elem<'_>) -> String {
        match self.reader.resolver().resolve_element(elem.start.name()).0 {
            ResolveResult::Bound(ns) => ns.0.to_owned(),
            ResolveResult::Unbound | ResolveResult::Unknown(_) => String::new(),
        }
    }

    /// Resolves a QName found in text (the SOAP `faultcode`) against the namespace
    /// declarations in scope; call it right after [`Cursor::text`] of that element.
    pub(super) fn resolve_qname<'q>(&self, qname: &'q str) -> (Ns, &'q str) {
        let (ns, local) = self.reader.resolver().resolve_element(QName(qname));
        let ns = match ns {
            ResolveResult::Bound(ns) => Ns::of(ns.0, self.namespaces),
            ResolveResult::Unbound => Ns::Unqualified,
            ResolveResult::Unknown(_) => Ns::Other,
        };
        (ns, local.into_inner())
    }

    fn expanded_name_of(&self, start: &BytesStart<'_>, ns: Ns) -> String {
        let local = start.local_name().into_inner();
        match (ns, self.reader.resolver().resolve_element(start.name()).0) {
            (Ns::Unqualified, _) => local.to_owned(),
            (_, ResolveResult::Bound(namespace)) => format!("{{{}}}{local}", namespace.0),
            _ => local.to_owned(),
        }
    }

    fn classify(&self, start: &BytesStart<'_>, at: u64) -> Result<Ns, DecodeError> {
        match self.reader.resolver().resolve_element(start.name()).0 {
            ResolveResult::Unbound => Ok(Ns::Unqualified),
            ResolveResult::Bound(namespace) => Ok(Ns::of(namespace.0, self.namespaces)),
            ResolveResult::Unknown(prefix) => Err(self
                .doc
                .not_xml(at, format_args!("undeclared namespace prefix `{prefix}`"))),
        }
    }

    /// The profile is UTF-8 only (`Content-Type: text/xml; charset=UTF-8`).
    fn check_declaration(&self, decl: &BytesDecl<'_>, at: u64) -> Result<(), DecodeError> {
        match decl.encoding() {
            None => Ok(()),
            Some(Ok(encoding)) if encoding.eq_ignore_ascii_case("UTF-8") => Ok(()),
            Some(Ok(encoding)) => Err(self.doc.not_xml(
                at,
                format_args!("encoding {encoding:?} is not supported: the ICI profile is UTF-8"),
            )),
            Some(Err(e)) => Err(self.doc.not_xml(at, e)),
        }
    }

    fn push_reference(
        &self,
        value: &mut Cow<'a, str>,
        reference: &BytesRef<'_>,
        at: u64,
    ) -> Result<(), DecodeError> {
        match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => {
                value.to_mut().push(c);
                Ok(())
            }
            Ok(Some(c)) => Err(self.doc.not_xml(
                at,
                format_args!(
                    "&{};: U+{:04X} is not an XML 1.0 character",
                    &**reference,
                    u32::from(c)
                ),
            )),
            Ok(None) => match resolve_predefined_entity(reference) {
                Some(text) => {
                    value.to_mut().push_str(text);
                    Ok(())
                }
                None => Err(self.doc.not_xml(
                    at,
                    format_args!(
                        "unknown entity &{};: without a DTD only amp, lt, gt, apos and quot exist",
                        &**reference
                    ),
                )),
            },
            Err(e) => Err(self.doc.not_xml(at, e)),
        }
    }

    fn xml_error(&self, error: quick_xml::Error) -> DecodeError {
        self.doc.not_xml(self.reader.error_position(), error)
    }
}

fn append<'a>(value: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if value.is_empty() {
        *value = piece;
    } else {
        value.to_mut().push_str(&piece);
    }
}

/// XML whitespace only (space, tab, CR, LF).
pub(super) fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Strips XML whitespace at both ends: the `whiteSpace="collapse"` of XSD numbers, booleans
/// and dates (but not of strings, which keep every space).
pub(super) fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The first character of `input` that XML 1.0 does not allow, with its byte offset. Scans bytes
/// first: only ASCII controls and the lead byte of U+F000..U+FFFF (which holds U+FFFE and
/// U+FFFF) can start one, so ordinary messages cost one pass with no decoding.
pub(super) fn first_non_xml_char(input: &str) -> Option<(usize, char)> {
    let hit = input
        .bytes()
        .position(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)?;
    input
        .get(hit..)?
        .char_indices()
        .map(|(i, c)| (hit + i, c))
        .find(|&(_, c)| !is_xml_char(c))
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enters `<v>` inside `<r>` and returns its text.
    fn value_of(xml: &str) -> Result<String, DecodeError> {
        let mut cur = Cursor::new(xml, &[]);
        let _root = cur.next_child()?;
        let _value = cur.next_child()?;
        Ok(cur.text()?.into_owned())
    }

    #[test]
    fn characters_xml_forbids_are_found_where_they_are() {
        assert_eq!(first_non_xml_char("<a>plain \t\r\n text</a>"), None);
        assert_eq!(first_non_xml_char("<a>\u{FF01}\u{F000}\u{FFFD}</a>"), None);
        assert_eq!(
            first_non_xml_char("<a b=\"3001\u{3}\0\">"),
            Some((10, '\u{3}'))
        );
        assert_eq!(
            first_non_xml_char("<a>é\u{FFFE}</a>"),
            Some((5, '\u{FFFE}'))
        );
    }

    #[test]
    fn spaces_around_entities_are_kept() {
        // STACK-NOTES trap 5: with trim_text, "a &amp; b" would come back as "a&b".
        assert_eq!(value_of("<r><v> a &amp; b </v></r>").unwrap(), " a & b ");
        assert_eq!(
            value_of("<r><v>&lt;&#x20;&#32;&gt;</v></r>").unwrap(),
            "<  >"
        );
    }

    #[test]
    fn text_cdata_and_references_are_joined_and_line_ends_normalised() {
        assert_eq!(
            value_of("<r><v>x\r\ny<![CDATA[ <&> ]]>&amp;<!-- c -->z</v></r>").unwrap(),
            "x\ny <&> &z"
        );
    }

    #[test]
    fn a_single_text_piece_is_borrowed() {
        let xml = "<r><v>plain</v></r>";
        let mut cur = Cursor::new(xml, &[]);
        let _ = cur.next_child();
        let _ = cur.next_child();
        assert!(matches!(cur.text(), Ok(Cow::Borrowed("plain"))));
    }

    #[test]
    fn references_to_non_characters_are_refused() {
        assert!(value_of("<r><v>&#0;</v></r>").is_err());
        assert!(value_of("<r><v>&#x1;</v></r>").is_err());
        assert!(value_of("<r><v>&#xFFFE;</v></r>").is_err());
        assert!(value_of("<r><v>&nbsp;</v></r>").is_err());
    }
}
