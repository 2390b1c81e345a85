//! Two SOAP messages compared by structure: the same elements in the same places, the same
//! attributes, values of the same type, the same vocabulary words. Ids and times are a new
//! run's own and are not compared; nor are values the replay put in itself.

use learn::shapes::{Shape, shape};
use learn::tree::{Elem, parse};

/// One difference, at a path like `Envelope/Body/CallNotice/call/@state`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Difference {
    /// Where the messages differ: elements by local name, `@name` for an attribute.
    pub path: String,
    /// What the recording has there: a quoted value, `<element>`, `nothing`, `no such attribute`…
    pub recorded: String,
    /// What the live message has there, in the same words.
    pub live: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: recorded {}, got {}",
            self.path, self.recorded, self.live
        )
    }
}

/// The differences between a recorded and a live message body.
pub fn compare(recorded: &str, live: &str) -> Vec<Difference> {
    let mut out = Vec::new();
    match (parse(recorded), parse(live)) {
        (Some(r), Some(l)) => match (&r.body, &l.body) {
            (Some(rb), Some(lb)) => elem(rb, lb, "Envelope/Body", &mut out),
            (rb, lb) => {
                if rb.is_some() != lb.is_some() {
                    out.push(Difference {
                        path: "Envelope/Body".into(),
                        recorded: describe_opt(rb.as_ref()),
                        live: describe_opt(lb.as_ref()),
                    });
                }
            }
        },
        (Some(_), None) => out.push(Difference {
            path: "".into(),
            recorded: "a SOAP envelope".into(),
            live: format!("not one: {:?}", excerpt(live)),
        }),
        (None, _) => {}
    }
    out
}

fn excerpt(s: &str) -> String {
    s.chars().take(120).collect()
}

fn describe_opt(e: Option<&Elem>) -> String {
    e.map_or_else(|| "nothing".to_owned(), |e| format!("<{}>", e.expanded()))
}

fn elem(r: &Elem, l: &Elem, at: &str, out: &mut Vec<Difference>) {
    let path = format!("{at}/{}", r.local);
    if r.ns != l.ns || r.local != l.local {
        out.push(Difference {
            path,
            recorded: format!("<{}>", r.expanded()),
            live: format!("<{}>", l.expanded()),
        });
        return;
    }
    for a in &r.attrs {
        let apath = format!("{path}/@{}", a.local);
        match l.attrs.iter().find(|x| x.ns == a.ns && x.local == a.local) {
            Some(x) => value(&a.value, &x.value, &apath, out),
            None => out.push(Difference {
                path: apath,
                recorded: format!("{:?}", a.value),
                live: "no such attribute".into(),
            }),
        }
    }
    for x in &l.attrs {
        if !r.attrs.iter().any(|a| a.ns == x.ns && a.local == x.local) {
            out.push(Difference {
                path: format!("{path}/@{}", x.local),
                recorded: "no such attribute".into(),
                live: format!("{:?}", x.value),
            });
        }
    }
    match (&r.text, &l.text) {
        (Some(rt), Some(lt)) => value(rt, lt, &path, out),
        (None, None) => {}
        (rt, lt) => out.push(Difference {
            path: path.clone(),
            recorded: rt
                .as_ref()
                .map_or("child elements".into(), |t| format!("text {t:?}")),
            live: lt
                .as_ref()
                .map_or("child elements".into(), |t| format!("text {t:?}")),
        }),
    }
    // Children pairwise by name, in order: a missing or extra one is a difference.
    let mut used = vec![false; l.children.len()];
    for rc in &r.children {
        let found = l
            .children
            .iter()
            .enumerate()
            .find(|(i, lc)| !used[*i] && lc.ns == rc.ns && lc.local == rc.local);
        match found {
            Some((i, lc)) => {
                used[i] = true;
                elem(rc, lc, &path, out);
            }
            None => out.push(Difference {
                path: format!("{path}/{}", rc.local),
                recorded: format!("<{}>", rc.expanded()),
                live: "missing".into(),
            }),
        }
    }
    for (i, lc) in l.children.iter().enumerate() {
        if !used[i] {
            out.push(Difference {
                path: format!("{path}/{}", lc.local),
                recorded: "nothing".into(),
                live: format!("<{}>", lc.expanded()),
            });
        }
    }
}

/// Vocabulary words must be the same; other values only of the same type (ids, numbers,
/// times, free text and masked secrets are a run's own).
fn value(r: &str, l: &str, path: &str, out: &mut Vec<Difference>) {
    let (rs, ls) = (shape(r), shape(l));
    let differs = match rs {
        Shape::Word => r.trim() != l.trim(),
        Shape::Empty => ls != Shape::Empty,
        Shape::UnixMs | Shape::Rfc3339 | Shape::Integer | Shape::Id | Shape::Text => false,
        _ => rs != ls && !(rs == Shape::Login && r.contains(capture::redact::MASK)),
    };
    if differs {
        out.push(Difference {
            path: path.to_owned(),
            recorded: format!("{r:?}"),
            live: format!("{l:?}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(body: &str) -> String {
        format!(
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
        )
    }

    #[test]
    fn ids_and_times_pass_vocabulary_words_do_not() {
        let rec = env(
            r#"<n:C xmlns:n="u" seq="4" at="1796522845252"><n:call ref="c-1" state="TALKING"/></n:C>"#,
        );
        let same = env(
            r#"<n:C xmlns:n="u" seq="9" at="1796522999999"><n:call ref="c-77" state="TALKING"/></n:C>"#,
        );
        assert!(
            compare(&rec, &same).is_empty(),
            "{:?}",
            compare(&rec, &same)
        );
        let other = env(
            r#"<n:C xmlns:n="u" seq="9" at="1796522999999"><n:call ref="c-77" state="ACTIVE"/></n:C>"#,
        );
        let d = compare(&rec, &other);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "Envelope/Body/C/call/@state");
        assert_eq!(
            d[0].to_string(),
            "Envelope/Body/C/call/@state: recorded \"TALKING\", got \"ACTIVE\""
        );
    }

    #[test]
    fn missing_and_extra_elements_and_attributes_are_named() {
        let rec = env(r#"<n:C xmlns:n="u"><n:a x="1"/><n:b/></n:C>"#);
        let live = env(r#"<n:C xmlns:n="u"><n:a/><n:c/></n:C>"#);
        let d: Vec<String> = compare(&rec, &live)
            .iter()
            .map(|d| d.path.clone())
            .collect();
        assert_eq!(
            d,
            [
                "Envelope/Body/C/a/@x",
                "Envelope/Body/C/b",
                "Envelope/Body/C/c"
            ]
        );
    }
}
