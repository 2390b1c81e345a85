//! # learn: a dialect from what a real system said, and a dialect held to it
//!
//! SAP has not published the ICI WSDLs, so the dialect of a real SAP CRM and connector is
//! learned from a capture of their traffic (`crmsim record`): which body element is which
//! crmsim operation, which element or attribute carries which field, which words mean which
//! call state. [`learn`] writes a draft dialect file where every choice says its evidence and
//! every guess is marked `CONFIRM`; [`conformance::check`] decodes every captured message
//! with a dialect and lists each that does not read, with why.
//!
//! - [`tree`] and [`merge`]: messages as trees, merged per kind into shapes;
//! - [`shapes`] and [`lexicon`]: what values look like, and the words CTI systems use;
//! - [`groups`]: the capture sorted into kinds of messages, with their answers;
//! - [`facts`]: what every message shares (SOAP version, paths, actions, headers);
//! - [`entities`]: users, devices, sessions and calls, found once and recognised everywhere;
//! - [`infer`]: operations matched with evidence, and the vocabularies;
//! - [`calls`]: what requests did to calls, from the call event's states;
//! - [`fields`]: every value's meaning (a field, a constant, left out), lists and records;
//! - [`emit`]: the dialect file;
//! - [`conformance`]: a dialect against a capture.
//!
//! No I/O: captures in, text out.

#![warn(missing_docs)]

pub mod calls;
pub mod conformance;
pub mod emit;
pub mod entities;
pub mod facts;
pub mod fields;
pub mod groups;
pub mod infer;
pub mod lexicon;
pub mod merge;
pub mod shapes;
pub mod tree;

use capture::Capture;

/// The most common of `items` (the smallest of those tied), if any.
pub(crate) fn most<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: std::collections::BTreeMap<T, usize> = std::collections::BTreeMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v)
}

/// A learned dialect.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Learned {
    /// The dialect file's text.
    pub toml: String,
    /// What a person must confirm, one line each (also in the file as `CONFIRM` comments).
    pub flags: Vec<String>,
    /// Each crmsim operation learned: `(operation, body element, confidence)`.
    pub operations: Vec<(String, String, infer::Confidence)>,
    /// Operations the capture did not show.
    pub unseen: Vec<String>,
    /// Captured exchanges whose request read as SOAP.
    pub exchanges: usize,
}

/// Learns a dialect named `name` from `captures`.
pub fn learn(captures: &[Capture], name: &str) -> Learned {
    let corpus = groups::read(captures);
    let facts = facts::read(&corpus, &corpus.groups);
    let inference = infer::infer(&corpus);
    let sources: Vec<String> = captures
        .iter()
        .map(|c| c.path.display().to_string())
        .collect();
    let (toml, flags) = emit::emit(name, &sources, &corpus, &facts, &inference);
    let operations = inference
        .ops
        .iter()
        .map(|p| {
            (
                p.op.key().to_owned(),
                corpus.groups[p.group].expanded(),
                p.confidence,
            )
        })
        .collect();
    let unseen = ici::Operation::ALL
        .iter()
        .filter(|op| !inference.ops.iter().any(|p| p.op == **op))
        .map(|op| op.key().to_owned())
        .collect();
    Learned {
        toml,
        flags,
        operations,
        unseen,
        exchanges: corpus.exchanges.len(),
    }
}
