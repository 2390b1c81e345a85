//! Many captured instances of one message, merged into one shape: which children and
//! attributes occur, how often, in which order, with which values. A template is written from
//! this shape once its values have been given meanings.

use crate::tree::Elem;

/// One element of the merged shape.
#[derive(Debug, Clone)]
pub struct Node {
    /// Namespace URI.
    pub ns: String,
    /// The prefix the first instance wrote.
    pub prefix: String,
    /// Local name.
    pub local: String,
    /// Same-named siblings told apart by a constant attribute (`<var name="CV01">`): that
    /// attribute's local name and this node's value of it.
    pub disc: Option<(String, String)>,
    /// Parent instances this node occurs in.
    pub present: usize,
    /// How many parent instances there were (at the root, how many messages).
    pub parents: usize,
    /// The most times it occurs in one parent instance (more than 1: a list).
    pub max_repeat: usize,
    /// Every attribute any instance carried, in order of first appearance.
    pub attrs: Vec<AttrStat>,
    /// Text of every occurrence, when the element holds text (no child elements).
    pub text: Vec<String>,
    /// Occurrences that held child elements.
    pub with_children: usize,
    /// The merged children, in the order they appear across instances.
    pub children: Vec<Node>,
    /// What learning made of it (filled in later).
    pub text_role: Role,
    /// How the template writes it: as is, once per list item, or only when a list or record has
    /// content (filled in later).
    pub control: Control,
    /// Children the template leaves out: the element must skip unknown children when read.
    pub lax: bool,
}

/// One attribute of a merged element: its values in every instance that carried it.
#[derive(Debug, Clone)]
pub struct AttrStat {
    /// Namespace URI (`""` for an attribute without a prefix).
    pub ns: String,
    /// The prefix the first instance wrote.
    pub prefix: String,
    /// Local name.
    pub local: String,
    /// Its value in each instance that carried it, in order.
    pub values: Vec<String>,
    /// Occurrences of the element that carried it.
    pub present: usize,
    /// What learning made of it (filled in later).
    pub role: Role,
}

/// What a value becomes in the template.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Role {
    /// Not decided yet.
    #[default]
    Unknown,
    /// A crmsim field; `optional` writes `{field?}`.
    Field {
        /// The crmsim field the value carries.
        name: &'static str,
        /// The field may be absent from a message.
        optional: bool,
    },
    /// The same text in every message.
    Const(String),
    /// A value crmsim does not model: left out of the template (read past, never written).
    Drop(String),
}

/// A crmsim control attribute a template element carries, for lists and optional records.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Control {
    /// No control attribute: the element is written as it is.
    #[default]
    None,
    /// `crmsim:each="list"`.
    Each(&'static str),
    /// `crmsim:if="record|list"`.
    If(&'static str),
}

impl Node {
    /// Missing from some parent instances.
    pub fn is_optional(&self) -> bool {
        self.present < self.parents
    }

    /// Occurrences of the element in all (`occurrences` >= `present`).
    pub fn occurrences(&self) -> usize {
        self.text.len() + self.with_children
    }

    /// Has no children, and some occurrence held text (an empty element's `""` counts).
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty() && !self.text.is_empty()
    }

    /// Every node of the subtree, depth first, this one included.
    pub fn walk(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }

    /// Calls `f` on every node of the subtree, depth first, this one first.
    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Node)) {
        f(self);
        for c in &mut self.children {
            c.walk_mut(f);
        }
    }

    /// `prefix:local` as the capture wrote it.
    pub fn qname(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}

/// Merges the instances of one element (they share a name).
pub fn merge(instances: &[&Elem], parents: usize) -> Node {
    let first = instances[0];
    let mut node = Node {
        ns: first.ns.clone(),
        prefix: first.prefix.clone(),
        local: first.local.clone(),
        disc: None,
        present: parents.min(instances.len()),
        parents,
        max_repeat: 1,
        attrs: Vec::new(),
        text: Vec::new(),
        with_children: 0,
        children: Vec::new(),
        text_role: Role::Unknown,
        control: Control::None,
        lax: false,
    };
    for e in instances {
        for a in &e.attrs {
            match node
                .attrs
                .iter_mut()
                .find(|s| s.ns == a.ns && s.local == a.local)
            {
                Some(s) => {
                    s.values.push(a.value.clone());
                    s.present += 1;
                }
                None => node.attrs.push(AttrStat {
                    ns: a.ns.clone(),
                    prefix: a.prefix.clone(),
                    local: a.local.clone(),
                    values: vec![a.value.clone()],
                    present: 1,
                    role: Role::Unknown,
                }),
            }
        }
        match &e.text {
            Some(t) => node.text.push(t.clone()),
            None => node.with_children += 1,
        }
    }
    node.children = merge_children(instances);
    node
}

/// A child's identity among its siblings.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    ns: String,
    local: String,
    disc: Option<(String, String)>,
}

fn merge_children(parents: &[&Elem]) -> Vec<Node> {
    let discriminators = discriminators(parents);
    let key_of = |c: &Elem| {
        let disc = discriminators
            .iter()
            .find(|(ns, local, _)| *ns == c.ns && *local == c.local)
            .and_then(|(_, _, attr)| {
                c.attrs
                    .iter()
                    .find(|a| a.local == *attr)
                    .map(|a| (attr.clone(), a.value.clone()))
            });
        Key {
            ns: c.ns.clone(),
            local: c.local.clone(),
            disc,
        }
    };
    // Order: as children first appear, each instance's order merged in.
    let mut order: Vec<Key> = Vec::new();
    for p in parents {
        let mut last = 0usize;
        for c in &p.children {
            let k = key_of(c);
            match order.iter().position(|o| *o == k) {
                Some(i) => last = i + 1,
                None => {
                    order.insert(last.min(order.len()), k);
                    last = (last + 1).min(order.len());
                }
            }
        }
    }
    order
        .into_iter()
        .map(|k| {
            let mut instances: Vec<&Elem> = Vec::new();
            let mut present = 0;
            let mut max_repeat = 0;
            for p in parents {
                let mine: Vec<&Elem> = p.children.iter().filter(|c| key_of(c) == k).collect();
                if !mine.is_empty() {
                    present += 1;
                }
                max_repeat = max_repeat.max(mine.len());
                instances.extend(mine);
            }
            let mut node = merge(&instances, parents.len());
            node.present = present;
            node.max_repeat = max_repeat;
            node.disc = k.disc;
            node
        })
        .collect()
}

/// Names that repeat within one parent but carry an attribute whose values tell the
/// repetitions apart, the same sequence of at least three values in at least two parents
/// (`<var name="CV01">`…`<var name="CV10">`): `(ns, local, attribute)`. Fewer values, or
/// values that change from message to message, make a list (participants by role, ECC
/// variables by name), not fixed elements.
fn discriminators(parents: &[&Elem]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    for p in parents {
        for c in &p.children {
            let n = (c.ns.clone(), c.local.clone());
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    for (ns, local) in names {
        let groups: Vec<Vec<&Elem>> = parents
            .iter()
            .map(|p| {
                p.children
                    .iter()
                    .filter(|c| c.ns == ns && c.local == local)
                    .collect()
            })
            .collect();
        if groups.iter().all(|g| g.len() <= 1) {
            continue;
        }
        let Some(sample) = groups.iter().find(|g| g.len() > 1) else {
            continue;
        };
        if sample.len() < 3 || groups.iter().filter(|g| g.len() > 1).count() < 2 {
            continue;
        }
        'attr: for a in &sample[0].attrs {
            let mut reference: Option<Vec<String>> = None;
            for g in groups.iter().filter(|g| g.len() > 1) {
                let values: Option<Vec<String>> = g
                    .iter()
                    .map(|e| {
                        e.attrs
                            .iter()
                            .find(|x| x.local == a.local)
                            .map(|x| x.value.clone())
                    })
                    .collect();
                let Some(values) = values else {
                    continue 'attr;
                };
                let mut unique = values.clone();
                unique.sort();
                unique.dedup();
                if unique.len() != values.len() {
                    continue 'attr;
                }
                match &reference {
                    None => reference = Some(values),
                    Some(r) if *r == values => {}
                    Some(_) => continue 'attr,
                }
            }
            out.push((ns.clone(), local.clone(), a.local.clone()));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse;

    fn body(xml: &str) -> Elem {
        let env = format!(
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{xml}</e:Body></e:Envelope>"#
        );
        parse(&env)
            .and_then(|s| s.body)
            .unwrap_or_else(|| panic!("{xml}"))
    }

    #[test]
    fn lists_optional_children_and_discriminated_siblings_are_told_apart() {
        let a = body(
            r#"<n:C xmlns:n="u" seq="1"><n:p d="1" r="A"/><n:p d="2" r="B"/><n:v name="CV01">x</n:v><n:v name="CV02"/><n:v name="CV03"/></n:C>"#,
        );
        let b = body(
            r#"<n:C xmlns:n="u" seq="2"><n:v name="CV01"/><n:v name="CV02">y</n:v><n:v name="CV03"/><n:cause>c</n:cause></n:C>"#,
        );
        let m = merge(&[&a, &b], 2);
        let names: Vec<String> = m
            .children
            .iter()
            .map(|c| {
                format!(
                    "{}{:?}x{}/{}",
                    c.local,
                    c.disc.as_ref().map(|d| &d.1),
                    c.max_repeat,
                    c.present
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                "pNonex2/1",
                "vSome(\"CV01\")x1/2",
                "vSome(\"CV02\")x1/2",
                "vSome(\"CV03\")x1/2",
                "causeNonex1/1"
            ]
        );
        assert_eq!(m.attrs[0].values, ["1", "2"]);
        assert!(m.children[0].is_optional());
    }
}
