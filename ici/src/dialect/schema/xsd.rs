//! Shapes → XSD text: one schema document per namespace (XSD allows no other split), the SOAP
//! envelope's as the driver that imports all others.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::shape::{
    AttrName, AttrShape, Body, Globals, NsKey, Particle, ParticleKind, Shape, Simple, Text,
};
use super::{SCHEMA_DRIVER, SchemaFile, Uses};
use crate::dialect::Dialect;
use crate::dialect::escape;
use crate::dialect::template::NsId;

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
pub(super) const XML_XSD: &str = "xml.xsd";
const NO_NAMESPACE_XSD: &str = "no-namespace.xsd";

/// What every schema document of one dialect shares.
pub(super) struct Ctx<'d> {
    pub(super) d: &'d Dialect,
    /// The prefix bound to XML Schema's namespace: `xs`, unless the dialect uses it.
    pub(super) xs: String,
}

impl<'d> Ctx<'d> {
    pub(super) fn new(d: &'d Dialect) -> Ctx<'d> {
        let taken = |p: &str| d.namespaces.iter().any(|(q, _)| q == p);
        let xs = ["xs", "xsd"]
            .into_iter()
            .map(str::to_owned)
            .chain((0..).map(|i| format!("xs{i}")))
            .find(|p| !taken(p))
            .unwrap_or_else(|| "xs".to_owned());
        Ctx { d, xs }
    }

    /// The file holding namespace `ns`'s declarations.
    pub(super) fn file(&self, ns: NsKey) -> String {
        match ns {
            None => NO_NAMESPACE_XSD.to_owned(),
            Some(0) => SCHEMA_DRIVER.to_owned(),
            Some(i) => format!("ns-{}.xsd", self.prefix(i)),
        }
    }

    pub(super) fn prefix(&self, i: u16) -> &str {
        self.d
            .namespaces
            .get(usize::from(i))
            .map_or("", |(p, _)| p.as_str())
    }

    fn qname(&self, ns: NsId, local: &str) -> String {
        match ns {
            NsId::Unqualified => local.to_owned(),
            NsId::Known(i) => format!("{}:{local}", self.prefix(i)),
        }
    }
}

/// Renders every schema document: the driver first, then one per namespace, then `xml.xsd`.
pub(super) fn render(ctx: &Ctx<'_>, globals: &Globals, uses: &Uses) -> Vec<SchemaFile> {
    let mut spaces: BTreeSet<NsKey> = globals.elements.keys().copied().collect();
    spaces.extend(globals.attributes.keys().copied());
    spaces.insert(Some(0));
    let mut files = Vec::new();
    for ns in &spaces {
        let text = Doc::new(ctx, *ns).render(globals, uses, &spaces);
        files.push(SchemaFile {
            name: ctx.file(*ns),
            text,
        });
    }
    if !globals.xml_attributes.is_empty() {
        files.push(SchemaFile {
            name: XML_XSD.to_owned(),
            text: xml_xsd(ctx, &globals.xml_attributes),
        });
    }
    // The driver is what a user validates against: list it first.
    files.sort_by_key(|f| f.name != SCHEMA_DRIVER);
    files
}

/// One schema document being written.
struct Doc<'c, 'd> {
    ctx: &'c Ctx<'d>,
    tns: NsKey,
    /// Named simple types, deduplicated: `(type, empty allowed)` → name.
    types: Vec<(Text, String)>,
    type_defs: String,
    /// Other namespaces this document refers to.
    imports: BTreeSet<NsKey>,
    xml_import: bool,
}

impl<'c, 'd> Doc<'c, 'd> {
    fn new(ctx: &'c Ctx<'d>, tns: NsKey) -> Doc<'c, 'd> {
        Doc {
            ctx,
            tns,
            types: Vec::new(),
            type_defs: String::new(),
            imports: BTreeSet::new(),
            xml_import: false,
        }
    }

    fn render(mut self, globals: &Globals, uses: &Uses, spaces: &BTreeSet<NsKey>) -> String {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let mut body = String::new();
        let is_driver = self.tns == Some(0);
        if is_driver {
            self.envelope(&mut body, uses);
        }
        if let Some(elements) = globals.elements.get(&self.tns) {
            for (local, shape) in elements {
                let _ = write!(body, "\n  <{xs}:element name=\"{}\"", attr_text(local));
                let used = uses.get(&(self.tns, local.clone()));
                self.typed(&mut body, shape, 1, used.map(Vec::as_slice));
            }
        }
        if let Some(attributes) = globals.attributes.get(&self.tns) {
            for (local, ty) in attributes {
                let t = self.type_ref(
                    &Text {
                        ty: ty.clone(),
                        empty_ok: false,
                    },
                    local,
                );
                let _ = writeln!(
                    body,
                    "\n  <{xs}:attribute name=\"{}\" type=\"{t}\"/>",
                    attr_text(local)
                );
            }
        }
        if is_driver {
            // The driver pulls in every other namespace so that one file validates a message.
            self.imports
                .extend(spaces.iter().filter(|s| **s != Some(0)));
        }
        self.imports.remove(&self.tns);

        let d = self.ctx.d;
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<!-- Generated by crmsim schema from the dialect {} ({}); regenerate instead of editing. -->",
            comment_text(d.name()),
            comment_text(d.origin()),
        );
        let _ = write!(out, "<{xs}:schema xmlns:{xs}=\"{XS_NS}\"");
        for (prefix, uri) in &d.namespaces {
            let _ = write!(out, "\n    xmlns:{prefix}=\"{}\"", attr_text(uri));
        }
        if let Some(i) = self.tns {
            let _ = write!(out, "\n    targetNamespace=\"{}\"", attr_text(d.ns_uri(i)));
        }
        out.push_str(
            "\n    elementFormDefault=\"unqualified\" attributeFormDefault=\"unqualified\">\n",
        );
        let _ = writeln!(out, "  <{xs}:annotation><{xs}:documentation>");
        let what = match self.tns {
            Some(0) => format!(
                "The SOAP {} envelope as the dialect {} sends it, and the driver schema: validate a \
                 whole message against this file, e.g. xmllint --noout --schema {SCHEMA_DRIVER} message.xml. \
                 Body holds exactly one element of the dialect, validated strictly; header entries \
                 are checked laxly.",
                d.soap.as_str(),
                d.name()
            ),
            Some(i) => format!(
                "The elements of namespace {} ({}:) in the dialect {}.",
                d.ns_uri(i),
                self.ctx.prefix(i),
                d.name()
            ),
            None => format!("The dialect {}'s elements in no namespace.", d.name()),
        };
        let _ = writeln!(out, "    {}", escape_text(&what));
        let _ = writeln!(out, "  </{xs}:documentation></{xs}:annotation>");
        for ns in &self.imports {
            match ns {
                Some(i) => {
                    let _ = writeln!(
                        out,
                        "  <{xs}:import namespace=\"{}\" schemaLocation=\"{}\"/>",
                        attr_text(d.ns_uri(*i)),
                        self.ctx.file(*ns)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "  <{xs}:import schemaLocation=\"{NO_NAMESPACE_XSD}\"/>"
                    );
                }
            }
        }
        if self.xml_import {
            let _ = writeln!(
                out,
                "  <{xs}:import namespace=\"{XML_NS}\" schemaLocation=\"{XML_XSD}\"/>"
            );
        }
        out.push_str(&body);
        out.push_str(&self.type_defs);
        let _ = writeln!(out, "</{xs}:schema>");
        out
    }

    /// `Envelope`, `Header` and `Body` of the dialect's SOAP version.
    fn envelope(&mut self, out: &mut String, uses: &Uses) {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let env = self.ctx.prefix(0).to_owned();
        let mut body_spaces: BTreeSet<String> = BTreeSet::new();
        for (ns, _) in uses.keys() {
            match ns {
                None => {
                    body_spaces.insert("##local".to_owned());
                }
                Some(0) => {
                    body_spaces.insert("##targetNamespace".to_owned());
                }
                Some(i) => {
                    body_spaces.insert(attr_text(self.ctx.d.ns_uri(*i)));
                }
            }
        }
        let spaces: Vec<String> = body_spaces.into_iter().collect();
        let _ = write!(
            out,
            r###"
  <{xs}:element name="Envelope">
    <{xs}:complexType>
      <{xs}:sequence>
        <{xs}:element ref="{env}:Header" minOccurs="0"/>
        <{xs}:element ref="{env}:Body"/>
      </{xs}:sequence>
      <{xs}:anyAttribute namespace="##other" processContents="lax"/>
    </{xs}:complexType>
  </{xs}:element>

  <{xs}:element name="Header">
    <{xs}:complexType>
      <{xs}:sequence>
        <{xs}:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </{xs}:sequence>
      <{xs}:anyAttribute namespace="##other" processContents="lax"/>
    </{xs}:complexType>
  </{xs}:element>

  <{xs}:element name="Body">
    <{xs}:annotation><{xs}:documentation>Exactly one message of the dialect, or its fault.</{xs}:documentation></{xs}:annotation>
    <{xs}:complexType>
      <{xs}:sequence>
        <{xs}:any namespace="{}" processContents="strict"/>
      </{xs}:sequence>
      <{xs}:anyAttribute namespace="##other" processContents="lax"/>
    </{xs}:complexType>
  </{xs}:element>
"###,
            spaces.join(" ")
        );
    }

    /// Finishes an element start tag opened by the caller (`<xs:element name="…"`) with its type.
    fn typed(&mut self, out: &mut String, shape: &Shape, depth: usize, doc: Option<&[String]>) {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let pad = "  ".repeat(depth);
        let annotation = doc.filter(|d| !d.is_empty()).map(|d| {
            format!(
                "{pad}  <{xs}:annotation><{xs}:documentation>{}</{xs}:documentation></{xs}:annotation>\n",
                escape_text(&d.join("; "))
            )
        });
        if let (Body::Text(t), true) = (&shape.body, shape.attrs.is_empty() && !shape.lax) {
            let name = self.type_ref(t, "value");
            match annotation {
                Some(a) => {
                    let _ = write!(out, " type=\"{name}\">\n{a}{pad}</{xs}:element>\n");
                }
                None => {
                    let _ = writeln!(out, " type=\"{name}\"/>");
                }
            }
            return;
        }
        out.push_str(">\n");
        if let Some(a) = annotation {
            out.push_str(&a);
        }
        let mixed = if shape.body == Body::Open {
            " mixed=\"true\""
        } else {
            ""
        };
        let _ = writeln!(out, "{pad}  <{xs}:complexType{mixed}>");
        let inner = "  ".repeat(depth + 2);
        match &shape.body {
            Body::Empty => self.attrs(out, shape, &inner),
            Body::Text(t) => {
                let base = self.type_ref(t, "value");
                let _ = writeln!(out, "{inner}<{xs}:simpleContent>");
                let _ = writeln!(out, "{inner}  <{xs}:extension base=\"{base}\">");
                self.attrs(out, shape, &format!("{inner}    "));
                let _ = writeln!(out, "{inner}  </{xs}:extension>");
                let _ = writeln!(out, "{inner}</{xs}:simpleContent>");
            }
            Body::Children(particles) => {
                let _ = writeln!(out, "{inner}<{xs}:sequence>");
                for p in particles {
                    self.particle(out, p, depth + 3);
                }
                if shape.lax {
                    let _ = writeln!(
                        out,
                        "{inner}  <{xs}:any namespace=\"##other\" processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>"
                    );
                }
                let _ = writeln!(out, "{inner}</{xs}:sequence>");
                self.attrs(out, shape, &inner);
            }
            Body::Open => {
                let _ = writeln!(out, "{inner}<{xs}:sequence>");
                let _ = writeln!(
                    out,
                    "{inner}  <{xs}:any namespace=\"##any\" processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>"
                );
                let _ = writeln!(out, "{inner}</{xs}:sequence>");
                self.attrs(out, shape, &inner);
            }
        }
        let _ = writeln!(out, "{pad}  </{xs}:complexType>");
        let _ = writeln!(out, "{pad}</{xs}:element>");
    }

    fn particle(&mut self, out: &mut String, p: &Particle, depth: usize) {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let pad = "  ".repeat(depth);
        let mut occurs = String::new();
        if p.occurs.min != 1 {
            let _ = write!(occurs, " minOccurs=\"{}\"", p.occurs.min);
        }
        match p.occurs.max {
            Some(1) => {}
            Some(n) => {
                let _ = write!(occurs, " maxOccurs=\"{n}\"");
            }
            None => occurs.push_str(" maxOccurs=\"unbounded\""),
        }
        match &p.kind {
            ParticleKind::Ref => {
                self.imports.insert(super::shape::key(p.ns));
                let _ = writeln!(
                    out,
                    "{pad}<{xs}:element ref=\"{}\"{occurs}/>",
                    self.ctx.qname(p.ns, &p.local)
                );
            }
            ParticleKind::Local(shape) => {
                let form = if p.ns == NsId::Unqualified || self.tns.is_none() {
                    ""
                } else {
                    " form=\"qualified\""
                };
                let _ = write!(
                    out,
                    "{pad}<{xs}:element name=\"{}\"{form}{occurs}",
                    attr_text(&p.local)
                );
                self.typed(out, shape, depth, None);
            }
        }
    }

    fn attrs(&mut self, out: &mut String, shape: &Shape, pad: &str) {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        for a in &shape.attrs {
            self.attr(out, a, pad);
        }
        if shape.lax || shape.body == Body::Open {
            let _ = writeln!(
                out,
                "{pad}<{xs}:anyAttribute namespace=\"##other\" processContents=\"lax\"/>"
            );
        }
    }

    fn attr(&mut self, out: &mut String, a: &AttrShape, pad: &str) {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let required = if a.required { " use=\"required\"" } else { "" };
        match &a.name {
            AttrName::Unqualified(local) => {
                let t = self.type_ref(
                    &Text {
                        ty: a.ty.clone(),
                        empty_ok: false,
                    },
                    local,
                );
                let _ = writeln!(
                    out,
                    "{pad}<{xs}:attribute name=\"{}\" type=\"{t}\"{required}/>",
                    attr_text(local)
                );
            }
            AttrName::Xml(local) => {
                self.xml_import = true;
                let _ = writeln!(
                    out,
                    "{pad}<{xs}:attribute ref=\"xml:{}\"{required}/>",
                    attr_text(local)
                );
            }
            AttrName::Qualified(i, local) if Some(*i) == self.tns => {
                let t = self.type_ref(
                    &Text {
                        ty: a.ty.clone(),
                        empty_ok: false,
                    },
                    local,
                );
                let _ = writeln!(
                    out,
                    "{pad}<{xs}:attribute name=\"{}\" form=\"qualified\" type=\"{t}\"{required}/>",
                    attr_text(local)
                );
            }
            AttrName::Qualified(i, local) => {
                self.imports.insert(Some(*i));
                let _ = writeln!(
                    out,
                    "{pad}<{xs}:attribute ref=\"{}:{}\"{required}/>",
                    self.ctx.prefix(*i),
                    attr_text(local)
                );
            }
        }
    }

    /// The QName of a type for `t`: a built-in one, or a named simple type of this document
    /// (an inline type cannot be the base of an element's simple content with attributes).
    fn type_ref(&mut self, t: &Text, hint: &str) -> String {
        let ctx = self.ctx;
        let xs = &ctx.xs;
        let needs_empty = t.empty_ok && !t.ty.allows_empty();
        if let (Simple::Builtin(b), false) = (&t.ty, needs_empty) {
            return format!("{xs}:{b}");
        }
        let t = match (&t.ty, needs_empty) {
            // An enumeration takes the empty word directly.
            (Simple::Words(w), true) => {
                let mut w = w.clone();
                w.push(String::new());
                Text {
                    ty: Simple::Words(w),
                    empty_ok: false,
                }
            }
            _ => t.clone(),
        };
        let qualify = |name: &str| match self.tns {
            Some(i) => format!("{}:{name}", self.ctx.prefix(i)),
            None => name.to_owned(),
        };
        if let Some((_, name)) = self.types.iter().find(|(k, _)| *k == t) {
            return qualify(name);
        }
        let base: String = hint
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let base = if base.is_empty() {
            "value".to_owned()
        } else {
            base
        };
        let mut name = format!("{base}Type");
        let mut n = 2;
        while self.types.iter().any(|(_, m)| *m == name) {
            name = format!("{base}Type{n}");
            n += 1;
        }
        let def = simple_type(xs, &t);
        let _ = write!(
            self.type_defs,
            "\n  <{xs}:simpleType name=\"{name}\">\n{def}  </{xs}:simpleType>\n"
        );
        self.types.push((t, name.clone()));
        qualify(&name)
    }
}

/// The inside of a named simple type.
fn simple_type(xs: &str, t: &Text) -> String {
    let restriction = |ty: &Simple, pad: &str| -> String {
        match ty {
            Simple::Builtin(b) => format!("{pad}<{xs}:restriction base=\"{xs}:{b}\"/>\n"),
            Simple::Pattern(p) => format!(
                "{pad}<{xs}:restriction base=\"{xs}:string\"><{xs}:pattern value=\"{}\"/></{xs}:restriction>\n",
                attr_text(p)
            ),
            Simple::Reason => format!(
                "{pad}<{xs}:restriction base=\"{xs}:unsignedShort\"><{xs}:minInclusive value=\"1000\"/></{xs}:restriction>\n"
            ),
            Simple::Words(words) => {
                let mut s = format!("{pad}<{xs}:restriction base=\"{xs}:string\">\n");
                for w in words {
                    let _ = writeln!(s, "{pad}  <{xs}:enumeration value=\"{}\"/>", attr_text(w));
                }
                let _ = writeln!(s, "{pad}</{xs}:restriction>");
                s
            }
        }
    };
    if t.empty_ok && !t.ty.allows_empty() {
        format!(
            "    <{xs}:union>\n      <{xs}:simpleType>\n{}      </{xs}:simpleType>\n      <{xs}:simpleType><{xs}:restriction base=\"{xs}:string\"><{xs}:length value=\"0\"/></{xs}:restriction></{xs}:simpleType>\n    </{xs}:union>\n",
            restriction(&t.ty, "        ")
        )
    } else {
        restriction(&t.ty, "    ")
    }
}

/// The `xml:` attributes the templates use, declared as XML itself defines them (a local
/// stand-in for the W3C's `xml.xsd`, so that validation never downloads anything).
fn xml_xsd(ctx: &Ctx<'_>, names: &[String]) -> String {
    let xs = &ctx.xs;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<!-- Generated by crmsim schema: the xml: attributes the dialect's templates use. -->\n",
    );
    let _ = writeln!(
        out,
        "<{xs}:schema xmlns:{xs}=\"{XS_NS}\" targetNamespace=\"{XML_NS}\">"
    );
    for name in names {
        let ty = match name.as_str() {
            "lang" => format!("{xs}:language"),
            "base" => format!("{xs}:anyURI"),
            "id" => format!("{xs}:ID"),
            _ => format!("{xs}:string"),
        };
        let _ = writeln!(
            out,
            "  <{xs}:attribute name=\"{}\" type=\"{ty}\"/>",
            attr_text(name)
        );
    }
    let _ = writeln!(out, "</{xs}:schema>");
    out
}

pub(super) fn attr_text(s: &str) -> String {
    let mut out = String::new();
    escape::attribute(&mut out, s);
    out
}

fn escape_text(s: &str) -> String {
    let mut out = String::new();
    escape::text(&mut out, s);
    out
}

/// A comment cannot hold `--`.
fn comment_text(s: &str) -> String {
    s.replace("--", "- -")
}
