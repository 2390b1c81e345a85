//! A dialect's templates as XML Schema content models: what each element may hold, with the
//! merging that XSD's rules force on templates.
//!
//! A template is one instance of a message; a schema is a type. Two rules of XSD 1.0 stand
//! between them: elements of one name inside one content model must share one type ("Element
//! Declarations Consistent": the foreign dialect's ten `<nt:var name="CV01">`… siblings differ
//! only in a fixed attribute, so they become one `var` whose `name` is one of the ten words), and
//! an element in another namespace than its schema's can only be referenced as a global
//! declaration of that namespace's schema (so such elements are collected per namespace and
//! merged when several templates place them).

use std::collections::BTreeMap;

use crate::dialect::Dialect;
use crate::dialect::fields::{FieldSpec, Kind};
use crate::dialect::soap::TimeFormat;
use crate::dialect::template::{Attr, Content, Control, Node, NsId, Value};

/// The value space of a text or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Simple {
    /// A built-in type of XML Schema (local name: `string`, `QName`, `dateTime`…).
    Builtin(&'static str),
    /// `xs:string` restricted to a pattern.
    Pattern(&'static str),
    /// A not-ready reason code: `xs:unsignedShort` from 1000.
    Reason,
    /// One of these words exactly (vocabularies and constants).
    Words(Vec<String>),
}

impl Simple {
    fn merge(self, other: Simple) -> Simple {
        match (self, other) {
            (a, b) if a == b => a,
            (Simple::Words(mut a), Simple::Words(b)) => {
                for w in b {
                    if !a.contains(&w) {
                        a.push(w);
                    }
                }
                Simple::Words(a)
            }
            _ => Simple::Builtin("string"),
        }
    }

    /// Whether the empty string is already in the value space.
    pub(super) fn allows_empty(&self) -> bool {
        match self {
            Simple::Builtin(b) => *b == "string",
            Simple::Words(w) => w.iter().any(String::is_empty),
            _ => false,
        }
    }
}

/// Text content: its type, and whether the element may also be written empty (an optional
/// value inside an element that is written anyway because of its attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text {
    pub(super) ty: Simple,
    pub(super) empty_ok: bool,
}

/// An attribute's name as the schema declares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AttrName {
    Unqualified(String),
    /// `xml:lang` and friends, declared by the generated `xml.xsd`.
    Xml(String),
    Qualified(u16, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttrShape {
    pub(super) name: AttrName,
    pub(super) ty: Simple,
    pub(super) required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Body {
    Empty,
    Text(Text),
    Children(Vec<Particle>),
    /// Anything, checked laxly: where templates disagree on structure, or a `crmsim:lax`
    /// element that also holds elements of other namespaces.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    pub(super) attrs: Vec<AttrShape>,
    pub(super) body: Body,
    /// `crmsim:lax`: children the template does not name are allowed (and skipped when read).
    pub(super) lax: bool,
}

/// How often an element occurs; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Occurs {
    pub(super) min: u32,
    pub(super) max: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Particle {
    pub(super) ns: NsId,
    pub(super) local: String,
    pub(super) occurs: Occurs,
    /// A reference to a global declaration of another namespace's schema, or a local element.
    pub(super) kind: ParticleKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ParticleKind {
    Local(Shape),
    Ref,
}

/// An element name as XSD sees it.
pub(super) type Name = (NsId, String);

/// Global declarations per namespace: elements, and qualified attributes.
#[derive(Debug, Default)]
pub(super) struct Globals {
    pub(super) elements: BTreeMap<NsKey, BTreeMap<String, Shape>>,
    pub(super) attributes: BTreeMap<NsKey, BTreeMap<String, Simple>>,
    pub(super) xml_attributes: Vec<String>,
}

/// A namespace as a map key: `None` for no namespace.
pub(super) type NsKey = Option<u16>;

pub(super) fn key(ns: NsId) -> NsKey {
    match ns {
        NsId::Unqualified => None,
        NsId::Known(i) => Some(i),
    }
}

impl Globals {
    /// Adds a template's root (a body element or the fault) as a global element.
    pub(super) fn add_root(&mut self, d: &Dialect, node: &Node) {
        let shape = self.shape(d, node, key(node.ns));
        self.insert(key(node.ns), &node.local, shape);
    }

    fn insert(&mut self, ns: NsKey, local: &str, shape: Shape) {
        let table = self.elements.entry(ns).or_default();
        let merged = match table.remove(local) {
            Some(old) => old.merge(shape),
            None => shape,
        };
        table.insert(local.to_owned(), merged);
    }

    /// The type of `node`, declared inside the schema of namespace `tns`.
    fn shape(&mut self, d: &Dialect, node: &Node, tns: NsKey) -> Shape {
        let attrs = node
            .attrs
            .iter()
            .filter_map(|a| self.attr(d, a, tns))
            .collect();
        let body = match &node.content {
            Content::Empty => Body::Empty,
            Content::Text(v) => Body::Text(Text {
                ty: simple(d, v),
                // Written even without its value when the element is always there.
                empty_ok: v.is_optional() && !node.optional,
            }),
            Content::Children(children) => {
                let particles = children.iter().map(|c| self.particle(d, c, tns)).collect();
                Body::Children(consistent(particles))
            }
        };
        let mut shape = Shape {
            attrs,
            body,
            lax: node.lax,
        };
        if shape.lax {
            shape.body = match shape.body {
                // Unknown children next to known ones of another namespace cannot be told apart
                // from them by XSD 1.0's wildcards without ambiguity: open it up instead.
                Body::Children(p) if p.iter().any(|p| p.kind == ParticleKind::Ref) => Body::Open,
                Body::Empty => Body::Open,
                other => other,
            };
        }
        shape
    }

    fn particle(&mut self, d: &Dialect, node: &Node, tns: NsKey) -> Particle {
        let occurs = Occurs {
            min: u32::from(!node.optional),
            max: match node.control {
                Control::Each(..) => None,
                _ => Some(1),
            },
        };
        let here = key(node.ns);
        let kind = if here.is_none() || here == tns {
            ParticleKind::Local(self.shape(d, node, tns))
        } else {
            let shape = self.shape(d, node, here);
            self.insert(here, &node.local, shape);
            ParticleKind::Ref
        };
        Particle {
            ns: node.ns,
            local: node.local.to_string(),
            occurs,
            kind,
        }
    }

    fn attr(&mut self, d: &Dialect, attr: &Attr, tns: NsKey) -> Option<AttrShape> {
        // XML Schema instance attributes (`xsi:type`) are every validator's own.
        if let NsId::Known(i) = attr.ns
            && d.ns_uri(i) == "http://www.w3.org/2001/XMLSchema-instance"
        {
            return None;
        }
        let ty = simple(d, &attr.value);
        let required = !attr.value.is_optional();
        let local = attr
            .qname
            .split_once(':')
            .map_or(&*attr.qname, |(_, l)| l)
            .to_owned();
        let name = match attr.ns {
            NsId::Unqualified if attr.qname.starts_with("xml:") => {
                if !self.xml_attributes.contains(&local) {
                    self.xml_attributes.push(local.clone());
                }
                AttrName::Xml(local)
            }
            NsId::Unqualified => AttrName::Unqualified(local),
            NsId::Known(i) => {
                if Some(i) != tns {
                    let table = self.attributes.entry(Some(i)).or_default();
                    let merged = match table.remove(&local) {
                        Some(old) => old.merge(ty.clone()),
                        None => ty.clone(),
                    };
                    table.insert(local.clone(), merged);
                }
                AttrName::Qualified(i, local)
            }
        };
        Some(AttrShape { name, ty, required })
    }
}

/// Enforces one type per element name within a content model: consecutive siblings of one name
/// become one particle (their occurrences added up), and any name that still occurs more than
/// once gets the merge of all its types at every place.
fn consistent(particles: Vec<Particle>) -> Vec<Particle> {
    let mut runs: Vec<Particle> = Vec::new();
    for p in particles {
        match runs.last_mut() {
            Some(last) if last.ns == p.ns && last.local == p.local => {
                let occurs = Occurs {
                    min: last.occurs.min.saturating_add(p.occurs.min),
                    max: match (last.occurs.max, p.occurs.max) {
                        (Some(a), Some(b)) => Some(a.saturating_add(b)),
                        _ => None,
                    },
                };
                let kind = merge_kind(last.kind.clone(), p.kind);
                *last = Particle {
                    ns: p.ns,
                    local: p.local,
                    occurs,
                    kind,
                };
            }
            _ => runs.push(p),
        }
    }
    let mut merged: BTreeMap<Name, ParticleKind> = BTreeMap::new();
    let mut seen: BTreeMap<Name, usize> = BTreeMap::new();
    for p in &runs {
        let name = (p.ns, p.local.clone());
        *seen.entry(name.clone()).or_default() += 1;
        let kind = match merged.remove(&name) {
            Some(k) => merge_kind(k, p.kind.clone()),
            None => p.kind.clone(),
        };
        merged.insert(name, kind);
    }
    for p in &mut runs {
        let name = (p.ns, p.local.clone());
        if seen.get(&name).copied().unwrap_or(0) > 1
            && let Some(k) = merged.get(&name)
        {
            p.kind = k.clone();
        }
    }
    runs
}

fn merge_kind(a: ParticleKind, b: ParticleKind) -> ParticleKind {
    match (a, b) {
        (ParticleKind::Local(a), ParticleKind::Local(b)) => ParticleKind::Local(a.merge(b)),
        // A global is merged where it is inserted.
        _ => ParticleKind::Ref,
    }
}

impl Shape {
    /// The narrowest type that holds every instance of both.
    pub(super) fn merge(self, other: Shape) -> Shape {
        let mut attrs: Vec<AttrShape> = Vec::new();
        for a in &self.attrs {
            match other.attrs.iter().find(|b| b.name == a.name) {
                Some(b) => attrs.push(AttrShape {
                    name: a.name.clone(),
                    ty: a.ty.clone().merge(b.ty.clone()),
                    required: a.required && b.required,
                }),
                None => attrs.push(AttrShape {
                    required: false,
                    ..a.clone()
                }),
            }
        }
        for b in &other.attrs {
            if !self.attrs.iter().any(|a| a.name == b.name) {
                attrs.push(AttrShape {
                    required: false,
                    ..b.clone()
                });
            }
        }
        let body = match (self.body, other.body) {
            (Body::Empty, Body::Empty) => Body::Empty,
            (Body::Text(a), Body::Text(b)) => Body::Text(Text {
                ty: a.ty.merge(b.ty),
                empty_ok: a.empty_ok || b.empty_ok,
            }),
            (Body::Empty, Body::Text(t)) | (Body::Text(t), Body::Empty) => Body::Text(Text {
                ty: t.ty,
                empty_ok: true,
            }),
            (Body::Children(a), Body::Children(b)) => merge_children(a, b),
            (Body::Empty, Body::Children(c)) | (Body::Children(c), Body::Empty) => Body::Children(
                c.into_iter()
                    .map(|p| Particle {
                        occurs: Occurs { min: 0, ..p.occurs },
                        ..p
                    })
                    .collect(),
            ),
            _ => Body::Open,
        };
        Shape {
            attrs,
            body,
            lax: self.lax || other.lax,
        }
    }
}

/// Two sequences of the same names in the same order merge element by element; any other pair
/// has no common sequence XSD could state without ambiguity.
fn merge_children(a: Vec<Particle>, b: Vec<Particle>) -> Body {
    let same = a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.ns == y.ns && x.local == y.local);
    if !same {
        return Body::Open;
    }
    Body::Children(
        a.into_iter()
            .zip(b)
            .map(|(x, y)| Particle {
                occurs: Occurs {
                    min: x.occurs.min.min(y.occurs.min),
                    max: match (x.occurs.max, y.occurs.max) {
                        (Some(p), Some(q)) => Some(p.max(q)),
                        _ => None,
                    },
                },
                kind: merge_kind(x.kind, y.kind),
                ns: x.ns,
                local: x.local,
            })
            .collect(),
    )
}

/// The value space of a template value in this dialect.
fn simple(d: &Dialect, value: &Value) -> Simple {
    match value {
        Value::Const(c) => Simple::Words(vec![c.to_string()]),
        Value::Field { spec, .. } => field_type(d, spec),
    }
}

fn field_type(d: &Dialect, spec: &FieldSpec) -> Simple {
    match spec.kind {
        Kind::Str | Kind::Login | Kind::EmptyAsNone => Simple::Builtin("string"),
        Kind::E164 => Simple::Pattern(r"\+[1-9][0-9]{1,14}"),
        Kind::Reason => Simple::Reason,
        Kind::Sequence => Simple::Builtin("unsignedLong"),
        Kind::Timestamp => match d.timestamp {
            TimeFormat::Rfc3339 => Simple::Builtin("dateTime"),
            TimeFormat::UnixMillis => Simple::Builtin("long"),
        },
        Kind::Enum(vocab) => Simple::Words(
            d.table(vocab)
                .all_words()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
        Kind::EccVarName => Simple::Pattern(r"ECC\.[\s\S]+"),
        Kind::EccArrayName => Simple::Pattern(r"ECCA\.[\s\S]+"),
        Kind::FaultCode => Simple::Builtin("QName"),
    }
}
