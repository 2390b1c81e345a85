//! A captured SOAP message as a small tree: the envelope's facts and the body element with
//! every child, attribute and text, names resolved to namespace URIs. Learning compares many
//! messages by shape, which a streaming reader cannot do.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// One element.
#[derive(Debug, Clone, PartialEq)]
pub struct Elem {
    /// Namespace URI (`""` when no namespace is in scope).
    pub ns: String,
    /// The prefix as written (`""` for a default namespace or none).
    pub prefix: String,
    /// Local name, without the prefix.
    pub local: String,
    /// `(namespace, prefix, local, value)`, in document order; namespace declarations left out.
    pub attrs: Vec<Attr>,
    /// Text content (trimmed of nothing: values keep their spaces), when the element has no
    /// child elements.
    pub text: Option<String>,
    /// Child elements, in document order.
    pub children: Vec<Elem>,
}

/// One attribute of an element, with its name resolved to a namespace URI.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    /// Namespace URI (`""` for an attribute without a prefix).
    pub ns: String,
    /// The prefix as written (`""` when none).
    pub prefix: String,
    /// Local name, without the prefix.
    pub local: String,
    /// The value, entities resolved and normalised as XML 1.0 says for attributes.
    pub value: String,
}

/// A SOAP message, read.
#[derive(Debug, Clone)]
pub struct Soap {
    /// The Envelope's namespace URI, which tells SOAP 1.1 from 1.2.
    pub envelope_ns: String,
    /// The Envelope's prefix as written (`""` for a default namespace).
    pub envelope_prefix: String,
    /// The text opens with an XML declaration (`<?xml`, after any BOM and whitespace).
    pub declaration: bool,
    /// The Header element's inner XML as written, when there is one.
    pub header: Option<String>,
    /// The body's first element.
    pub body: Option<Elem>,
}

/// Reads a SOAP envelope; `None` when the text is not one.
pub fn parse(xml: &str) -> Option<Soap> {
    let mut reader = NsReader::from_str(xml);
    let declaration = xml
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("<?xml");
    // Envelope
    let (envelope_ns, envelope_prefix) = loop {
        match reader.read_resolved_event().ok()? {
            (ns, Event::Start(start)) => {
                if start.local_name().into_inner() != "Envelope" {
                    return None;
                }
                break (uri(&ns), prefix_of(&start));
            }
            (_, Event::Eof) => return None,
            _ => {}
        }
    };
    let mut header = None;
    let mut body = None;
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_resolved_event().ok()? {
            (_, Event::Start(start)) if start.local_name().into_inner() == "Header" => {
                let inner_start = reader.buffer_position() as usize;
                let name = start.name().into_inner().to_owned();
                reader.read_to_end(quick_xml::name::QName(&name)).ok()?;
                // After the end tag now; the inner text ends where that tag starts.
                let after = reader.buffer_position() as usize;
                let _ = before;
                header = xml
                    .get(..after)
                    .and_then(|head| head.rfind("</"))
                    .and_then(|end| xml.get(inner_start..end))
                    .map(|s| s.trim().to_owned());
            }
            (_, Event::Start(start)) if start.local_name().into_inner() == "Body" => {
                body = read_first_child(&mut reader)?;
                break;
            }
            (_, Event::Empty(start)) if start.local_name().into_inner() == "Body" => break,
            (_, Event::Eof) | (_, Event::End(_)) => break,
            _ => {}
        }
    }
    Some(Soap {
        envelope_ns,
        envelope_prefix,
        declaration,
        header,
        body,
    })
}

fn read_first_child(reader: &mut NsReader<&[u8]>) -> Option<Option<Elem>> {
    loop {
        let (ns, event) = reader.read_resolved_event().ok()?;
        let ns = uri(&ns);
        match event {
            Event::Start(start) => return Some(Some(element(reader, ns, &start, false)?)),
            Event::Empty(start) => return Some(Some(element(reader, ns, &start, true)?)),
            Event::End(_) | Event::Eof => return Some(None),
            _ => {}
        }
    }
}

fn element(
    reader: &mut NsReader<&[u8]>,
    ns: String,
    start: &BytesStart<'_>,
    empty: bool,
) -> Option<Elem> {
    let mut elem = Elem {
        ns,
        prefix: prefix_of(start),
        local: start.local_name().into_inner().to_owned(),
        attrs: Vec::new(),
        text: None,
        children: Vec::new(),
    };
    for attr in start.attributes().with_checks(false).flatten() {
        let key = attr.key.into_inner();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let (ans, _) = reader.resolver().resolve_attribute(attr.key);
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()?
            .into_owned();
        let (prefix, local) = match key.split_once(':') {
            Some((p, l)) => (p.to_owned(), l.to_owned()),
            None => (String::new(), key.to_owned()),
        };
        elem.attrs.push(Attr {
            ns: uri(&ans),
            prefix,
            local,
            value,
        });
    }
    if empty {
        elem.text = Some(String::new());
        return Some(elem);
    }
    let mut text = String::new();
    loop {
        let (ns, event) = reader.read_resolved_event().ok()?;
        let ns = uri(&ns);
        match event {
            Event::Start(child) => elem.children.push(element(reader, ns, &child, false)?),
            Event::Empty(child) => elem.children.push(element(reader, ns, &child, true)?),
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.xml10_content();
                    text.push_str(match &*name {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "apos" => "'",
                        "quot" => "\"",
                        _ => "",
                    });
                }
            }
            Event::End(_) => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    if elem.children.is_empty() {
        elem.text = Some(text);
    }
    Some(elem)
}

fn uri(ns: &ResolveResult<'_>) -> String {
    match ns {
        ResolveResult::Bound(n) => n.0.to_owned(),
        _ => String::new(),
    }
}

fn prefix_of(start: &BytesStart<'_>) -> String {
    start
        .name()
        .into_inner()
        .split_once(':')
        .map(|(p, _)| p.to_owned())
        .unwrap_or_default()
}

impl Elem {
    /// `{ns}local`.
    pub fn expanded(&self) -> String {
        capture::tally::expanded(&self.ns, &self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_message_reads_into_a_tree() {
        let xml = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Header><h:Client xmlns:h="urn:h">crmsim</h:Client></env:Header><env:Body><cc:Pickup xmlns:cc="urn:cc"><cc:target agent="A1" callRef="c&amp;1"/><cc:to> +4131 </cc:to></cc:Pickup></env:Body></env:Envelope>"#;
        let soap = parse(xml).unwrap_or_else(|| panic!("not read"));
        assert_eq!(soap.envelope_prefix, "env");
        assert!(!soap.declaration);
        assert_eq!(
            soap.header.as_deref(),
            Some(r#"<h:Client xmlns:h="urn:h">crmsim</h:Client>"#)
        );
        let body = soap.body.unwrap_or_else(|| panic!("no body"));
        assert_eq!(
            (body.ns.as_str(), body.local.as_str(), body.prefix.as_str()),
            ("urn:cc", "Pickup", "cc")
        );
        let target = &body.children[0];
        assert_eq!(target.attrs[1].value, "c&1");
        assert_eq!(body.children[1].text.as_deref(), Some(" +4131 "));
        assert_eq!(body.children[1].ns, "urn:cc");
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn the_header_block_is_kept_as_written() {
        let xml = r#"<env:Envelope xmlns:env="e"><env:Header><h:C xmlns:h="urn:h">x</h:C></env:Header><env:Body><a/></env:Body></env:Envelope>"#;
        let soap = parse(xml).unwrap_or_else(|| panic!("not read"));
        assert_eq!(
            soap.header.as_deref(),
            Some(r#"<h:C xmlns:h="urn:h">x</h:C>"#)
        );
    }
}
