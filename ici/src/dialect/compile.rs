//! Dialect file → [`Dialect`]: every operation mapped or marked unsupported, every template
//! compiled against its message's fields, every vocabulary complete. All errors are located.

use std::collections::BTreeMap;

use toml::Spanned;

use super::fields::{self, Vocab};
use super::file::{DialectError, File, Op, Origin};
use super::soap::{self, ActionRule, SoapVersion, TimeFormat};
use super::template::{self, Namespaces, Node, NsId};
use super::vocab::VocabTable;
use super::{Candidate, Dialect, OpDialect, Role};
use crate::catalog::Operation;

pub(super) fn compile(text: &str, origin: &str) -> Result<Dialect, DialectError> {
    let o = Origin { file: origin, text };
    let file: File = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        o.at(at, e.message().to_owned())
    })?;

    let soap = match file.soap.version.as_ref().as_str() {
        "1.1" => SoapVersion::V11,
        "1.2" => SoapVersion::V12,
        other => {
            return Err(o.span(
                &file.soap.version,
                format!("soap.version {other:?}: write \"1.1\" or \"1.2\""),
            ));
        }
    };
    let default_rule = match &file.soap.soap_action {
        None if soap == SoapVersion::V12 => ActionRule::Param,
        None => ActionRule::Quoted,
        Some(rule) => parse_rule(&o, rule)?,
    };
    let env_prefix = file.soap.prefix.clone();
    if !is_ncname(&env_prefix) {
        return Err(o.whole(format!(
            "soap.prefix {env_prefix:?} is not an XML name; write e.g. \"soapenv\""
        )));
    }
    for path in [&file.http.connector_path, &file.http.event_path] {
        check_path(&o, path)?;
    }
    let timestamp = match &file.values.timestamp {
        None => TimeFormat::Rfc3339,
        Some(t) => TimeFormat::parse(t.as_ref()).ok_or_else(|| {
            o.span(
                t,
                format!(
                    "values.timestamp {:?}: write {}",
                    t.as_ref(),
                    TimeFormat::NAMES
                ),
            )
        })?,
    };

    let mut secret = Vec::new();
    for name in &file.values.secret {
        if !is_ncname(name.as_ref()) {
            return Err(o.span(
                name,
                format!(
                    "values.secret {:?}: give the local name of an element or attribute, e.g. \"password\"",
                    name.as_ref()
                ),
            ));
        }
        secret.push(name.as_ref().clone());
    }

    let mut namespaces = vec![(env_prefix.clone(), soap.envelope_ns().to_owned())];
    for (prefix, uri) in &file.namespaces {
        if !is_ncname(prefix) || prefix == "xml" || prefix == "crmsim" || *prefix == env_prefix {
            return Err(o.span(
                uri,
                format!(
                    "namespace prefix {prefix:?} cannot be used: it must be an XML name other than xml, crmsim and the envelope's prefix {env_prefix:?}"
                ),
            ));
        }
        if uri.as_ref().is_empty() {
            return Err(o.span(uri, format!("namespace {prefix} has an empty URI")));
        }
        namespaces.push((prefix.clone(), uri.as_ref().clone()));
    }

    let vocab = vocabularies(&o, &file)?;
    let ns = Namespaces { table: &namespaces };

    let header = match &file.soap.header {
        None => None,
        Some(h) => {
            check_header(&o, h, &namespaces)?;
            Some(h.as_ref().trim().to_owned())
        }
    };

    let mut ops_by_key: BTreeMap<&str, (&Spanned<String>, &Op)> = BTreeMap::new();
    for (key, op) in &file.operations {
        if Operation::ALL.iter().all(|o| o.key() != key.as_ref()) {
            let known: Vec<&str> = Operation::ALL.iter().map(|o| o.key()).collect();
            return Err(o.span(
                key,
                format!(
                    "unknown operation {:?}; crmsim's operations are {}",
                    key.as_ref(),
                    known.join(", ")
                ),
            ));
        }
        ops_by_key.insert(key.as_ref().as_str(), (key, op));
    }

    let mut ops = Vec::with_capacity(Operation::ALL.len());
    for op in Operation::ALL {
        let Some((key, entry)) = ops_by_key.get(op.key()) else {
            return Err(o.whole(format!(
                "operation {} is not mapped: add [operations.\"{}\"] with {} templates, or `unsupported = true`",
                op.key(),
                op.key(),
                if op.is_event() {
                    "`event` and `ack`"
                } else {
                    "`request` and `response`"
                }
            )));
        };
        ops.push(operation(
            &o,
            op,
            key,
            entry,
            &ns,
            soap,
            default_rule,
            &file,
        )?);
    }

    let Some(fault) = &file.fault else {
        return Err(o.whole(
            "no [fault] table: write the SOAP fault's template with {code}, {reason} and an optional {error}",
        ));
    };
    let fault_node = compile_template(&o, &fault.template, &ns, &fields::FAULT)?;
    if fault_node.ns != NsId::Known(0) {
        return Err(o.span(
            &fault.template,
            format!(
                "the fault template's root must be the envelope's Fault element, <{env_prefix}:Fault>"
            ),
        ));
    }

    let mut candidates = Vec::new();
    for (op, entry) in Operation::ALL.iter().zip(&ops) {
        if let Some(n) = &entry.message {
            candidates.push(candidate(n, Role::Message(*op)));
        }
        if let Some(n) = &entry.reply {
            candidates.push(candidate(n, Role::Reply(*op)));
        }
    }
    candidates.push(candidate(&fault_node, Role::Fault));
    check_ambiguity(&o, &candidates)?;

    let (envelope_open, envelope_close) = soap::envelope_parts(
        &env_prefix,
        soap,
        file.soap.xml_declaration,
        header.as_deref(),
    );
    Ok(Dialect {
        name: file.dialect.name,
        description: file.dialect.description,
        origin: origin.to_owned(),
        text: text.to_owned(),
        soap,
        env_prefix,
        envelope_open,
        envelope_close,
        connector_path: file.http.connector_path.into_inner(),
        event_path: file.http.event_path.into_inner(),
        user_header: file.http.user_header.map(Spanned::into_inner),
        timestamp,
        secret,
        namespaces,
        vocab,
        ops,
        fault: fault_node,
        candidates,
    })
}

fn candidate(node: &Node, role: Role) -> Candidate {
    Candidate {
        ns: node.ns,
        local: node.local.clone(),
        role,
    }
}

/// Two requests, or two events, with one body element could not be told apart by a receiver;
/// replies may share one (the caller knows what it asked), and so may a request and a reply.
fn check_ambiguity(o: &Origin<'_>, candidates: &[Candidate]) -> Result<(), DialectError> {
    for (i, a) in candidates.iter().enumerate() {
        for b in &candidates[i + 1..] {
            let (Role::Message(x), Role::Message(y)) = (a.role, b.role) else {
                continue;
            };
            if a.ns == b.ns && a.local == b.local {
                return Err(o.whole(format!(
                    "operations {} and {} share the body element `{}`: a receiver could not tell them apart; give them different element names or namespaces",
                    x.key(),
                    y.key(),
                    a.local
                )));
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn operation(
    o: &Origin<'_>,
    op: Operation,
    key: &Spanned<String>,
    entry: &Op,
    ns: &Namespaces<'_>,
    soap: SoapVersion,
    default_rule: ActionRule,
    file: &File,
) -> Result<OpDialect, DialectError> {
    let (message_name, reply_name) = if op.is_event() {
        ("event", "ack")
    } else {
        ("request", "response")
    };
    let (message_text, reply_text, wrong) = if op.is_event() {
        (
            &entry.event,
            &entry.ack,
            entry.request.is_some() || entry.response.is_some(),
        )
    } else {
        (
            &entry.request,
            &entry.response,
            entry.event.is_some() || entry.ack.is_some(),
        )
    };
    if wrong {
        return Err(o.span(
            key,
            format!(
                "{} is {}: write its templates as `{message_name}` and `{reply_name}`",
                op.key(),
                if op.is_event() {
                    "an event"
                } else {
                    "a request"
                }
            ),
        ));
    }
    let (message_scope, reply_scope) = fields::scopes(op);
    if entry.unsupported {
        if message_text.is_some() || reply_text.is_some() {
            return Err(o.span(
                key,
                format!(
                    "{} is marked unsupported but has templates: keep one or the other",
                    op.key()
                ),
            ));
        }
        return Ok(OpDialect {
            message: None,
            reply: None,
            action: None,
            content_type: soap.content_type().to_owned(),
            action_uri: String::new(),
        });
    }
    let (Some(message_text), Some(reply_text)) = (message_text, reply_text) else {
        return Err(o.span(
            key,
            format!(
                "{} needs both a `{message_name}` and a `{reply_name}` template (or `unsupported = true`)",
                op.key()
            ),
        ));
    };
    let message = compile_template(o, message_text, ns, message_scope)?;
    let reply = compile_template(o, reply_text, ns, reply_scope)?;
    for (node, text) in [(&message, message_text), (&reply, reply_text)] {
        if node.ns == NsId::Known(0) {
            return Err(o.span(
                text,
                "a message's body element cannot be in the SOAP envelope's namespace",
            ));
        }
    }
    let rule = match &entry.soap_action {
        Some(r) => parse_rule(o, r)?,
        None => default_rule,
    };
    if rule == ActionRule::Param && soap == SoapVersion::V11 {
        return Err(o.whole(format!(
            "{}: the `param` SOAPAction rule is SOAP 1.2's; SOAP 1.1 uses quoted, unquoted, empty or absent",
            op.key()
        )));
    }
    let action_template = entry.action.as_ref().unwrap_or(&file.soap.action);
    let namespace = match message.ns {
        NsId::Known(i) => ns.table.get(usize::from(i)).map_or("", |(_, u)| u.as_str()),
        NsId::Unqualified => "",
    };
    let action_text = expand_action(o, action_template, namespace, &message.local)?;
    let (action, content_type) = soap::headers(soap, rule, &action_text);
    let action_uri = match rule {
        ActionRule::Empty | ActionRule::Absent => String::new(),
        _ => action_text,
    };
    Ok(OpDialect {
        message: Some(message),
        reply: Some(reply),
        action,
        content_type,
        action_uri,
    })
}

fn expand_action(
    o: &Origin<'_>,
    template: &Spanned<String>,
    namespace: &str,
    element: &str,
) -> Result<String, DialectError> {
    let text = template.as_ref();
    let out = text
        .replace("{namespace}", namespace)
        .replace("{element}", element);
    if out.contains('{') || out.contains('}') || out.contains('"') {
        return Err(o.span(
            template,
            format!(
                "action {text:?}: only {{namespace}} and {{element}} can be filled in, and no quotes (the rule adds them)"
            ),
        ));
    }
    Ok(out)
}

fn compile_template(
    o: &Origin<'_>,
    text: &Spanned<String>,
    ns: &Namespaces<'_>,
    scope: &'static fields::Scope,
) -> Result<Node, DialectError> {
    template::compile(text.as_ref(), ns, scope)
        .map_err(|e| o.at(o.content_start(text) + e.at, e.message))
}

fn parse_rule(o: &Origin<'_>, rule: &Spanned<String>) -> Result<ActionRule, DialectError> {
    ActionRule::parse(rule.as_ref()).ok_or_else(|| {
        o.span(
            rule,
            format!(
                "soap_action {:?}: write {}",
                rule.as_ref(),
                ActionRule::NAMES
            ),
        )
    })
}

fn check_path(o: &Origin<'_>, path: &Spanned<String>) -> Result<(), DialectError> {
    let p = path.as_ref();
    if is_url_path(p) {
        Ok(())
    } else {
        Err(o.span(
            path,
            format!("{p:?} is not a URL path: write one starting with '/', without query, fragment or spaces, e.g. \"/ici\""),
        ))
    }
}

/// A URL path an HTTP client can send as is: printable ASCII without the characters RFC 3986
/// leaves out of paths, or percent-encoded bytes.
fn is_url_path(p: &str) -> bool {
    let bytes = p.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        i += match b {
            b'%' if hex(i + 1) && hex(i + 2) => 3,
            b'?' | b'#' | b'%' | b'<' | b'>' | b'"' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => {
                return false;
            }
            b if b.is_ascii_graphic() => 1,
            _ => return false,
        };
    }
    p.starts_with('/')
}

fn check_header(
    o: &Origin<'_>,
    header: &Spanned<String>,
    namespaces: &[(String, String)],
) -> Result<(), DialectError> {
    // Header blocks are written as given: they must be well-formed with their prefixes declared
    // (by themselves or in [namespaces]).
    let mut wrapped = String::from("<h");
    for (p, u) in namespaces {
        wrapped.push_str(&format!(
            " xmlns:{p}=\"{}\"",
            quick_xml::escape::escape(u.as_str())
        ));
    }
    wrapped.push('>');
    let shift = wrapped.len();
    wrapped.push_str(header.as_ref());
    wrapped.push_str("</h>");
    let mut reader = quick_xml::NsReader::from_str(&wrapped);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_resolved_event() {
            Ok((quick_xml::name::ResolveResult::Unknown(p), _)) => {
                let at = usize::try_from(reader.buffer_position()).unwrap_or_default();
                return Err(o.at(
                    o.content_start(header) + at.saturating_sub(shift),
                    format!("soap.header: unknown namespace prefix `{}`", p),
                ));
            }
            Ok((_, quick_xml::events::Event::Eof)) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or_default();
                return Err(o.at(
                    o.content_start(header) + at.saturating_sub(shift),
                    format!("soap.header is not well-formed XML: {e}"),
                ));
            }
        }
    }
}

fn vocabularies(o: &Origin<'_>, file: &File) -> Result<Vec<VocabTable>, DialectError> {
    let mut tables: Vec<VocabTable> = Vocab::ALL
        .iter()
        .map(|v| VocabTable::identity(*v))
        .collect();
    for (name, entries) in &file.vocabulary {
        let Some(index) = Vocab::ALL.iter().position(|v| v.name() == name.as_ref()) else {
            let known: Vec<&str> = Vocab::ALL.iter().map(|v| v.name()).collect();
            return Err(o.span(
                name,
                format!(
                    "unknown vocabulary {:?}; the vocabularies are {}",
                    name.as_ref(),
                    known.join(", ")
                ),
            ));
        };
        let vocab = Vocab::ALL[index];
        let values = vocab.values();
        let mut words = vec![Vec::new(); values.len()];
        for (value, wire) in entries {
            let Some(i) = values.iter().position(|v| *v == value.as_ref()) else {
                return Err(o.span(
                    value,
                    format!(
                        "{:?} is not a value of vocabulary {}; its values are {}",
                        value.as_ref(),
                        vocab.name(),
                        values.join(", ")
                    ),
                ));
            };
            let list = wire.list();
            if list.is_empty() || list.iter().any(String::is_empty) {
                return Err(o.span(
                    value,
                    format!(
                        "{}.{}: give one or more non-empty wire words",
                        vocab.name(),
                        value.as_ref()
                    ),
                ));
            }
            words[i] = list;
        }
        if let Some(missing) = values.iter().zip(&words).find(|(_, w)| w.is_empty()) {
            return Err(o.span(
                name,
                format!(
                    "vocabulary {} does not map {:?}: every value needs a wire word",
                    vocab.name(),
                    missing.0
                ),
            ));
        }
        let all: Vec<&String> = words.iter().flatten().collect();
        for (i, w) in all.iter().enumerate() {
            if all[..i].contains(w) {
                return Err(o.span(
                    name,
                    format!(
                        "vocabulary {}: the wire word {w:?} stands for two values",
                        vocab.name()
                    ),
                ));
            }
        }
        tables[index] = VocabTable { words };
    }
    Ok(tables)
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
