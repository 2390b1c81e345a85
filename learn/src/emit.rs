//! The learned dialect as a file: TOML with templates, each choice commented with its evidence
//! and confidence, and every guess a person must check marked `CONFIRM`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ici::Operation;

use crate::facts::Facts;
use crate::groups::Corpus;
use crate::infer::{Confidence, Inference, OpPlan};
use crate::merge::{Control, Node, Role};
use crate::most;

/// What a person must confirm, one line each.
pub type Flags = Vec<String>;

/// `(prefix, uri)` of every namespace the templates use, prefixes made unique.
struct Namespaces {
    list: Vec<(String, String)>,
    envelope_prefix: String,
}

impl Namespaces {
    fn prefix_for(&mut self, uri: &str, wanted: &str) -> String {
        if uri.is_empty() {
            return String::new();
        }
        if uri == "http://www.w3.org/XML/1998/namespace" {
            return "xml".to_owned();
        }
        if uri == crate::facts::SOAP11 || uri == crate::facts::SOAP12 {
            return self.envelope_prefix.clone();
        }
        if let Some((p, _)) = self.list.iter().find(|(_, u)| u == uri) {
            return p.clone();
        }
        let base = if wanted.is_empty() || wanted == "xml" || wanted == "crmsim" {
            "ns"
        } else {
            wanted
        };
        let mut p = base.to_owned();
        let mut n = 2;
        while self.list.iter().any(|(q, _)| *q == p) || p == self.envelope_prefix {
            p = format!("{base}{n}");
            n += 1;
        }
        self.list.push((p.clone(), uri.to_owned()));
        p
    }
}

fn q(prefix: &str, local: &str) -> String {
    if prefix.is_empty() {
        local.to_owned()
    } else {
        format!("{prefix}:{local}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether the template keeps `n` (it carries a value, a constant that is always there, or a
/// list or record).
fn kept(n: &Node) -> bool {
    if n.control != Control::None {
        return true;
    }
    let text = match &n.text_role {
        Role::Field { .. } => true,
        Role::Const(_) => !n.is_optional(),
        Role::Drop(_) => return n.attrs.iter().any(|a| matches!(a.role, Role::Field { .. })),
        Role::Unknown => false,
    };
    let attrs = n.attrs.iter().any(|a| match &a.role {
        Role::Field { .. } => true,
        Role::Const(_) => !n.is_optional() && a.present == n.occurrences(),
        _ => false,
    });
    let children = n.children.iter().any(kept);
    text || attrs || children || (n.children.is_empty() && n.text.is_empty() && !n.is_optional())
}

fn template(n: &Node, ns: &mut Namespaces, out: &mut String, depth: usize, root: bool) {
    let indent = "  ".repeat(depth);
    let qname = q(&ns.prefix_for(&n.ns, &n.prefix), &n.local);
    let _ = write!(out, "{indent}<{qname}");
    match n.control {
        Control::Each(list) => {
            let _ = write!(out, " crmsim:each=\"{list}\"");
        }
        Control::If(what) => {
            let _ = write!(out, " crmsim:if=\"{what}\"");
        }
        Control::None => {}
    }
    let dropped_child = n.children.iter().any(|c| !kept(c));
    if dropped_child || (root && n.lax) {
        out.push_str(" crmsim:lax=\"true\"");
    }
    for a in &n.attrs {
        let name = q(&ns.prefix_for(&a.ns, &a.prefix), &a.local);
        match &a.role {
            Role::Field { name: f, optional } => {
                let _ = write!(
                    out,
                    " {name}=\"{{{f}{}}}\"",
                    if *optional { "?" } else { "" }
                );
            }
            Role::Const(v) if a.present == n.occurrences() => {
                let _ = write!(out, " {name}=\"{}\"", escape(v));
            }
            _ => {}
        }
    }
    let children: Vec<&Node> = n.children.iter().filter(|c| kept(c)).collect();
    match (&n.text_role, children.is_empty()) {
        (Role::Field { name, optional }, true) => {
            let _ = writeln!(
                out,
                ">{{{name}{}}}</{qname}>",
                if *optional { "?" } else { "" }
            );
        }
        (Role::Const(v), true) if !v.trim().is_empty() => {
            let _ = writeln!(out, ">{}</{qname}>", escape(v));
        }
        (_, true) => out.push_str("/>\n"),
        (_, false) => {
            out.push_str(">\n");
            for c in children {
                template(c, ns, out, depth + 1, false);
            }
            let _ = writeln!(out, "{indent}</{qname}>");
        }
    }
}

fn template_text(n: &Node, ns: &mut Namespaces) -> String {
    let mut out = String::new();
    template(n, ns, &mut out, 0, true);
    out.trim_end().to_owned()
}

/// Writes the dialect file; returns it with the flags it raised.
pub fn emit(
    name: &str,
    sources: &[String],
    corpus: &Corpus,
    facts: &Facts,
    inf: &Inference,
) -> (String, Flags) {
    let mut flags: Flags = facts.notes.clone();
    flags.extend(inf.flags.iter().cloned());
    let mut ns = Namespaces {
        list: Vec::new(),
        envelope_prefix: facts.prefix.clone(),
    };
    let mut ops_text = String::new();
    let by_op: BTreeMap<usize, &OpPlan> = inf.ops.iter().map(|p| (p.op as usize, p)).collect();
    for op in Operation::ALL {
        let _ = writeln!(ops_text, "\n[operations.{}]", toml_str(op.key()));
        let Some(plan) = by_op.get(&(op as usize)) else {
            let _ = writeln!(
                ops_text,
                "# CONFIRM: not seen in the capture; crmsim will not send it. If the system has it, record it or write its templates."
            );
            ops_text.push_str("unsupported = true\n");
            flags.push(format!(
                "{}: not seen in the capture (marked unsupported)",
                op.key()
            ));
            continue;
        };
        let g = &corpus.groups[plan.group];
        let _ = writeln!(
            ops_text,
            "# {} messages of {}; confidence {}: {}.",
            g.members.len(),
            g.expanded(),
            match plan.confidence {
                Confidence::High => "high",
                Confidence::Medium => "medium",
                Confidence::Low => "LOW",
            },
            plan.evidence.join("; ")
        );
        if plan.confidence < Confidence::High {
            let _ = writeln!(ops_text, "# CONFIRM: {} is this operation.", g.expanded());
            flags.push(format!(
                "{}: matched to {} with {:?} confidence ({})",
                op.key(),
                g.expanded(),
                plan.confidence,
                plan.evidence.join("; ")
            ));
        }
        if !plan.missing.is_empty() {
            let _ = writeln!(
                ops_text,
                "# CONFIRM: the capture shows no {} in it, which crmsim needs; marked unsupported until the template says where it goes.",
                plan.missing.join(", ")
            );
            ops_text.push_str("unsupported = true\n");
            flags.push(format!(
                "{}: {} shows no {} (marked unsupported)",
                op.key(),
                g.expanded(),
                plan.missing.join(", ")
            ));
            continue;
        }
        for n in plan.message.walk() {
            let drops = std::iter::once(&n.text_role).chain(n.attrs.iter().map(|a| &a.role));
            for r in drops {
                if let Role::Drop(why) = r {
                    let _ = writeln!(ops_text, "# CONFIRM: left out: {why}.");
                    flags.push(format!("{}: left out {why}", op.key()));
                }
            }
        }
        // The action, when this operation's messages carry it otherwise than most requests.
        let rules: Vec<&'static str> = g
            .members
            .iter()
            .map(|m| crate::facts::action_of(&corpus.exchanges[*m].headers).0)
            .collect();
        let rule = most(rules.iter().copied()).unwrap_or(facts.rule);
        if rule != facts.rule {
            let _ = writeln!(ops_text, "soap_action = {}", toml_str(rule));
        }
        let actions: Vec<String> = g
            .members
            .iter()
            .filter_map(|m| crate::facts::action_of(&corpus.exchanges[*m].headers).1)
            .collect();
        if let Some(a) = actions.first()
            && crate::facts::pattern_of(a, &g.ns, &g.local) != Some(facts.action.as_str())
            && actions.iter().all(|x| x == a)
        {
            let _ = writeln!(ops_text, "action = {}", toml_str(a));
        }
        let (message_key, reply_key) = if op.is_event() {
            ("event", "ack")
        } else {
            ("request", "response")
        };
        let _ = writeln!(
            ops_text,
            "{message_key} = '''\n{}'''",
            template_text(&plan.message, &mut ns)
        );
        let reply = match &plan.reply {
            Some(r) => template_text(r, &mut ns),
            None => {
                let p = ns.prefix_for(&g.ns, &g.prefix);
                format!("<{}/>", q(&p, &format!("{}Response", g.local)))
            }
        };
        let _ = writeln!(ops_text, "{reply_key} = '''\n{reply}'''");
    }
    for (gi, why) in &inf.unmatched {
        let g = &corpus.groups[*gi];
        flags.push(format!(
            "{why}; {} messages, e.g. at {} (kept below as a comment)",
            g.members.len(),
            g.members
                .first()
                .map(|m| corpus.exchanges[*m].place.clone())
                .unwrap_or_default()
        ));
        let _ = writeln!(
            ops_text,
            "\n# CONFIRM: {} {} ({} messages) matched no crmsim operation; it is not in this file. Its shape:",
            g.hop.as_str(),
            g.expanded(),
            g.members.len()
        );
        for line in template_text(&g.shape, &mut ns).lines() {
            let _ = writeln!(ops_text, "#   {line}");
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Learned by crmsim dialect learn from {}: {} exchanges.\n# Every choice says its evidence. Lines marked CONFIRM are guesses or gaps a person must check\n# (against the system's documentation or a longer capture) before this file is relied on.\n# `crmsim dialect check FILE CAPTURE…` shows which captured messages it reads.",
        sources.join(", "),
        corpus.exchanges.len()
    );
    let _ = writeln!(out, "\n[dialect]\nname = {}", toml_str(name));
    let _ = writeln!(
        out,
        "description = {}",
        toml_str(&format!("learned from {}", sources.join(", ")))
    );
    let _ = writeln!(out, "\n[soap]");
    let _ = writeln!(
        out,
        "version = \"{}\"",
        if facts.soap12 { "1.2" } else { "1.1" }
    );
    let _ = writeln!(out, "prefix = {}", toml_str(&facts.prefix));
    let _ = writeln!(out, "xml_declaration = {}", facts.declaration);
    let _ = writeln!(out, "soap_action = {}", toml_str(facts.rule));
    let _ = writeln!(out, "action = {}", toml_str(&facts.action));
    if let Some(h) = &facts.header {
        let _ = writeln!(
            out,
            "# every captured message carried this header block\nheader = '''{h}'''"
        );
    }
    if facts.varying_header {
        let _ = writeln!(
            out,
            "# CONFIRM: messages carried header blocks that differ; none is written (crmsim reads past headers)"
        );
        flags.push("the SOAP header blocks differ between messages; none is written".to_owned());
    }
    let _ = writeln!(out, "\n[http]");
    match &facts.connector_path {
        Some(p) => {
            let _ = writeln!(out, "connector_path = {}", toml_str(p));
        }
        None => {
            let _ = writeln!(
                out,
                "# CONFIRM: no request was captured; crmsim's connector path is kept"
            );
            flags.push("no request hop in the capture: connector_path is crmsim's".to_owned());
        }
    }
    match &facts.event_path {
        Some(p) => {
            let _ = writeln!(out, "event_path = {}", toml_str(p));
        }
        None => {
            let _ = writeln!(
                out,
                "# CONFIRM: no event was captured; crmsim's event path is kept"
            );
            flags.push("no event hop in the capture: event_path is crmsim's".to_owned());
        }
    }
    if let Some(h) = &inf.user_header {
        let _ = writeln!(
            out,
            "# requests carry the agent's user in this header (SAP Note 1640673)\nuser_header = {}",
            toml_str(h)
        );
    }
    let _ = writeln!(out, "\n[values]");
    match inf.timestamp {
        Some(t) => {
            let _ = writeln!(out, "timestamp = {}", toml_str(t));
        }
        None => {
            let _ = writeln!(
                out,
                "# no timestamp was captured; rfc3339 is crmsim's default"
            );
        }
    }

    let mut vocab_text = vocabularies(inf, facts, &mut flags);
    let fault = fault_template(corpus, facts, &mut ns, &mut flags, &mut vocab_text);

    let _ = writeln!(out, "\n[namespaces]");
    for (p, u) in &ns.list {
        let _ = writeln!(out, "{p} = {}", toml_str(u));
    }
    out.push_str(&vocab_text);
    out.push_str(&ops_text);
    let _ = writeln!(out, "\n[fault]\ntemplate = '''\n{fault}'''");
    (out, flags)
}

/// crmsim's values of a vocabulary, in the dialect file's keys.
fn values_of(vocab: &str) -> Vec<&'static str> {
    use ici::{CallState, ContainerChange, ItemType, ParticipantRole, TransferMode, WorkMode};
    match vocab {
        "call_state" => CallState::ALL.iter().map(|v| v.as_str()).collect(),
        "work_mode" => WorkMode::ALL.iter().map(|v| v.as_str()).collect(),
        "container_change" => ContainerChange::ALL.iter().map(|v| v.as_str()).collect(),
        "item_type" => ItemType::ALL.iter().map(|v| v.as_str()).collect(),
        "participant_role" => ParticipantRole::ALL.iter().map(|v| v.as_str()).collect(),
        "transfer_mode" => TransferMode::ALL.iter().map(|v| v.as_str()).collect(),
        "boolean" => vec!["false", "true"],
        _ => Vec::new(),
    }
}

fn vocabularies(inf: &Inference, facts: &Facts, flags: &mut Flags) -> String {
    let mut out = String::new();
    for (name, plan) in &inf.vocab {
        let values = values_of(name);
        if values.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[vocabulary.{name}]");
        let learned: Vec<&String> = plan.entries.values().flat_map(|(w, _)| w).collect();
        for value in values {
            match plan.entries.get(value) {
                Some((words, why)) => {
                    let list = if words.len() == 1 {
                        toml_str(&words[0])
                    } else {
                        format!(
                            "[{}]",
                            words
                                .iter()
                                .map(|w| toml_str(w))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    let _ = writeln!(out, "{value} = {list}  # {why}");
                    if why == "by its name" && *name == "call_state" {
                        flags.push(format!("{name}.{value} = {list}: by its name only"));
                    }
                }
                None => {
                    // crmsim's own word, unless the capture uses it for another value.
                    let word = if learned.iter().any(|w| w.as_str() == value) {
                        format!("UNSEEN-{value}")
                    } else {
                        value.to_owned()
                    };
                    let _ = writeln!(
                        out,
                        "{value} = {}  # CONFIRM: not seen in the capture; crmsim's word",
                        toml_str(&word)
                    );
                }
            }
        }
        for w in &plan.unmatched {
            let _ = writeln!(
                out,
                "# CONFIRM: the word {} was seen but matched no value",
                toml_str(w)
            );
            flags.push(format!("{name}: the word {w:?} matched no crmsim value"));
        }
    }
    // The fault codes are SOAP's, not the dialect's: written always, because crmsim's own
    // words for them ("client", "server") are neither SOAP 1.1's nor 1.2's.
    if facts.soap12 {
        out.push_str("\n[vocabulary.fault_code]  # SOAP 1.2's own codes\nclient = \"Sender\"\nserver = \"Receiver\"\n");
    } else {
        out.push_str("\n[vocabulary.fault_code]  # SOAP 1.1's own codes\nclient = \"Client\"\nserver = \"Server\"\n");
    }
    out
}

/// The fault: learned from the captured faults when there are any, SOAP's standard shape
/// otherwise.
fn fault_template(
    corpus: &Corpus,
    facts: &Facts,
    ns: &mut Namespaces,
    flags: &mut Flags,
    vocab_out: &mut String,
) -> String {
    let p = &facts.prefix;
    if let Some(text) = learned_fault(corpus, ns, flags, vocab_out) {
        return text;
    }
    flags.push(
        "no fault was captured: the fault is SOAP's standard shape, its detail a guess".to_owned(),
    );
    let err = ns.prefix_for("urn:crmsim:learned:error", "err");
    if facts.soap12 {
        format!(
            "<{p}:Fault crmsim:lax=\"true\">\n  <{p}:Code><{p}:Value>{{code}}</{p}:Value></{p}:Code>\n  <{p}:Reason><{p}:Text xml:lang=\"en\">{{reason}}</{p}:Text></{p}:Reason>\n  <{p}:Detail crmsim:if=\"error\" crmsim:lax=\"true\"><{err}:error code=\"{{error}}\"/></{p}:Detail>\n</{p}:Fault>"
        )
    } else {
        format!(
            "<{p}:Fault crmsim:lax=\"true\">\n  <faultcode>{{code}}</faultcode>\n  <faultstring>{{reason}}</faultstring>\n  <detail crmsim:if=\"error\" crmsim:lax=\"true\"><{err}:error><code>{{error}}</code></{err}:error></detail>\n</{p}:Fault>"
        )
    }
}

/// The fault's template from captured faults: the code (a QName), the reason (text), the
/// error code in the detail (a word) and its vocabulary.
fn learned_fault(
    corpus: &Corpus,
    ns: &mut Namespaces,
    flags: &mut Flags,
    vocab_out: &mut String,
) -> Option<String> {
    use crate::groups::{leaves, set_role};
    use crate::shapes::{Shape, dominant};
    let faults: Vec<&crate::tree::Elem> = corpus.faults.iter().collect();
    if faults.is_empty() {
        return None;
    }
    let mut node = crate::merge::merge(&faults, faults.len());
    let ls = leaves(&node);
    let mut code = false;
    let mut reason = false;
    let mut error: Option<crate::groups::Leaf> = None;
    for l in &ls {
        let qname = l.values.iter().all(|v| {
            v.split_once(':').is_some_and(|(_, local)| {
                matches!(
                    local,
                    "Sender"
                        | "Receiver"
                        | "Client"
                        | "Server"
                        | "VersionMismatch"
                        | "MustUnderstand"
                ) || local.starts_with("Client")
                    || local.starts_with("Server")
            })
        });
        let in_detail = l.path.len() >= 2
            && crate::groups::node_at(&node, &l.path[..1])
                .is_some_and(|d| d.local.eq_ignore_ascii_case("detail"));
        if qname && !code {
            set_role(
                &mut node,
                l,
                Role::Field {
                    name: "code",
                    optional: false,
                },
            );
            code = true;
        } else if !in_detail && !reason && dominant(&l.values).0 == Shape::Text {
            set_role(
                &mut node,
                l,
                Role::Field {
                    name: "reason",
                    optional: false,
                },
            );
            reason = true;
        } else if in_detail
            && error.is_none()
            && matches!(dominant(&l.values).0, Shape::Word | Shape::Id)
        {
            set_role(
                &mut node,
                l,
                Role::Field {
                    name: "error",
                    optional: false,
                },
            );
            error = Some(l.clone());
        } else if let Some(v) = l
            .values
            .first()
            .filter(|_| l.values.iter().all(|x| x == &l.values[0]))
        {
            set_role(&mut node, l, Role::Const(v.clone()));
        } else {
            set_role(&mut node, l, Role::Drop(format!("{} in the fault", l.name)));
        }
    }
    if !(code && reason) {
        flags.push(format!(
            "{} faults were captured but their code or reason could not be told apart; the fault is SOAP's standard shape",
            faults.len()
        ));
        return None;
    }
    node.lax = true;
    for child in &mut node.children {
        if child.local.eq_ignore_ascii_case("detail") {
            child.lax = true;
            if error.is_some() {
                child.control = Control::If("error");
            }
        }
    }
    if let Some(l) = &error {
        let _ = writeln!(vocab_out, "\n[vocabulary.error]");
        let words: Vec<String> = {
            let mut w: Vec<String> = l.values.iter().map(|v| v.trim().to_owned()).collect();
            w.sort();
            w.dedup();
            w
        };
        let mut used = Vec::new();
        for e in ici::IciError::ALL {
            let found = words
                .iter()
                .find(|w| !used.contains(*w) && crate::lexicon::error_guess(w) == Some(e.as_str()));
            match found {
                Some(w) => {
                    used.push(w.clone());
                    let _ = writeln!(
                        vocab_out,
                        "{} = {}  # seen in a captured fault; by its name",
                        e.as_str(),
                        toml_str(w)
                    );
                }
                None => {
                    let _ = writeln!(
                        vocab_out,
                        "{} = {}  # CONFIRM: not seen in the capture; crmsim's word",
                        e.as_str(),
                        toml_str(e.as_str())
                    );
                }
            }
        }
        for w in words.iter().filter(|w| !used.contains(*w)) {
            let _ = writeln!(
                vocab_out,
                "# CONFIRM: the error word {} was seen but matched no ICI error",
                toml_str(w)
            );
            flags.push(format!(
                "error: the word {w:?} in a captured fault matched no ICI error"
            ));
        }
    }
    flags.push(format!(
        "the fault is learned from {} captured faults; error words not seen keep crmsim's",
        faults.len()
    ));
    Some(template_text(&node, ns))
}
