//! The values that say who and what across a capture: the agents' users and devices, their
//! sessions, the calls. Found once (the logon, its answer, the call event) and then used to
//! recognise the same values wherever else they appear.

use std::collections::BTreeSet;

use crate::groups::Leaf;

/// Values that say who and what: agents, their devices, sessions, calls.
#[derive(Default)]
pub(crate) struct Entities {
    pub(crate) users: BTreeSet<String>,
    pub(crate) devices: BTreeSet<String>,
    pub(crate) sessions: BTreeSet<String>,
    pub(crate) calls: BTreeSet<String>,
}

/// The share of `values` that are in `set` (0..1).
pub(crate) fn share_in(values: &[String], set: &BTreeSet<String>) -> f64 {
    if values.is_empty() || set.is_empty() {
        return 0.0;
    }
    values.iter().filter(|v| set.contains(v.trim())).count() as f64 / values.len() as f64
}

/// The values, trimmed, each once.
pub(crate) fn distinct(values: &[String]) -> BTreeSet<String> {
    values.iter().map(|v| v.trim().to_owned()).collect()
}

/// A leaf's values all the same: a constant of the wire, not a value.
pub(crate) fn constant(leaf: &Leaf) -> Option<String> {
    let d = distinct(&leaf.values);
    (d.len() == 1 && leaf.values.len() >= 2)
        .then(|| leaf.values[0].clone())
        .filter(|v| !v.trim().is_empty())
}
