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

use crate::calls::{op_next_state, transition_evidence, transitions_after};
use crate::entities::{Entities, constant, distinct, share_in};
use crate::fields::map_fields;
use crate::groups::{Corpus, Leaf, leaves, value_in};
use crate::lexicon;
use crate::merge::Node;
use crate::most;
use crate::shapes::{Shape, dominant, login_device};

/// How sure learning is of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Scored 1 to 2: weak evidence.
    Low,
    /// Scored 2 to 4.
    Medium,
    /// Scored 4 or more: the only level the draft does not mark `CONFIRM`.
    High,
}

/// One operation, learned.
#[derive(Debug, Clone)]
pub struct OpPlan {
    /// The crmsim operation.
    pub op: Operation,
    /// Index of the matched group in [`Corpus::groups`].
    pub group: usize,
    /// The group's merged message, its values given their meanings for the operation.
    pub message: Node,
    /// The merged answer, its values given their meanings; `None` when none was captured.
    pub reply: Option<Node>,
    /// How sure the match is, from its score.
    pub confidence: Confidence,
    /// Why the group is this operation, one reason each.
    pub evidence: Vec<String>,
    /// Fields the scope requires that the capture did not show: the operation cannot be
    /// written and is marked unsupported.
    pub missing: Vec<&'static str>,
}

/// One vocabulary, learned: per crmsim value, the wire words seen and why.
#[derive(Debug, Clone, Default)]
pub struct VocabPlan {
    /// Per crmsim value: the wire words that mean it, and why.
    pub entries: BTreeMap<&'static str, (Vec<String>, String)>,
    /// Words seen that matched no value.
    pub unmatched: Vec<String>,
}

/// What the captured traffic says: operations, vocabularies, and what a person must confirm.
pub struct Inference {
    /// The operations matched, best score first; each group and operation at most once.
    pub ops: Vec<OpPlan>,
    /// Groups no operation matched: `(group, why)`.
    pub unmatched: Vec<(usize, String)>,
    /// The vocabularies by name (`call_state`, `work_mode`…).
    pub vocab: BTreeMap<&'static str, VocabPlan>,
    /// `unix-ms` or `rfc3339`, from the events' timestamps.
    pub timestamp: Option<&'static str>,
    /// The request header that carries the agent's user (SAP Note 1640673), if one does.
    pub user_header: Option<String>,
    /// What a person must confirm, found while inferring.
    pub flags: Vec<String>,
}

/// Matches groups to operations by scored evidence (shapes, correlations, call-state changes,
/// names), best first and each at most once, scores under 1 left out; then maps their values.
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
        user_header: crate::facts::user_header(corpus),
        flags,
    }
}
