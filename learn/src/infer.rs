//! From groups of messages to crmsim operations, fields and vocabularies.
//!
//! Nothing here trusts names alone. The traffic says most: a value shaped like a login string
//! marks the logon; the values its answer brings back recur in events as the session; the ids
//! events carry recur in the requests that act on calls; what a request does shows in the call
//! state the next event reports (answer: alerting → connected). Names (a CTI lexicon) add
//! evidence and break ties. Every choice keeps its evidence, for the comments of the file and
//! for what a person must confirm.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use capture::Hop;
use ici::Operation;

use crate::groups::{Corpus, Group, Leaf, leaves, node_at, set_role, value_in};
use crate::lexicon;
use crate::merge::{Control, Node, Role};
use crate::most;
use crate::shapes::{Shape, dominant, login_device};

/// How sure learning is of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One operation, learned.
#[derive(Debug, Clone)]
pub struct OpPlan {
    pub op: Operation,
    pub group: usize,
    pub message: Node,
    pub reply: Option<Node>,
    pub confidence: Confidence,
    pub evidence: Vec<String>,
    /// Fields the scope requires that the capture did not show: the operation cannot be
    /// written and is marked unsupported.
    pub missing: Vec<&'static str>,
}

/// One vocabulary, learned: per crmsim value, the wire words seen and why.
#[derive(Debug, Clone, Default)]
pub struct VocabPlan {
    pub entries: BTreeMap<&'static str, (Vec<String>, String)>,
    /// Words seen that matched no value.
    pub unmatched: Vec<String>,
}

pub struct Inference {
    pub ops: Vec<OpPlan>,
    /// Groups no operation matched: `(group, why)`.
    pub unmatched: Vec<(usize, String)>,
    pub vocab: BTreeMap<&'static str, VocabPlan>,
    /// `unix-ms` or `rfc3339`, from the events' timestamps.
    pub timestamp: Option<&'static str>,
    pub user_header: Option<String>,
    pub flags: Vec<String>,
}

/// Values that say who and what: agents, their devices, sessions, calls.
#[derive(Default)]
struct Entities {
    users: BTreeSet<String>,
    devices: BTreeSet<String>,
    sessions: BTreeSet<String>,
    calls: BTreeSet<String>,
}

fn share_in(values: &[String], set: &BTreeSet<String>) -> f64 {
    if values.is_empty() || set.is_empty() {
        return 0.0;
    }
    values.iter().filter(|v| set.contains(v.trim())).count() as f64 / values.len() as f64
}

fn distinct(values: &[String]) -> BTreeSet<String> {
    values.iter().map(|v| v.trim().to_owned()).collect()
}

/// A leaf's values all the same: a constant of the wire, not a value.
fn constant(leaf: &Leaf) -> Option<String> {
    let d = distinct(&leaf.values);
    (d.len() == 1 && leaf.values.len() >= 2)
        .then(|| leaf.values[0].clone())
        .filter(|v| !v.trim().is_empty())
}

pub fn infer(corpus: &Corpus) -> Inference {
    let groups = &corpus.groups;
    let mut flags = Vec::new();
    let mut e = Entities::default();

    // 1. The logon: the request that carries login strings; its other value is the user.
    let logon = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.hop == Hop::Requests)
        .find(|(_, g)| {
            leaves(&g.shape)
                .iter()
                .any(|l| dominant(&l.values).0 == Shape::Login && dominant(&l.values).1 >= 0.8)
        })
        .map(|(i, _)| i);
    if let Some(i) = logon {
        for l in leaves(&groups[i].shape) {
            match dominant(&l.values).0 {
                Shape::Login => {
                    for v in &l.values {
                        if let Some(d) = login_device(v) {
                            e.devices.insert(d.to_owned());
                        }
                    }
                }
                Shape::Id | Shape::Word | Shape::Integer | Shape::Text => {
                    e.users.extend(distinct(&l.values));
                }
                _ => {}
            }
        }
        if let Some(reply) = &groups[i].reply {
            for l in leaves(reply) {
                if constant(&l).is_none() {
                    e.sessions.extend(distinct(&l.values));
                }
            }
        }
    } else {
        flags.push("no request carries login strings (agentid;password;device): the logon, and with it the agents' users and sessions, could not be found; map user.logon by hand".to_owned());
    }

    // 2. Events: the call events are those whose ids recur in requests.
    let request_values: BTreeSet<String> = groups
        .iter()
        .filter(|g| g.hop == Hop::Requests)
        .flat_map(|g| leaves(&g.shape))
        .flat_map(|l| distinct(&l.values))
        .collect();
    let mut call_event: Option<(usize, Leaf, f64)> = None;
    for (i, g) in groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.hop == Hop::Events)
    {
        for l in leaves(&g.shape) {
            if l.in_list.is_some() || share_in(&l.values, &e.users) > 0.5 {
                continue;
            }
            let (s, _) = dominant(&l.values);
            if !matches!(s, Shape::Id | Shape::Integer) || share_in(&l.values, &e.sessions) > 0.5 {
                continue;
            }
            let d = distinct(&l.values);
            let reused = d.len() * 3 <= l.values.len() * 2;
            let in_requests = d.iter().filter(|v| request_values.contains(*v)).count() as f64
                / d.len().max(1) as f64;
            let score = in_requests
                + if reused { 0.2 } else { 0.0 }
                + 0.3 * lexicon::op_score(Operation::CallChanged, &g.local);
            if in_requests > 0.2 && call_event.as_ref().is_none_or(|(_, _, s)| score > *s) {
                call_event = Some((i, l.clone(), score));
            }
        }
    }
    if let Some((_, l, _)) = &call_event {
        e.calls = distinct(&l.values);
    }

    // 3. Call states over time, from the call event's state word.
    let mut timeline: HashMap<String, Vec<(f64, String)>> = HashMap::new();
    if let Some((gi, id_leaf, _)) = &call_event {
        let g = &groups[*gi];
        let state_leaf = leaves(&g.shape)
            .into_iter()
            .filter(|l| l.in_list.is_none() && dominant(&l.values).0 == Shape::Word)
            .max_by_key(|l| distinct(&l.values).len());
        if let Some(sl) = &state_leaf {
            for m in &g.members {
                let ex = &corpus.exchanges[*m];
                let Some(body) = &ex.request.body else {
                    continue;
                };
                if let (Some(id), Some(state)) = (
                    value_in(body, &g.shape, id_leaf),
                    value_in(body, &g.shape, sl),
                ) {
                    timeline.entry(id).or_default().push((ex.t, state));
                }
            }
        }
    }
    let first_state = most(
        timeline
            .values()
            .filter_map(|v| v.first().map(|s| s.1.clone())),
    );
    let last_state = most(
        timeline
            .values()
            .filter_map(|v| v.last().map(|s| s.1.clone())),
    );

    // 4. Score every group against every operation.
    let mut scores: Vec<(f64, usize, Operation, Vec<String>)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let ls = leaves(&g.shape);
        let reply_ls = g.reply.as_ref().map(leaves).unwrap_or_default();
        let varying: Vec<&Leaf> = ls.iter().filter(|l| constant(l).is_none()).collect();
        // Shapes count whether or not a value varies (one sink URL for every agent is still
        // a URL); correlations only for values that vary.
        let has = |pred: &dyn Fn(&Leaf) -> bool| ls.iter().any(pred);
        let user = has(&|l| share_in(&l.values, &e.users) > 0.8);
        let call = has(&|l| share_in(&l.values, &e.calls) > 0.5);
        let url = has(&|l| dominant(&l.values).0 == Shape::Url);
        let e164 = has(&|l| dominant(&l.values).0 == Shape::E164 && l.in_list.is_none());
        let device = has(&|l| share_in(&l.values, &e.devices) > 0.8);
        let word = has(&|l| {
            dominant(&l.values).0 == Shape::Word
                && l.in_list.is_none()
                && share_in(&l.values, &e.users) < 0.5
        });
        let login = has(&|l| dominant(&l.values).0 == Shape::Login);
        let reply_id = reply_ls.iter().any(|l| {
            constant(l).is_none() && matches!(dominant(&l.values).0, Shape::Id | Shape::Integer)
        });
        let others = varying.len();
        // Requests are matched to requests, events to events.
        let candidates: Vec<Operation> = Operation::ALL
            .into_iter()
            .filter(|op| op.is_event() == (g.hop == Hop::Events))
            .collect();
        let transitions = transitions_after(corpus, g, &ls, &e, &timeline);
        for op in candidates {
            let mut why = Vec::new();
            let mut s = 0.0;
            let mut add = |points: f64, reason: String| {
                s += points;
                why.push(reason);
            };
            use Operation::*;
            match op {
                Logon if login => add(3.0, "carries login strings".into()),
                SetWorkMode if user && word && !call && !url => {
                    add(1.5, "carries a user and a state word".into())
                }
                UserSubscribe | UserUnsubscribe if url && !device => {
                    add(1.5, "carries a user and a URL (the event sink)".into())
                }
                ContainerSubscribe | ContainerUnsubscribe if url && device => {
                    add(1.5, "carries a device and a URL (the event sink)".into())
                }
                Transfer if call && e164 => {
                    add(2.5, "carries a call id and an E.164 destination".into())
                }
                MakeCall if e164 && !call && reply_id => {
                    add(2.5, "carries an E.164 destination; its answer an id".into())
                }
                Answer | HangUp | Hold | Retrieve if call && !e164 => {
                    add(1.0, "carries a user and a call id".into());
                    if let Some((points, reason)) = transition_evidence(
                        op,
                        &transitions,
                        first_state.as_deref(),
                        last_state.as_deref(),
                    ) {
                        add(points, reason);
                    }
                }
                Logoff if user && others == 1 => add(1.0, "carries only the user".into()),
                Heartbeat if !login && !call && !url && others <= 1 => {
                    add(0.5, "carries at most a user".into())
                }
                GetVersion if others == 0 && reply_ls.len() >= 2 => {
                    add(0.5, "carries nothing; its answer two values".into())
                }
                CallChanged if call_event.as_ref().is_some_and(|(i, _, _)| *i == gi) => add(
                    3.0,
                    "its ids recur in the requests that act on calls; its state word changes along each call".into(),
                ),
                ContainerChanged
                    if call && call_event.as_ref().is_none_or(|(i, _, _)| *i != gi) =>
                {
                    add(2.0, "refers to calls by id, and is not the call event".into())
                }
                UserChanged if user && word && !call => {
                    add(1.5, "carries a user and a state word, no call".into())
                }
                _ => {}
            }
            let named = lexicon::op_score(op, &g.local);
            // `urn:IciContainerInterface`: the interface a namespace names is evidence too,
            // where two operations share an element name (`subscribe`).
            if lexicon::namespace_names(op, &g.ns) {
                add(
                    0.5,
                    format!("its namespace {} names the operation's interface", g.ns),
                );
            }
            if named > 0.0 {
                add(
                    2.0 * named,
                    format!(
                        "its name `{}` is {} word for {}",
                        g.local,
                        if named >= 1.0 { "a" } else { "close to a" },
                        op.key()
                    ),
                );
            }
            if s > 0.0 {
                scores.push((s, gi, op, why));
            }
        }
    }

    // 5. Best first, each group and each operation once.
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut taken_groups = BTreeSet::new();
    let mut taken_ops = BTreeSet::new();
    let mut chosen: Vec<(usize, Operation, f64, Vec<String>)> = Vec::new();
    for (s, gi, op, why) in scores {
        if s < 1.0 || taken_groups.contains(&gi) || taken_ops.contains(&op) {
            continue;
        }
        taken_groups.insert(gi);
        taken_ops.insert(op);
        chosen.push((gi, op, s, why));
    }
    let unmatched: Vec<(usize, String)> = (0..groups.len())
        .filter(|gi| !taken_groups.contains(gi))
        .map(|gi| {
            (
                gi,
                format!(
                    "{} {} matched no crmsim operation well enough (its values and name say too little)",
                    groups[gi].hop.as_str(),
                    groups[gi].expanded()
                ),
            )
        })
        .collect();

    // 6. Fields of each chosen group, and the vocabularies their words build.
    let mut vocab: BTreeMap<&'static str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut ops = Vec::new();
    let mut timestamp = None;
    for (gi, op, score, evidence) in chosen {
        let g = &groups[gi];
        let mut message = g.shape.clone();
        let mut reply = g.reply.clone();
        let mut missing = Vec::new();
        map_fields(
            op,
            &mut message,
            false,
            &e,
            &mut vocab,
            &mut timestamp,
            &mut missing,
        );
        if let Some(r) = &mut reply {
            map_fields(op, r, true, &e, &mut vocab, &mut timestamp, &mut missing);
        } else if !op.is_event() {
            flags.push(format!(
                "{}: no answer to {} was captured; its response is written empty",
                op.key(),
                g.expanded()
            ));
        }
        let confidence = if score >= 4.0 {
            Confidence::High
        } else if score >= 2.0 {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        ops.push(OpPlan {
            op,
            group: gi,
            message,
            reply,
            confidence,
            evidence,
            missing,
        });
    }

    // 7. Call states by where they stand in each call's life and what the requests did.
    let mut vocab_plans = BTreeMap::new();
    let answer_next = op_next_state(&ops, Operation::Answer, corpus, &e, &timeline);
    let hold_next = op_next_state(&ops, Operation::Hold, corpus, &e, &timeline);
    let transfer_next = op_next_state(&ops, Operation::Transfer, corpus, &e, &timeline);
    for (name, words) in vocab {
        let mut plan = VocabPlan::default();
        for (word, _) in words {
            let mut value = lexicon::vocab_guess(name, &word);
            let mut why = value.map(|_| "by its name".to_owned());
            if name == "call_state" {
                let behaviour = if Some(&word) == first_state.as_ref() {
                    Some(("alerting", "every call starts with it"))
                } else if Some(&word) == last_state.as_ref() {
                    Some(("disconnected", "every call ends with it"))
                } else if Some(&word) == answer_next.as_ref() {
                    Some(("connected", "calls come to it after call.answer"))
                } else if Some(&word) == hold_next.as_ref() {
                    Some(("held", "calls come to it after call.hold"))
                } else if Some(&word) == transfer_next.as_ref() {
                    Some(("transferred", "calls come to it after call.transfer"))
                } else {
                    None
                };
                if let Some((v, reason)) = behaviour {
                    why = Some(match value {
                        Some(named) if named == v => format!("{reason}, and by its name"),
                        Some(named) => format!("{reason} (its name says {named})"),
                        None => reason.to_owned(),
                    });
                    value = Some(v);
                }
            }
            match value {
                Some(v) if !plan.entries.contains_key(v) => {
                    plan.entries
                        .insert(v, (vec![word], why.unwrap_or_default()));
                }
                Some(v) => {
                    if let Some(entry) = plan.entries.get_mut(v) {
                        entry.0.push(word);
                    }
                }
                None => plan.unmatched.push(word),
            }
        }
        vocab_plans.insert(name, plan);
    }
    Inference {
        ops,
        unmatched,
        vocab: vocab_plans,
        timestamp,
        user_header: user_header(corpus),
        flags,
    }
}

/// The state of a call before a request and after it.
type Transition = (Option<String>, Option<String>);

/// `(state before, state after)` of the call each request of `g` acted on.
fn transitions_after(
    corpus: &Corpus,
    g: &Group,
    ls: &[Leaf],
    e: &Entities,
    timeline: &HashMap<String, Vec<(f64, String)>>,
) -> Vec<Transition> {
    let Some(call_leaf) = ls
        .iter()
        .find(|l| l.in_list.is_none() && share_in(&l.values, &e.calls) > 0.5)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in &g.members {
        let ex = &corpus.exchanges[*m];
        let Some(body) = &ex.request.body else {
            continue;
        };
        let Some(id) = value_in(body, &g.shape, call_leaf) else {
            continue;
        };
        let Some(states) = timeline.get(id.trim()) else {
            continue;
        };
        let before = states
            .iter()
            .rev()
            .find(|(t, _)| *t <= ex.t)
            .map(|(_, s)| s.clone());
        let after = states
            .iter()
            .find(|(t, _)| *t > ex.t)
            .map(|(_, s)| s.clone());
        out.push((before, after));
    }
    out
}

/// Points for `op` from what its requests did to their calls.
fn transition_evidence(
    op: Operation,
    transitions: &[Transition],
    first: Option<&str>,
    last: Option<&str>,
) -> Option<(f64, String)> {
    if transitions.is_empty() {
        return None;
    }
    let n = transitions.len() as f64;
    let share = |pred: &dyn Fn(&Transition) -> bool| {
        transitions.iter().filter(|t| pred(t)).count() as f64 / n
    };
    let from_first = share(&|t| t.0.as_deref() == first && first.is_some());
    let to_last = share(&|t| t.1.as_deref() == last && last.is_some());
    let (points, what) = match op {
        Operation::Answer => (
            from_first * (1.0 - to_last),
            format!(
                "{:.0}% of its calls were in their first state (ringing) and went on",
                from_first * 100.0
            ),
        ),
        Operation::HangUp => (
            to_last,
            format!(
                "{:.0}% of its calls went to their last state (ended) next",
                to_last * 100.0
            ),
        ),
        Operation::Hold | Operation::Retrieve => (
            (1.0 - from_first) * (1.0 - to_last) * 0.8,
            "its calls were neither ringing nor ending".to_owned(),
        ),
        _ => return None,
    };
    (points > 0.3).then_some((3.0 * points, what))
}

/// The state calls most often reach right after the requests of `op`.
fn op_next_state(
    ops: &[OpPlan],
    op: Operation,
    corpus: &Corpus,
    e: &Entities,
    timeline: &HashMap<String, Vec<(f64, String)>>,
) -> Option<String> {
    let plan = ops.iter().find(|p| p.op == op)?;
    let g = &corpus.groups[plan.group];
    let ls = leaves(&g.shape);
    most(
        transitions_after(corpus, g, &ls, e, timeline)
            .into_iter()
            .filter_map(|(_, after)| after),
    )
}

/// Which header carries the agent's user (SAP Note 1640673), if one does.
fn user_header(corpus: &Corpus) -> Option<String> {
    let requests: Vec<_> = corpus
        .exchanges
        .iter()
        .filter(|e| e.hop == Hop::Requests)
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for ex in &requests {
        for (name, value) in &ex.headers {
            let lower = name.to_ascii_lowercase();
            if crate::facts::ORDINARY_HEADERS.contains(&lower.as_str()) {
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

/// Gives each leaf of `node` its meaning for `op`; words of enumerated fields go to `vocab`.
///
/// Three passes: values whose shape or correlation says what they are (users, sessions,
/// calls, devices, login strings, URLs, numbers, times, attached data); then values the same
/// in every message become constants and the rest are matched by weaker signs; last, a
/// required field still missing takes a constant that fits it (an item type that was always
/// `VOICE` in the capture is still the item type).
#[allow(clippy::too_many_arguments)]
fn map_fields(
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

/// The leaf the node at `path` holds, for tests and emit.
pub fn role_at(node: &Node, path: &[usize]) -> Option<Role> {
    node_at(node, path).map(|n| n.text_role.clone())
}
