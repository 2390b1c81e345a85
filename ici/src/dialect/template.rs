//! XML templates → node trees, checked against the message's [`Scope`].
//!
//! A template is the body element of one message as it looks on the wire, with `{field}`
//! placeholders where values go (the whole text of an element, or an attribute's whole value;
//! `{field?}` when the value may be absent, which leaves the element or attribute out) and three
//! control attributes in the reserved `crmsim:` prefix, which are never written:
//! - `crmsim:each="list"`: the element repeats once per item, its placeholders are the item's;
//! - `crmsim:if="record"` or `crmsim:if="field"`: the element is there only when the record (or
//!   the optional field, or a non-empty list) is;
//! - `crmsim:lax="true"`: unknown children are skipped when reading (SOAP fault details, which
//!   may carry foreign entries).
//!
//! Every other text or attribute value is a constant: written as is, and checked when read.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::fields::{F, FieldSpec, Kind, L, R, Scope};

/// The namespace an element or attribute name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NsId {
    Unqualified,
    /// Index into the dialect's namespace table.
    Known(u16),
}

#[derive(Debug)]
pub(crate) enum Value {
    Const(Box<str>),
    Field {
        spec: &'static FieldSpec,
        optional: bool,
    },
}

impl Value {
    pub(crate) fn is_optional(&self) -> bool {
        matches!(self, Value::Field { optional: true, .. })
            || matches!(
                self,
                Value::Field {
                    spec: FieldSpec {
                        kind: Kind::EmptyAsNone,
                        ..
                    },
                    ..
                }
            )
    }
}

#[derive(Debug)]
pub(crate) struct Attr {
    pub(crate) ns: NsId,
    /// The name as written, `id` or `xsi:type`.
    pub(crate) qname: Box<str>,
    pub(crate) value: Value,
}

#[derive(Debug)]
pub(crate) enum Content {
    Empty,
    Text(Value),
    Children(Vec<Node>),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Control {
    None,
    Each(L, &'static Scope),
    IfRecord(R, &'static Scope),
    IfField(&'static FieldSpec),
    IfList(L),
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) ns: NsId,
    pub(crate) local: Box<str>,
    pub(crate) qname: Box<str>,
    /// Namespace declarations written on this element: `(prefix, uri)`, `""` for the default.
    pub(crate) declare: Vec<(Box<str>, Box<str>)>,
    /// `<qname` and the declarations, escaped: what every message writes first for this element.
    pub(crate) start: Box<str>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) content: Content,
    pub(crate) control: Control,
    /// May be absent when read (see [`Node::compute_optional`]).
    pub(crate) optional: bool,
    pub(crate) lax: bool,
}

impl Node {
    /// The local names (element, or attribute) where `field` is placed in this subtree.
    pub(crate) fn carriers_of(&self, field: F, out: &mut Vec<String>) {
        for attr in &self.attrs {
            if let Value::Field { spec, .. } = &attr.value
                && spec.field == field
            {
                let local = attr.qname.rsplit(':').next().unwrap_or(&attr.qname);
                out.push(local.to_owned());
            }
        }
        match &self.content {
            Content::Text(Value::Field { spec, .. }) if spec.field == field => {
                out.push(self.local.to_string());
            }
            Content::Children(children) => {
                for child in children {
                    child.carriers_of(field, out);
                }
            }
            _ => {}
        }
    }
}

/// What went wrong, at a byte offset inside the template text.
pub(crate) struct TemplateError {
    pub(crate) at: usize,
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, TemplateError>;

fn err<T>(at: usize, message: impl Into<String>) -> Result<T> {
    Err(TemplateError {
        at,
        message: message.into(),
    })
}

/// The dialect's namespaces as the template compiler sees them.
pub(crate) struct Namespaces<'n> {
    /// `(prefix, uri)`; index 0 is the SOAP envelope's.
    pub(crate) table: &'n [(String, String)],
}

impl Namespaces<'_> {
    fn id(&self, uri: &str) -> Option<u16> {
        self.table
            .iter()
            .position(|(_, u)| u == uri)
            .and_then(|i| u16::try_from(i).ok())
    }
}

const CONTROL_NS: &str = "urn:crmsim:dialect";

/// Compiles one template whose root is a message body element.
pub(crate) fn compile(
    text: &str,
    namespaces: &Namespaces<'_>,
    scope: &'static Scope,
) -> Result<Node> {
    // The template is parsed inside a synthetic root that declares the dialect's prefixes and
    // `crmsim:`, so a template may use them without declaring them; offsets are shifted back.
    let mut wrapper = String::from("<crmsim:template xmlns:crmsim=\"");
    wrapper.push_str(CONTROL_NS);
    wrapper.push('"');
    for (prefix, uri) in namespaces.table {
        wrapper.push_str(" xmlns:");
        wrapper.push_str(prefix);
        wrapper.push_str("=\"");
        wrapper.push_str(&quick_xml::escape::escape(uri.as_str()));
        wrapper.push('"');
    }
    wrapper.push('>');
    let shift = wrapper.len();
    wrapper.push_str(text);
    wrapper.push_str("</crmsim:template>");

    let mut parser = Parser {
        reader: NsReader::from_str(&wrapper),
        shift,
        namespaces,
        end: shift + text.len(),
    };
    parser.reader.config_mut().trim_text(false);
    parser.reader.config_mut().check_end_names = true;
    let _root = parser.next()?;
    let mut roots = Vec::new();
    loop {
        let at = parser.position();
        match parser.next()? {
            Event::Start(start) => roots.push(parser.element(&start, false, at, scope)?),
            Event::Empty(start) => roots.push(parser.element(&start, true, at, scope)?),
            Event::End(_) => break,
            Event::Text(t) if is_blank(&t.xml10_content()) => {}
            Event::Comment(_) => {}
            _ => {
                return err(
                    at,
                    "a template holds exactly one element (the message's body element)",
                );
            }
        }
    }
    let mut roots = roots.into_iter();
    let (Some(mut root), None) = (roots.next(), roots.next()) else {
        return err(
            0,
            "a template holds exactly one element (the message's body element)",
        );
    };
    if !matches!(root.control, Control::None) {
        return err(0, "the body element cannot carry crmsim:each or crmsim:if");
    }
    let mut in_scope = vec![(
        namespaces
            .table
            .first()
            .map(|(p, _)| p.clone())
            .unwrap_or_default(),
        0u16,
    )];
    declare(&mut root, namespaces, &mut in_scope, None);
    fill_start(&mut root);
    check_required(&root, scope, true)?;
    Ok(root)
}

struct Parser<'x, 'n> {
    reader: NsReader<&'x [u8]>,
    shift: usize,
    end: usize,
    namespaces: &'n Namespaces<'n>,
}

impl<'x> Parser<'x, '_> {
    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position())
            .unwrap_or_default()
            .saturating_sub(self.shift)
    }

    fn next(&mut self) -> Result<Event<'x>> {
        let at = self.position();
        match self.reader.read_event() {
            Ok(Event::Eof) => err(at, "the template ends inside an open element"),
            Ok(Event::DocType(_)) => err(at, "a template cannot hold a DOCTYPE"),
            Ok(e) => Ok(e),
            Err(e) => {
                let pos = usize::try_from(self.reader.error_position())
                    .unwrap_or_default()
                    .saturating_sub(self.shift)
                    .min(self.end.saturating_sub(self.shift));
                err(pos, format!("the template is not well-formed XML: {e}"))
            }
        }
    }

    fn resolve(&self, start: &BytesStart<'_>, at: usize) -> Result<NsId> {
        match self.reader.resolver().resolve_element(start.name()).0 {
            ResolveResult::Unbound => Ok(NsId::Unqualified),
            ResolveResult::Bound(ns) => {
                let uri = ns.0;
                if uri == CONTROL_NS {
                    return err(
                        at,
                        "crmsim: is reserved for control attributes, not elements",
                    );
                }
                self.namespaces.id(uri).map(NsId::Known).map_or_else(
                    || {
                        err(
                            at,
                            format!(
                                "namespace {uri} is declared in the template but not in [namespaces]; add it there"
                            ),
                        )
                    },
                    Ok,
                )
            }
            ResolveResult::Unknown(prefix) => err(
                at,
                format!(
                    "unknown namespace prefix `{}`: declare it in [namespaces]",
                    prefix
                ),
            ),
        }
    }

    fn element(
        &mut self,
        start: &BytesStart<'x>,
        empty: bool,
        at: usize,
        scope: &'static Scope,
    ) -> Result<Node> {
        let ns = self.resolve(start, at)?;
        let qname = start.name().into_inner();
        let local = start.local_name().into_inner();
        let mut attrs = Vec::new();
        let mut control = Control::None;
        let mut lax = false;
        for attr in start.attributes() {
            let attr = attr.map_err(|e| TemplateError {
                at,
                message: format!("bad attribute: {e}"),
            })?;
            let key = attr.key.into_inner();
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| TemplateError {
                    at,
                    message: format!("bad attribute value: {e}"),
                })?
                .into_owned();
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue; // declarations are recomputed from the names used
            }
            let (attr_ns, attr_local) = self.reader.resolver().resolve_attribute(attr.key);
            let attr_local = attr_local.into_inner();
            let attr_ns = match attr_ns {
                ResolveResult::Bound(ns) if ns.0 == CONTROL_NS => {
                    match attr_local {
                        "each" => {
                            let Some((list, inner)) = scope.list(&value) else {
                                return err(
                                    at,
                                    format!(
                                        "crmsim:each=\"{value}\": no such list here; usable: {}",
                                        scope.names()
                                    ),
                                );
                            };
                            control = Control::Each(list, inner);
                        }
                        "if" => {
                            control = if let Some((record, inner)) = scope.record(&value) {
                                Control::IfRecord(record, inner)
                            } else if let Some((list, _)) = scope.list(&value) {
                                Control::IfList(list)
                            } else if let Some(spec) = scope.field(&value).filter(|s| !s.required) {
                                Control::IfField(spec)
                            } else {
                                return err(
                                    at,
                                    format!(
                                        "crmsim:if=\"{value}\": not an optional field, list or record here; usable: {}",
                                        scope.names()
                                    ),
                                );
                            };
                        }
                        "lax" => lax = value == "true",
                        other => {
                            return err(
                                at,
                                format!(
                                    "unknown control attribute crmsim:{other}; use crmsim:each, crmsim:if or crmsim:lax"
                                ),
                            );
                        }
                    }
                    continue;
                }
                // `xml:lang` and friends: the `xml` prefix is bound by XML itself and needs
                // no declaration; such attributes are matched by their written name.
                ResolveResult::Bound(ns) if ns.0 == "http://www.w3.org/XML/1998/namespace" => {
                    NsId::Unqualified
                }
                ResolveResult::Bound(ns) => {
                    let uri = ns.0;
                    match self.namespaces.id(uri) {
                        Some(id) => NsId::Known(id),
                        None => {
                            return err(
                                at,
                                format!(
                                    "namespace {uri} of attribute {key} is not in [namespaces]"
                                ),
                            );
                        }
                    }
                }
                ResolveResult::Unbound => NsId::Unqualified,
                ResolveResult::Unknown(p) => {
                    return err(
                        at,
                        format!("unknown namespace prefix `{}` on attribute {key}", p),
                    );
                }
            };
            attrs.push((attr_ns, attr_local.to_owned(), key.to_owned(), value));
        }
        // Placeholders inside the element resolve in the scope the control attribute opens.
        let inner_scope = match control {
            Control::Each(_, s) | Control::IfRecord(_, s) => s,
            _ => scope,
        };
        let attrs = attrs
            .into_iter()
            .map(|(ns, _local, qname, value)| {
                Ok(Attr {
                    ns,
                    qname: qname.into(),
                    value: value_of(&value, inner_scope, at)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let content = if empty {
            Content::Empty
        } else {
            self.content(inner_scope)?
        };
        let mut node = Node {
            ns,
            local: local.into(),
            qname: qname.into(),
            declare: Vec::new(),
            start: Box::default(),
            attrs,
            content,
            control,
            optional: false,
            lax,
        };
        node.optional = node.compute_optional();
        Ok(node)
    }

    fn content(&mut self, scope: &'static Scope) -> Result<Content> {
        let mut children = Vec::new();
        let mut text = String::new();
        let mut text_at = 0;
        loop {
            let at = self.position();
            match self.next()? {
                Event::Start(start) => children.push(self.element(&start, false, at, scope)?),
                Event::Empty(start) => children.push(self.element(&start, true, at, scope)?),
                Event::End(_) => break,
                Event::Text(t) => {
                    if text.is_empty() {
                        text_at = at;
                    }
                    let piece = t.xml10_content();
                    text.push_str(&piece);
                }
                Event::CData(t) => text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => text.push_str(s),
                        None => return err(at, "unknown entity in the template"),
                    },
                },
                Event::Comment(_) | Event::PI(_) => {}
                _ => return err(at, "unexpected markup in the template"),
            }
        }
        match (children.is_empty(), is_blank(&text)) {
            (true, true) if text.is_empty() => Ok(Content::Empty),
            (true, _) => Ok(Content::Text(value_of(&text, scope, text_at)?)),
            (false, true) => Ok(Content::Children(children)),
            (false, false) => err(
                text_at,
                "mixed content: an element holds either child elements or one value, not both",
            ),
        }
    }
}

impl Node {
    /// Absent-when-read is allowed for an element under a control attribute, one whose whole
    /// text is an optional value, or one whose every part is optional.
    fn compute_optional(&self) -> bool {
        if !matches!(self.control, Control::None) {
            return true;
        }
        let attrs_optional = self.attrs.iter().all(|a| match &a.value {
            Value::Const(_) => false,
            v => v.is_optional(),
        });
        match &self.content {
            Content::Empty => false,
            Content::Text(v) => v.is_optional() && attrs_optional,
            Content::Children(c) => attrs_optional && c.iter().all(|n| n.optional),
        }
    }

    /// Whether a required field of `scope` appears in this subtree at a place that is always
    /// written and always read.
    fn places(&self, name: &str) -> bool {
        matches!(self.control, Control::None) && places_inside(self, name)
    }
}

/// Every required field of the scope must be placed where it is always present; placeholders
/// under `crmsim:each`/`crmsim:if` are checked in their own scopes.
fn check_required(node: &Node, scope: &'static Scope, is_root: bool) -> Result<()> {
    if is_root {
        for spec in scope.fields.iter().filter(|s| s.required) {
            if !node.places(spec.name) {
                return err(
                    0,
                    format!(
                        "the template does not place the required field {{{}}}; write it as an element's text or an attribute's value, outside crmsim:each/crmsim:if and without `?`",
                        spec.name
                    ),
                );
            }
        }
    }
    if let Content::Children(children) = &node.content {
        for child in children {
            match child.control {
                Control::Each(_, inner) | Control::IfRecord(_, inner) => {
                    for spec in inner.fields.iter().filter(|s| s.required) {
                        if !places_inside(child, spec.name) {
                            return err(
                                0,
                                format!(
                                    "inside `{}`, the required field {{{}}} is not placed",
                                    child.qname, spec.name
                                ),
                            );
                        }
                    }
                    check_required(child, inner, false)?;
                }
                _ => check_required(child, scope, false)?,
            }
        }
    }
    Ok(())
}

/// [`Node::places`] for the subtree of `node`, ignoring `node`'s own control attribute.
fn places_inside(node: &Node, name: &str) -> bool {
    let here = |v: &Value| matches!(v, Value::Field { spec, optional: false } if spec.name == name);
    node.attrs.iter().any(|a| here(&a.value))
        || match &node.content {
            Content::Text(v) => here(v),
            Content::Children(c) => c.iter().any(|n| n.places(name)),
            Content::Empty => false,
        }
}

/// Works out which namespace declarations each element writes: a prefix is declared on the
/// outermost element that uses it and is not yet in scope (the envelope's is always in scope).
fn declare(
    node: &mut Node,
    namespaces: &Namespaces<'_>,
    in_scope: &mut Vec<(String, u16)>,
    default: Option<u16>,
) {
    let mark = in_scope.len();
    let mut default_here = default;
    let mut uses = vec![(prefix_of(&node.qname), node.ns)];
    uses.extend(
        node.attrs
            .iter()
            .filter(|a| a.ns != NsId::Unqualified)
            .map(|a| (prefix_of(&a.qname), a.ns)),
    );
    for (prefix, ns) in uses {
        match (prefix, ns) {
            ("", NsId::Known(id)) if default_here != Some(id) => {
                node.declare.push(("".into(), uri(namespaces, id).into()));
                default_here = Some(id);
            }
            ("", NsId::Unqualified) if default_here.is_some() => {
                node.declare.push(("".into(), "".into()));
                default_here = None;
            }
            (p, NsId::Known(id))
                if !p.is_empty() && !in_scope.iter().any(|(q, i)| q == p && *i == id) =>
            {
                node.declare.push((p.into(), uri(namespaces, id).into()));
                in_scope.push((p.to_owned(), id));
            }
            _ => {}
        }
    }
    if let Content::Children(children) = &mut node.content {
        for child in children {
            declare(child, namespaces, in_scope, default_here);
        }
    }
    in_scope.truncate(mark);
}

fn fill_start(node: &mut Node) {
    let mut start = String::from("<");
    start.push_str(&node.qname);
    for (prefix, uri) in &node.declare {
        start.push_str(" xmlns");
        if !prefix.is_empty() {
            start.push(':');
            start.push_str(prefix);
        }
        start.push_str("=\"");
        super::escape::attribute(&mut start, uri);
        start.push('"');
    }
    node.start = start.into();
    if let Content::Children(children) = &mut node.content {
        children.iter_mut().for_each(fill_start);
    }
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

fn uri<'n>(namespaces: &'n Namespaces<'_>, id: u16) -> &'n str {
    namespaces
        .table
        .get(usize::from(id))
        .map_or("", |(_, u)| u.as_str())
}

/// `{field}`, `{field?}` or a constant.
fn value_of(text: &str, scope: &'static Scope, at: usize) -> Result<Value> {
    let trimmed = text.trim();
    if let Some(inner) = trimmed.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let (name, optional) = match inner.strip_suffix('?') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        let Some(spec) = scope.field(name) else {
            return err(
                at,
                format!("unknown field {{{name}}} here; usable: {}", scope.names()),
            );
        };
        if spec.required && optional {
            return err(
                at,
                format!("{{{name}?}}: {name} is required in this message; write {{{name}}}"),
            );
        }
        return Ok(Value::Field {
            spec,
            optional: optional
                || (!spec.required && !spec.leavable && spec.kind != Kind::EmptyAsNone),
        });
    }
    if text.contains('{') || text.contains('}') {
        return err(
            at,
            format!("{text:?}: a placeholder must be the whole value, e.g. <user>{{user}}</user>"),
        );
    }
    Ok(Value::Const(text.into()))
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}
