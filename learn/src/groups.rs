//! The captured messages sorted into groups: one per request or event kind (hop and body
//! element), each with its answers, merged into shapes.

use std::collections::BTreeMap;

use capture::{Capture, Hop, Message};

use crate::merge::{Node, merge};
use crate::tree::{Elem, Soap, parse};

/// One captured exchange, read.
pub struct Exchange {
    /// `file:line` of the request.
    pub place: String,
    /// The hop it came on: a request to the connector or an event to the CRM.
    pub hop: Hop,
    /// Seconds since 1970.
    pub t: f64,
    /// The request's HTTP path, without the query.
    pub path: String,
    /// The request's HTTP headers, as captured.
    pub headers: Vec<(String, String)>,
    /// The request (or event), read.
    pub request: Soap,
    /// The answer, read; `None` when none was captured or it is not a SOAP envelope.
    pub response: Option<Soap>,
    /// The answer's HTTP headers (empty when none was captured).
    pub response_headers: Vec<(String, String)>,
    /// The answer's HTTP status, when one was captured.
    pub status: Option<u16>,
}

impl Exchange {
    /// The value of the request header `name` (case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The messages of one kind.
pub struct Group {
    /// The hop its messages came on.
    pub hop: Hop,
    /// Namespace URI of the body element that names the kind.
    pub ns: String,
    /// Local name of that body element.
    pub local: String,
    /// The prefix the first message wrote for it, kept for the template.
    pub prefix: String,
    /// Indices into the exchanges.
    pub members: Vec<usize>,
    /// The merged request (or event).
    pub shape: Node,
    /// The merged answer (the most common answer element that is not a fault), if any.
    pub reply: Option<Node>,
    /// How many answers were faults.
    pub faults: usize,
}

impl Group {
    /// The body element as `{ns}local`.
    pub fn expanded(&self) -> String {
        capture::tally::expanded(&self.ns, &self.local)
    }
}

/// Everything read from the captures.
pub struct Corpus {
    /// Every exchange whose request read as SOAP, in time order.
    pub exchanges: Vec<Exchange>,
    /// The messages sorted into kinds: one group per hop and body element.
    pub groups: Vec<Group>,
    /// Fault bodies seen in answers.
    pub faults: Vec<Elem>,
    /// Messages that are not SOAP envelopes, with where.
    pub unreadable: Vec<String>,
}

/// Reads every exchange of `captures`, orders them by time, and groups them by hop and body
/// element with each group's requests and answers merged.
pub fn read(captures: &[Capture]) -> Corpus {
    let mut exchanges = Vec::new();
    let mut unreadable = Vec::new();
    for c in captures {
        for ex in c.exchanges() {
            let place = format!("{}:{}", c.path.display(), ex.line);
            let text = String::from_utf8_lossy(&ex.request.body_bytes()).into_owned();
            let Some(request) = parse(&text) else {
                unreadable.push(place);
                continue;
            };
            let (response, response_headers, status) = match ex.response {
                Some((_, r)) => (
                    parse(&String::from_utf8_lossy(&r.body_bytes())),
                    r.headers.clone(),
                    r.status,
                ),
                None => (None, Vec::new(), None),
            };
            exchanges.push(Exchange {
                place,
                hop: ex.request.hop,
                t: capture::message::parse_time(&ex.request.t).unwrap_or_default(),
                path: path_only(ex.request),
                headers: ex.request.headers.clone(),
                request,
                response,
                response_headers,
                status,
            });
        }
    }
    exchanges.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut faults = Vec::new();
    let mut by_kind: BTreeMap<(Hop, String, String), Vec<usize>> = BTreeMap::new();
    for (i, ex) in exchanges.iter().enumerate() {
        if let Some(body) = &ex.request.body {
            by_kind
                .entry((ex.hop, body.ns.clone(), body.local.clone()))
                .or_default()
                .push(i);
        }
        if let Some(body) = ex.response.as_ref().and_then(|r| r.body.as_ref())
            && body.local == "Fault"
        {
            faults.push(body.clone());
        }
    }
    let groups = by_kind
        .into_iter()
        .map(|((hop, ns, local), members)| {
            let bodies: Vec<&Elem> = members
                .iter()
                .filter_map(|i| exchanges[*i].request.body.as_ref())
                .collect();
            let shape = merge(&bodies, bodies.len());
            let answers: Vec<&Elem> = members
                .iter()
                .filter_map(|i| exchanges[*i].response.as_ref()?.body.as_ref())
                .collect();
            let faults = answers.iter().filter(|a| a.local == "Fault").count();
            let mut kinds: BTreeMap<(String, String), Vec<&Elem>> = BTreeMap::new();
            for a in answers.iter().filter(|a| a.local != "Fault") {
                kinds
                    .entry((a.ns.clone(), a.local.clone()))
                    .or_default()
                    .push(a);
            }
            let reply = kinds
                .into_values()
                .max_by_key(Vec::len)
                .map(|v| merge(&v, v.len()));
            Group {
                hop,
                prefix: bodies.first().map(|b| b.prefix.clone()).unwrap_or_default(),
                ns,
                local,
                members,
                shape,
                reply,
                faults,
            }
        })
        .collect();
    Corpus {
        exchanges,
        groups,
        faults,
        unreadable,
    }
}

fn path_only(m: &Message) -> String {
    let p = m.path.clone().unwrap_or_default();
    p.split('?').next().unwrap_or_default().to_owned()
}

/// A leaf of a merged shape: an element's text or one of its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Child indices from the root.
    pub path: Vec<usize>,
    /// `None`: the element's text; `Some(i)`: its attribute `i`.
    pub attr: Option<usize>,
    /// Inside a repeated element (a list), at this depth of `path`.
    pub in_list: Option<usize>,
    /// `element` or `element/@attr`, for comments.
    pub name: String,
    /// Its value in every occurrence that had it.
    pub values: Vec<String>,
    /// The leaf is missing from some instances of its element (or its element from its
    /// parent's).
    pub optional: bool,
    /// The discriminating attribute's value of its element (`CV01` of `<var name="CV01">`).
    pub disc: Option<String>,
}

/// Every leaf of `node`.
pub fn leaves(node: &Node) -> Vec<Leaf> {
    let mut out = Vec::new();
    collect(node, &mut Vec::new(), None, false, &mut out);
    out
}

fn collect(
    node: &Node,
    path: &mut Vec<usize>,
    in_list: Option<usize>,
    optional: bool,
    out: &mut Vec<Leaf>,
) {
    let in_list = in_list.or((node.max_repeat > 1).then_some(path.len()));
    let optional = optional || node.is_optional();
    let occurrences = node.occurrences();
    for (i, a) in node.attrs.iter().enumerate() {
        out.push(Leaf {
            path: path.clone(),
            attr: Some(i),
            in_list,
            name: format!("{}/@{}", node.local, a.local),
            values: a.values.clone(),
            optional: optional || a.present < occurrences,
            disc: node.disc.as_ref().map(|d| d.1.clone()),
        });
    }
    let has_text = node.text.iter().any(|t| !t.trim().is_empty())
        || node.disc.is_some()
        || node.attrs.is_empty();
    if node.is_leaf() && has_text {
        out.push(Leaf {
            path: path.clone(),
            attr: None,
            in_list,
            name: node.local.clone(),
            values: node.text.clone(),
            optional: optional || node.text.len() < occurrences,
            disc: node.disc.as_ref().map(|d| d.1.clone()),
        });
    }
    for (i, c) in node.children.iter().enumerate() {
        path.push(i);
        collect(c, path, in_list, optional, out);
        path.pop();
    }
}

/// The node at `path` under `root`.
pub fn node_at<'a>(root: &'a Node, path: &[usize]) -> Option<&'a Node> {
    let mut n = root;
    for i in path {
        n = n.children.get(*i)?;
    }
    Some(n)
}

/// The node at `path` under `root`, to change.
pub fn node_at_mut<'a>(root: &'a mut Node, path: &[usize]) -> Option<&'a mut Node> {
    let mut n = root;
    for i in path {
        n = n.children.get_mut(*i)?;
    }
    Some(n)
}

/// Sets what a leaf becomes.
pub fn set_role(root: &mut Node, leaf: &Leaf, role: crate::merge::Role) {
    if let Some(n) = node_at_mut(root, &leaf.path) {
        match leaf.attr {
            Some(i) => {
                if let Some(a) = n.attrs.get_mut(i) {
                    a.role = role;
                }
            }
            None => n.text_role = role,
        }
    }
}

/// A leaf's value in one instance of the group's message (the first occurrence), for
/// correlating messages with each other.
pub fn value_in(elem: &Elem, shape: &Node, leaf: &Leaf) -> Option<String> {
    let mut e = elem;
    let mut n = shape;
    for i in &leaf.path {
        let child = n.children.get(*i)?;
        e = e.children.iter().find(|c| {
            c.ns == child.ns
                && c.local == child.local
                && child
                    .disc
                    .as_ref()
                    .is_none_or(|(a, v)| c.attrs.iter().any(|x| x.local == *a && x.value == *v))
        })?;
        n = child;
    }
    match leaf.attr {
        Some(i) => {
            let stat = n.attrs.get(i)?;
            e.attrs
                .iter()
                .find(|a| a.local == stat.local && a.ns == stat.ns)
                .map(|a| a.value.clone())
        }
        None => e.text.clone(),
    }
}
