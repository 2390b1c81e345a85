//! Every call the CRM has heard of, with its latest state, to prove each one ended.

use std::collections::HashMap;
use std::sync::Mutex;

use ici::CallState;

use crate::lock;

#[derive(Debug, Default)]
pub struct CallBook {
    calls: Mutex<HashMap<String, CallState>>,
}

/// How many calls the CRM saw and how many ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallBookSummary {
    pub seen: u64,
    pub terminal: u64,
    /// Calls whose last known state is not terminal, sorted; empty after a clean drain.
    pub open: Vec<String>,
}

impl CallBook {
    /// Records a call's new state. A call offered again after ring-no-answer reopens.
    pub fn update(&self, call: &str, state: CallState) {
        let mut calls = lock(&self.calls);
        match calls.get_mut(call) {
            Some(s) => *s = state,
            None => {
                calls.insert(call.to_owned(), state);
            }
        }
    }

    pub fn summary(&self) -> CallBookSummary {
        let calls = lock(&self.calls);
        let mut open: Vec<String> = calls
            .iter()
            .filter(|(_, s)| !s.is_terminal())
            .map(|(id, _)| id.clone())
            .collect();
        open.sort();
        CallBookSummary {
            seen: calls.len() as u64,
            terminal: (calls.len() - open.len()) as u64,
            open,
        }
    }

    /// Marks every open call of a connector side as lost with it (the CRM learns of a side's
    /// death through the watchdog and can no longer hear about those calls).
    pub fn close_all_open(&self, prefix: &str) -> Vec<String> {
        let mut calls = lock(&self.calls);
        let mut closed = Vec::new();
        for (id, state) in calls.iter_mut() {
            if id.starts_with(prefix) && !state.is_terminal() {
                *state = CallState::Disconnected;
                closed.push(id.clone());
            }
        }
        closed.sort();
        closed
    }
}
