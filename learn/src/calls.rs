//! What requests did to calls, read off the call event's state word over time: the evidence
//! that tells answer from hang-up from hold, and names the states (after answer: connected).

use std::collections::HashMap;

use ici::Operation;

use crate::entities::{Entities, share_in};
use crate::groups::{Corpus, Group, Leaf, leaves, value_in};
use crate::infer::OpPlan;
use crate::most;

/// The state of a call before a request and after it.
pub(crate) type Transition = (Option<String>, Option<String>);

/// `(state before, state after)` of the call each request of `g` acted on.
pub(crate) fn transitions_after(
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
pub(crate) fn transition_evidence(
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
pub(crate) fn op_next_state(
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
