//! Which operations a capture (or a running simulator) saw: by hop, path, `SOAPAction` and the
//! body element, with counts, whether the dialect knew them or not. Discovery mode lists these
//! so that no unknown operation goes unnoticed.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde::Serialize;

use crate::message::{Hop, Message};

/// What tells one operation from another on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OpKey {
    /// The hop the request travelled on.
    pub hop: Hop,
    /// The request's path and query; empty when the message has none.
    pub path: String,
    /// The `SOAPAction` header, or SOAP 1.2's `action` parameter of the content type; empty
    /// when there is none.
    pub action: String,
    /// The body element, `{namespace}local` (or `local` unqualified); empty when the body is
    /// not a SOAP envelope with one.
    pub element: String,
}

impl OpKey {
    /// The key of a request (or event) message. `path` is given for answers, which have none.
    pub fn of(m: &Message) -> OpKey {
        OpKey {
            hop: m.hop,
            path: m.path.clone().unwrap_or_default(),
            action: action_of(m),
            element: body_element(&m.body_bytes())
                .map(|(ns, local)| expanded(&ns, &local))
                .unwrap_or_default(),
        }
    }
}

/// `{ns}local`, or `local` without a namespace.
pub fn expanded(ns: &str, local: &str) -> String {
    if ns.is_empty() {
        local.to_owned()
    } else {
        format!("{{{ns}}}{local}")
    }
}

/// The action a message carries: its `SOAPAction` header (quotes removed), else the
/// `action` parameter of a SOAP 1.2 content type.
pub fn action_of(m: &Message) -> String {
    if let Some(a) = m.header("soapaction") {
        return a.trim().trim_matches('"').to_owned();
    }
    m.header("content-type")
        .and_then(|ct| {
            ct.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("action")
                    .then(|| v.trim().trim_matches('"').to_owned())
            })
        })
        .unwrap_or_default()
}

/// The namespace URI and local name of the SOAP body's first element.
pub fn body_element(xml: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(xml).ok()?;
    let mut reader = NsReader::from_str(text);
    let mut depth = 0usize;
    loop {
        match reader.read_resolved_event().ok()? {
            (ns, Event::Start(start)) | (ns, Event::Empty(start)) => {
                let local = start.local_name().into_inner().to_owned();
                depth += 1;
                // Envelope is depth 1, Body depth 2 (after an optional Header, skipped).
                if depth == 2 && local == "Header" {
                    reader.read_to_end(start.name()).ok()?;
                    depth -= 1;
                    continue;
                }
                if depth == 3 {
                    let uri = match ns {
                        ResolveResult::Bound(n) => n.0.to_owned(),
                        _ => String::new(),
                    };
                    return Some((uri, local));
                }
            }
            (_, Event::End(_)) => depth = depth.saturating_sub(1),
            (_, Event::Eof) => return None,
            _ => {}
        }
    }
}

/// One operation seen, with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    /// What identifies the operation on the wire.
    #[serde(flatten)]
    pub key: OpKey,
    /// The crmsim operation the dialect decoded it as (`user.logon`); `None` when it did not
    /// know it.
    pub known: Option<String>,
    /// Requests seen with this key.
    pub count: u64,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
}

/// Operations seen, in the order of their keys.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    seen: BTreeMap<OpKey, Seen>,
}

impl Tally {
    /// Whether `key` still lacks the operation it is known as: a recorder decodes a message
    /// against its dialect only then, not for every message of an operation it already knows.
    pub fn wants_known(&self, key: &OpKey) -> bool {
        self.seen.get(key).is_none_or(|s| s.known.is_none())
    }

    /// Counts one request under `key`, and records what the dialect knows it as if that was
    /// not yet known.
    pub fn count(&mut self, key: OpKey, known: Option<&str>) {
        if let Some(entry) = self.seen.get_mut(&key) {
            entry.count += 1;
            if entry.known.is_none() {
                entry.known = known.map(str::to_owned);
            }
            return;
        }
        let entry = self.seen.entry(key.clone()).or_insert_with(|| Seen {
            key,
            known: None,
            count: 0,
            statuses: BTreeMap::new(),
        });
        entry.count += 1;
        if entry.known.is_none() {
            entry.known = known.map(str::to_owned);
        }
    }

    /// Counts one answer to a request counted under `key`, by HTTP status (0: no HTTP answer).
    pub fn answered(&mut self, key: &OpKey, status: u16) {
        if let Some(entry) = self.seen.get_mut(key) {
            *entry.statuses.entry(status).or_default() += 1;
        }
    }

    /// Every operation seen, known or not, in key order.
    pub fn all(&self) -> Vec<Seen> {
        self.seen.values().cloned().collect()
    }

    /// Operations the dialect did not know, with their counts.
    pub fn unknown(&self) -> Vec<Seen> {
        self.seen
            .values()
            .filter(|s| s.known.is_none())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Direction;

    #[test]
    fn the_body_element_is_found_past_a_header_with_its_namespace() {
        let xml = br#"<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header><h:C xmlns:h="urn:h"><h:x/></h:C></e:Header><e:Body><cc:Pickup xmlns:cc="urn:cc"><cc:target/></cc:Pickup></e:Body></e:Envelope>"#;
        assert_eq!(body_element(xml), Some(("urn:cc".into(), "Pickup".into())));
        assert_eq!(body_element(b"not xml"), None);
    }

    #[test]
    fn keys_take_the_action_from_the_header_or_the_content_type() {
        let mut m = Message::new(
            Hop::Requests,
            Direction::Request,
            1,
            b"<E><B><x:op xmlns:x=\"u\"/></B></E>",
        );
        m.path = Some("/ici".into());
        m.headers = vec![(
            "content-type".into(),
            "application/soap+xml; charset=UTF-8; action=\"u/op\"".into(),
        )];
        let k = OpKey::of(&m);
        assert_eq!((k.action.as_str(), k.element.as_str()), ("u/op", "{u}op"));
        m.headers.push(("SOAPAction".into(), "\"u#op\"".into()));
        assert_eq!(OpKey::of(&m).action, "u#op");
        let mut t = Tally::default();
        t.count(k.clone(), None);
        t.count(k.clone(), None);
        t.answered(&k, 500);
        assert_eq!(t.unknown()[0].count, 2);
        assert_eq!(t.unknown()[0].statuses[&500], 1);
    }
}
