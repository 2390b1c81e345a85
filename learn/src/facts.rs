//! What every message of a capture shares, read off the envelopes and HTTP headers: SOAP
//! version and prefix, the XML declaration, a fixed header block, the two paths, the
//! `SOAPAction` rule and the action's pattern, the user header of SAP Note 1640673.

use capture::Hop;

use crate::groups::{Corpus, Group};
use std::collections::BTreeMap;

use crate::most;

/// The SOAP 1.1 envelope namespace.
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The SOAP 1.2 envelope namespace.
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

/// What every message shares, each fact the choice most messages made; it fills the dialect's
/// `[soap]` and `[http]` tables.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Most requests and events were SOAP 1.2 (else 1.1).
    pub soap12: bool,
    /// The envelope prefix most messages wrote (`env` for 1.2, `soapenv` for 1.1 when none).
    pub prefix: String,
    /// Most messages opened with an XML declaration (true when nothing was captured).
    pub declaration: bool,
    /// The header block, when every message carries the same one.
    pub header: Option<String>,
    /// Messages carried a header block, but not always the same.
    pub varying_header: bool,
    /// The HTTP path most requests to the connector went to; `None` when none was captured.
    pub connector_path: Option<String>,
    /// The HTTP path most events to the CRM went to; `None` when none was captured.
    pub event_path: Option<String>,
    /// The rule most requests follow.
    pub rule: &'static str,
    /// `{namespace}#{element}`-like pattern most actions follow.
    pub action: String,
    /// Never filled in by [`read`] (always `None`): inference finds the user header.
    pub user_header: Option<String>,
    /// Notes for a person to confirm (messages that were not SOAP); they open the flags.
    pub notes: Vec<String>,
}

/// How one message carried its action: `(rule, action)`.
pub fn action_of(headers: &[(String, String)]) -> (&'static str, Option<String>) {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    if let Some(a) = get("soapaction") {
        let t = a.trim();
        if t.is_empty() || t == "\"\"" {
            return ("empty", None);
        }
        if t.starts_with('"') && t.ends_with('"') && t.len() >= 2 {
            return ("quoted", Some(t[1..t.len() - 1].to_owned()));
        }
        return ("unquoted", Some(t.to_owned()));
    }
    if let Some(ct) = get("content-type") {
        for p in ct.split(';') {
            if let Some((k, v)) = p.split_once('=')
                && k.trim().eq_ignore_ascii_case("action")
            {
                return ("param", Some(v.trim().trim_matches('"').to_owned()));
            }
        }
    }
    ("absent", None)
}

/// The action template `action` follows for a body element `{ns}local`, if a usual one.
pub fn pattern_of(action: &str, ns: &str, local: &str) -> Option<&'static str> {
    for (pattern, sep) in [
        ("{namespace}#{element}", "#"),
        ("{namespace}/{element}", "/"),
        ("{namespace}:{element}", ":"),
    ] {
        if action == format!("{ns}{sep}{local}") {
            return Some(pattern);
        }
    }
    if action == local {
        return Some("{element}");
    }
    None
}

/// Reads the facts off every exchange of `corpus` (`groups` is not used).
pub fn read(corpus: &Corpus, groups: &[Group]) -> Facts {
    let ex = &corpus.exchanges;
    let soap12 = most(ex.iter().map(|e| e.request.envelope_ns == SOAP12)).unwrap_or(false);
    let prefix = most(ex.iter().map(|e| e.request.envelope_prefix.clone()))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| if soap12 { "env" } else { "soapenv" }.to_owned());
    let declaration = most(ex.iter().map(|e| e.request.declaration)).unwrap_or(true);
    let headers: Vec<Option<String>> = ex.iter().map(|e| e.request.header.clone()).collect();
    let fixed = headers.first().cloned().flatten();
    let same = headers.iter().all(|h| *h == fixed);
    let (header, varying_header) = match (same, fixed) {
        (true, Some(h)) if !h.is_empty() && !h.contains('{') && !h.contains('}') => {
            (Some(h), false)
        }
        (true, _) => (None, false),
        (false, _) => (None, true),
    };
    let path = |hop: Hop| most(ex.iter().filter(|e| e.hop == hop).map(|e| e.path.clone()));
    let requests: Vec<_> = ex.iter().filter(|e| e.hop == Hop::Requests).collect();
    let rule = most(requests.iter().map(|e| action_of(&e.headers).0)).unwrap_or("quoted");
    let action = most(requests.iter().filter_map(|e| {
        let (_, a) = action_of(&e.headers);
        let body = e.request.body.as_ref()?;
        pattern_of(&a?, &body.ns, &body.local)
    }))
    .unwrap_or("{namespace}#{element}")
    .to_owned();
    let mut notes = Vec::new();
    if !corpus.unreadable.is_empty() {
        notes.push(format!(
            "{} messages are not SOAP envelopes and were left out (first at {})",
            corpus.unreadable.len(),
            corpus.unreadable[0]
        ));
    }
    let _ = groups;
    Facts {
        soap12,
        prefix,
        declaration,
        header,
        varying_header,
        connector_path: path(Hop::Requests),
        event_path: path(Hop::Events),
        rule,
        action,
        user_header: None,
        notes,
    }
}

/// Headers a client always sends or that carry transport, never SAP's user header.
pub const ORDINARY_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "soapaction",
    "host",
    "accept",
    "accept-encoding",
    "user-agent",
    "connection",
    "authorization",
    "cookie",
    "transfer-encoding",
    "expect",
];

/// Which header carries the agent's user (SAP Note 1640673), if one does.
pub(crate) fn user_header(corpus: &Corpus) -> Option<String> {
    let requests: Vec<_> = corpus
        .exchanges
        .iter()
        .filter(|e| e.hop == Hop::Requests)
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for ex in &requests {
        for (name, value) in &ex.headers {
            let lower = name.to_ascii_lowercase();
            if ORDINARY_HEADERS.contains(&lower.as_str()) {
                continue;
            }
            let text = format!("{:?}", ex.request.body);
            if !value.is_empty() && text.contains(&format!("\"{value}\"")) {
                *counts.entry(name.clone()).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n * 2 >= requests.len())
        .map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_their_patterns_are_read() {
        let h = |n: &str, v: &str| vec![(n.to_owned(), v.to_owned())];
        assert_eq!(
            action_of(&h("SOAPAction", "\"urn:x#op\"")),
            ("quoted", Some("urn:x#op".into()))
        );
        assert_eq!(
            action_of(&h("soapaction", "urn:x#op")),
            ("unquoted", Some("urn:x#op".into()))
        );
        assert_eq!(action_of(&h("soapaction", "\"\"")), ("empty", None));
        assert_eq!(
            action_of(&h(
                "content-type",
                "application/soap+xml; charset=UTF-8; action=\"u/op\""
            )),
            ("param", Some("u/op".into()))
        );
        assert_eq!(action_of(&h("content-type", "text/xml")), ("absent", None));
        assert_eq!(
            pattern_of("urn:a:2/SignIn", "urn:a:2", "SignIn"),
            Some("{namespace}/{element}")
        );
        assert_eq!(
            pattern_of("urn:x#op", "urn:x", "op"),
            Some("{namespace}#{element}")
        );
        assert_eq!(pattern_of("http://other/op", "urn:x", "op"), None);
    }
}
