//! Each value of a message given its meaning: a crmsim field (by shape, by correlation, by
//! the words of a vocabulary), a constant of the wire, or left out; and the lists and the
//! attached-data record the template needs.

use std::collections::{BTreeMap, BTreeSet};

use ici::Operation;

use crate::entities::{Entities, constant, distinct, share_in};
use crate::groups::{Leaf, leaves, set_role};
use crate::lexicon;
use crate::merge::{Control, Node, Role};
use crate::shapes::{Shape, dominant};

/// Gives each leaf of `node` its meaning for `op`; words of enumerated fields go to `vocab`.
///
/// Three passes: values whose shape or correlation says what they are (users, sessions,
/// calls, devices, login strings, URLs, numbers, times, attached data); then values the same
/// in every message become constants and the rest are matched by weaker signs; last, a
/// required field still missing takes a constant that fits it (an item type that was always
/// `VOICE` in the capture is still the item type).
#[allow(clippy::too_many_arguments)]
pub(crate) fn map_fields(
    op: Operation,
    node: &mut Node,
    reply: bool,
    e: &Entities,
    vocab: &mut BTreeMap<&'static str, BTreeMap<String, Vec<String>>>,
    timestamp: &mut Option<&'static str>,
    missing: &mut Vec<&'static str>,
) {
    let ls = leaves(node);
    let lists = find_lists(node, op);

    let mut placed: BTreeSet<&'static str> = BTreeSet::new();
    let mut done = vec![false; ls.len()];
    let mut add_words = |vocab_name: &'static str, l: &Leaf| {
        let entry = vocab.entry(vocab_name).or_default();
        for v in distinct(&l.values) {
            if !v.is_empty() {
                entry.entry(v).or_default().push(l.name.clone());
            }
        }
    };
    let assign =
        |node: &mut Node, l: &Leaf, name: &'static str, placed: &mut BTreeSet<&'static str>| {
            placed.insert(name);
            let optional = l.optional && !required(op, reply, name);
            set_role(node, l, Role::Field { name, optional });
        };
    // Pass 1: lists, attached data, and values that say what they are.
    for (i, l) in ls.iter().enumerate() {
        let list = lists
            .iter()
            .filter(|(p, _)| l.path.starts_with(p))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, list)| *list);
        let field = match list {
            Some(list) => list_field(list, l, &mut add_words),
            None => match cv_name(l) {
                Some(cv) if op == Operation::CallChanged => Some(cv),
                _ => strong(op, reply, l, e, &placed, timestamp),
            },
        };
        if let Some(name) = field {
            if list.is_some() {
                set_role(
                    node,
                    l,
                    Role::Field {
                        name,
                        optional: false,
                    },
                );
            } else {
                assign(node, l, name, &mut placed);
            }
            done[i] = true;
        }
    }
    // Pass 2: constants, then weaker signs; what is left is dropped.
    for (i, l) in ls.iter().enumerate() {
        if done[i] {
            continue;
        }
        // An optional value is tried as a field first: a constant would have to be there
        // every time.
        let field = if l.optional {
            weak(op, reply, l, &placed, &mut add_words)
        } else {
            None
        };
        if field.is_none()
            && let Some(c) = constant(l)
        {
            set_role(node, l, Role::Const(c));
            continue;
        }
        match field.or_else(|| weak(op, reply, l, &placed, &mut add_words)) {
            Some(name) => {
                assign(node, l, name, &mut placed);
                done[i] = true;
            }
            None => set_role(
                node,
                l,
                Role::Drop(format!(
                    "{} ({} values like {:?}) matched no field of {}",
                    l.name,
                    distinct(&l.values).len(),
                    l.values.first().cloned().unwrap_or_default(),
                    op.key()
                )),
            ),
        }
    }
    // Pass 3: a required field still missing takes a constant that fits it.
    for name in required_fields(op, reply) {
        if placed.contains(name) || lists.iter().any(|(_, l)| l == name) {
            continue;
        }
        let fit = ls
            .iter()
            .enumerate()
            .find(|(i, l)| !done[*i] && constant(l).is_some() && fits_constant(name, l));
        if let Some((i, l)) = fit {
            if let Some(vocab_name) = vocab_of(name) {
                add_words(vocab_name, l);
            }
            assign(node, l, name, &mut placed);
            done[i] = true;
        }
    }
    for (path, list) in &lists {
        if let Some(n) = crate::groups::node_at_mut(node, path) {
            n.control = Control::Each(list);
        }
        // A wrapper around the list alone is there when the list has items:
        // `crmsim:if="list"`, so that a message without items reads without it.
        if let Some((_, parent)) = path.split_last()
            && !parent.is_empty()
            && let Some(p) = crate::groups::node_at_mut(node, parent)
            && p.children.len() == 1
            && p.attrs.is_empty()
        {
            p.control = Control::If(list);
        }
    }
    attached_record(op, node);
    for name in required_fields(op, reply) {
        if !placed.contains(name) {
            missing.push(name);
        }
    }
}

/// The vocabulary an enumerated field's words belong to.
fn vocab_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "work_mode" => "work_mode",
        "state" => "call_state",
        "logged_on" => "boolean",
        "change" => "container_change",
        "item_type" => "item_type",
        "transfer_mode" => "transfer_mode",
        "role" => "participant_role",
        _ => return None,
    })
}

/// Whether a constant leaf can stand for a required field never seen varying.
fn fits_constant(field: &str, l: &Leaf) -> bool {
    let s = dominant(&l.values).0;
    let v = l.values.first().map(String::as_str).unwrap_or_default();
    match field {
        "item_type" => lexicon::vocab_guess("item_type", v).is_some(),
        "change" => lexicon::vocab_guess("container_change", v).is_some(),
        "logged_on" => lexicon::vocab_guess("boolean", v).is_some(),
        "work_mode" => lexicon::vocab_guess("work_mode", v).is_some(),
        "state" => lexicon::vocab_guess("call_state", v).is_some(),
        "transfer_mode" => lexicon::vocab_guess("transfer_mode", v).is_some(),
        "version" => v.chars().any(|c| c.is_ascii_digit()),
        "vendor" | "status" => s != Shape::Empty,
        "container" | "address" => matches!(s, Shape::Integer | Shape::Id),
        _ => false,
    }
}

/// A field of a list's item.
fn list_field(
    list: &'static str,
    l: &Leaf,
    add_words: &mut dyn FnMut(&'static str, &Leaf),
) -> Option<&'static str> {
    let s = dominant(&l.values).0;
    match (list, s) {
        ("participants", Shape::Word | Shape::Language) => {
            let d = distinct(&l.values);
            let states = d
                .iter()
                .filter(|w| lexicon::vocab_guess("call_state", w).is_some())
                .count();
            let roles = d
                .iter()
                .filter(|w| lexicon::vocab_guess("participant_role", w).is_some())
                .count();
            if roles > states {
                add_words("participant_role", l);
                Some("role")
            } else {
                add_words("call_state", l);
                Some("state")
            }
        }
        ("participants", _) => Some("address"),
        ("remote_numbers", _) => Some("number"),
        ("ecc" | "ecc_arrays", _) if l.values.iter().all(|v| v.starts_with("ECC")) => Some("name"),
        _ => Some("value"),
    }
}

/// Fields a value's shape or correlation decides.
fn strong(
    op: Operation,
    reply: bool,
    l: &Leaf,
    e: &Entities,
    placed: &BTreeSet<&'static str>,
    timestamp: &mut Option<&'static str>,
) -> Option<&'static str> {
    use Operation::*;
    let s = dominant(&l.values).0;
    let free = |name: &'static str| !placed.contains(name);
    let users = share_in(&l.values, &e.users) > 0.8;
    let sessions = share_in(&l.values, &e.sessions) > 0.8;
    let calls = share_in(&l.values, &e.calls) > 0.5;
    let devices = share_in(&l.values, &e.devices) > 0.8;
    if reply {
        return match op {
            Logon if sessions => Some("session"),
            MakeCall if calls || matches!(s, Shape::Id) => Some("call_id"),
            Heartbeat if matches!(s, Shape::UnixMs | Shape::Rfc3339) => {
                note_time(s, timestamp);
                Some("timestamp")
            }
            _ => None,
        };
    }
    match op {
        _ if users && free("user") => Some("user"),
        Logon if s == Shape::Login => Some("login"),
        Logon if s == Shape::Language => Some("language"),
        ContainerChanged | CallChanged | UserChanged if sessions && free("session") => {
            Some("session")
        }
        UserSubscribe | UserUnsubscribe | ContainerSubscribe | ContainerUnsubscribe
            if s == Shape::Url =>
        {
            Some("sink_url")
        }
        ContainerSubscribe | ContainerUnsubscribe | MakeCall if devices => Some("address"),
        MakeCall | Transfer if s == Shape::E164 => Some("destination"),
        Answer | HangUp | Hold | Retrieve | Transfer | CallChanged if calls && free("call_id") => {
            Some("call_id")
        }
        ContainerChanged if calls => Some("item_id"),
        ContainerChanged if devices => Some("container"),
        SetWorkMode | UserChanged if s == Shape::Integer && is_reason(l) => Some("reason"),
        ContainerChanged | CallChanged | UserChanged if is_sequence(l) && free("sequence") => {
            Some("sequence")
        }
        ContainerChanged | CallChanged | UserChanged
            if matches!(s, Shape::UnixMs | Shape::Rfc3339) =>
        {
            note_time(s, timestamp);
            Some("timestamp")
        }
        _ => None,
    }
}

/// Fields matched by weaker signs: words of a vocabulary, a version, a cause.
fn weak(
    op: Operation,
    reply: bool,
    l: &Leaf,
    placed: &BTreeSet<&'static str>,
    add_words: &mut dyn FnMut(&'static str, &Leaf),
) -> Option<&'static str> {
    use Operation::*;
    let s = dominant(&l.values).0;
    let free = |name: &'static str| !placed.contains(name);
    let exact = |vocab: &str| {
        l.values
            .iter()
            .filter(|v| lexicon::vocab_exact(vocab, v))
            .count()
            * 2
            >= l.values.len()
    };
    let guess = |vocab: &str| {
        l.values
            .iter()
            .filter(|v| lexicon::vocab_guess(vocab, v).is_some())
            .count()
            * 2
            >= l.values.len()
    };
    if reply {
        return match op {
            GetVersion
                if free("version")
                    && l.values
                        .iter()
                        .any(|v| v.chars().any(|c| c.is_ascii_digit())) =>
            {
                Some("version")
            }
            GetVersion if free("vendor") => Some("vendor"),
            Heartbeat if free("status") => Some("status"),
            _ => None,
        };
    }
    match op {
        UserChanged if is_boolean(l) && free("logged_on") => {
            add_words("boolean", l);
            Some("logged_on")
        }
        SetWorkMode | UserChanged if s == Shape::Word && free("work_mode") => {
            add_words("work_mode", l);
            Some("work_mode")
        }
        Transfer if s == Shape::Word && free("transfer_mode") => {
            add_words("transfer_mode", l);
            Some("transfer_mode")
        }
        CallChanged if s == Shape::Word && free("state") => {
            add_words("call_state", l);
            Some("state")
        }
        CallChanged if free("cause") && l.optional => Some("cause"),
        // An exact word of one vocabulary first, then a likely one: `itemAdded` is a change
        // even though it contains `item`.
        ContainerChanged if s == Shape::Word && exact("item_type") && free("item_type") => {
            add_words("item_type", l);
            Some("item_type")
        }
        ContainerChanged if s == Shape::Word && exact("container_change") && free("change") => {
            add_words("container_change", l);
            Some("change")
        }
        ContainerChanged if s == Shape::Word && guess("item_type") && free("item_type") => {
            add_words("item_type", l);
            Some("item_type")
        }
        ContainerChanged if s == Shape::Word && free("change") => {
            add_words("container_change", l);
            Some("change")
        }
        ContainerChanged if free("container") && matches!(s, Shape::Integer | Shape::Id) => {
            Some("container")
        }
        _ => None,
    }
}

/// Repeated elements and the crmsim list each is: `(path, list)`.
fn find_lists(node: &Node, op: Operation) -> Vec<(Vec<usize>, &'static str)> {
    fn walk(
        n: &Node,
        path: &mut Vec<usize>,
        op: Operation,
        out: &mut Vec<(Vec<usize>, &'static str)>,
    ) {
        for (i, c) in n.children.iter().enumerate() {
            path.push(i);
            let ls = leaves(c);
            let shapes: Vec<Shape> = ls.iter().map(|l| dominant(&l.values).0).collect();
            let inside = out.iter().any(|(p, _)| path.starts_with(p));
            let remote = op == Operation::CallChanged
                && c.is_leaf()
                && c.attrs.is_empty()
                && shapes == [Shape::E164];
            let starts = |prefix: &str| {
                ls.iter().any(|l| {
                    l.path.is_empty()
                        && !l.values.is_empty()
                        && l.values.iter().all(|v| v.starts_with(prefix))
                })
            };
            // ECC variables and arrays are lists even when a capture shows one of each.
            let ecc = !inside && starts("ECC");
            if c.max_repeat > 1 || remote || list_like(c) || ecc {
                let list = if inside {
                    Some("items")
                } else if starts("ECCA.") {
                    Some("ecc_arrays")
                } else if starts("ECC.") {
                    Some("ecc")
                } else if remote || (ls.len() == 1 && shapes[0] == Shape::E164) {
                    Some("remote_numbers")
                } else if ls.len() >= 2 && participant_like(&ls) {
                    Some("participants")
                } else {
                    None
                };
                if let Some(list) = list
                    && op == Operation::CallChanged
                {
                    out.push((path.clone(), list));
                }
            }
            walk(c, path, op, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(node, &mut Vec::new(), op, &mut out);
    out
}

/// An element named like a list's item that came once per message is still a list.
fn list_like(n: &Node) -> bool {
    let name = crate::shapes::norm(&n.local);
    ["party", "participant", "ani", "item"]
        .iter()
        .any(|w| name == *w)
}

/// A participant: an address and a word of the participant roles or of the call states.
fn participant_like(ls: &[Leaf]) -> bool {
    let words = |vocab: &str| {
        ls.iter().any(|l| {
            matches!(dominant(&l.values).0, Shape::Word | Shape::Language)
                && l.values
                    .iter()
                    .any(|v| lexicon::vocab_guess(vocab, v).is_some())
        })
    };
    let address = ls.iter().any(|l| {
        matches!(
            dominant(&l.values).0,
            Shape::E164 | Shape::Integer | Shape::Id
        )
    });
    address && (words("participant_role") || words("call_state"))
}

/// The attached-data record: the smallest optional element holding the CV fields.
fn attached_record(op: Operation, node: &mut Node) {
    if op != Operation::CallChanged {
        return;
    }
    fn holds_cv(n: &Node) -> bool {
        let is_cv = |r: &Role| matches!(r, Role::Field { name, .. } if name.starts_with("cv"));
        n.walk()
            .iter()
            .any(|m| is_cv(&m.text_role) || m.attrs.iter().any(|a| is_cv(&a.role)))
    }
    fn find(n: &Node, path: &mut Vec<usize>, best: &mut Option<Vec<usize>>) {
        for (i, c) in n.children.iter().enumerate() {
            path.push(i);
            if holds_cv(c) && c.is_optional() {
                *best = Some(path.clone());
                path.pop();
                return;
            }
            find(c, path, best);
            path.pop();
        }
    }
    let mut best = None;
    find(node, &mut Vec::new(), &mut best);
    if let Some(p) = best
        && let Some(n) = crate::groups::node_at_mut(node, &p)
    {
        n.control = Control::If("attached");
    }
}

fn note_time(s: Shape, timestamp: &mut Option<&'static str>) {
    *timestamp = Some(if s == Shape::UnixMs {
        "unix-ms"
    } else {
        "rfc3339"
    });
}

/// `cv01`…`cv10` and `media_id`, from an element named `CV01` or a sibling told apart by
/// `name="CV01"`.
fn cv_name(l: &Leaf) -> Option<&'static str> {
    const CV: [&str; 10] = [
        "cv01", "cv02", "cv03", "cv04", "cv05", "cv06", "cv07", "cv08", "cv09", "cv10",
    ];
    if l.name.contains("/@") {
        return None;
    }
    let name = l.disc.as_deref().unwrap_or(&l.name);
    let upper = name.to_ascii_uppercase();
    if let Some(n) = upper
        .strip_prefix("CV")
        .and_then(|d| d.parse::<usize>().ok())
        && (1..=10).contains(&n)
    {
        return Some(CV[n - 1]);
    }
    if matches!(
        crate::shapes::norm(name).as_str(),
        "mid" | "media" | "mediaid"
    ) {
        return Some("media_id");
    }
    None
}

fn is_boolean(l: &Leaf) -> bool {
    let d = distinct(&l.values);
    d.len() <= 2
        && d.iter()
            .all(|v| lexicon::vocab_guess("boolean", v).is_some())
}

fn is_reason(l: &Leaf) -> bool {
    l.values
        .iter()
        .all(|v| v.trim().parse::<u32>().is_ok_and(|n| n > 999))
}

/// Integers that count up from small ones (each session starts again): an event's sequence
/// number; or a value named so.
fn is_sequence(l: &Leaf) -> bool {
    let nums: Vec<u64> = l
        .values
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let named = {
        let n = crate::shapes::norm(l.name.rsplit(['/', '@']).next().unwrap_or_default());
        n == "seq" || n.starts_with("sequence") || n == "seqno" || n == "sn"
    };
    nums.len() == l.values.len()
        && !nums.is_empty()
        && (named || (nums.iter().min().is_some_and(|m| *m <= 10) && distinct(&l.values).len() > 2))
}

/// Whether `field` is required in `op`'s message or reply.
fn required(op: Operation, reply: bool, field: &str) -> bool {
    required_fields(op, reply).contains(&field)
}

/// The fields a template of `op` must place (the `ici` crate's scopes, as the README lists).
pub fn required_fields(op: Operation, reply: bool) -> &'static [&'static str] {
    use Operation::*;
    match (op, reply) {
        (GetVersion, false) => &[],
        (GetVersion, true) => &["version", "vendor"],
        (Heartbeat, false) => &[],
        (Heartbeat, true) => &["status", "timestamp"],
        (Logon, false) => &["user", "login"],
        (Logon, true) => &["session"],
        (Logoff, false) => &["user"],
        (SetWorkMode, false) => &["user", "work_mode"],
        (UserSubscribe | UserUnsubscribe, false) => &["user", "sink_url"],
        (ContainerSubscribe | ContainerUnsubscribe, false) => &["user", "address", "sink_url"],
        (MakeCall, false) => &["user", "address", "destination"],
        (MakeCall, true) => &["call_id"],
        (Answer | HangUp | Hold | Retrieve, false) => &["user", "call_id"],
        (Transfer, false) => &["user", "call_id", "destination", "transfer_mode"],
        (ContainerChanged, false) => &["user", "container", "change", "item_id", "item_type"],
        (CallChanged, false) => &["user", "call_id", "state"],
        (UserChanged, false) => &["user", "logged_on", "work_mode"],
        _ => &[],
    }
}
