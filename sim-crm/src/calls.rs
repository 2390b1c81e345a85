//! The calls the CRM has heard of: how many, how many ended, which are still open, to prove
//! each one ended.
//!
//! Only open calls are kept, with counts of the rest: a CRM that runs for hours must not keep
//! every call it ever saw (the hour's soak in `benches/README.md` showed one that did). A call that ended is remembered a
//! little longer by id alone, because a connector may offer it again after ring-no-answer: the
//! same call reopening must not count twice.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ici::CallState;

use crate::lock;

/// How long an ended call is remembered by id for a reopen. A connector offers a call again
/// after ring-no-answer once another agent is free, which callers do not wait minutes for.
/// Counted in time rather than calls, so the memory it takes levels off within the first
/// minutes of a run: bounded by a count alone, it grew for half an hour of the soak, which read
/// as a leak (`benches/README.md`, "Soak").
const REMEMBER_ENDED: Duration = Duration::from_secs(300);

/// And at most this many, whatever the call rate.
const RECENTLY_ENDED: usize = 65_536;

/// The calls one CRM heard of in `callChanged` events: open ones by id, ended ones counted.
#[derive(Debug, Default)]
pub struct CallBook {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    open: HashMap<String, CallState>,
    seen: u64,
    terminal: u64,
    /// Each remembered call, with when it (last) ended.
    ended: HashMap<String, Instant>,
    /// When each remembered call ended, oldest first. A call that reopened and ended again has
    /// an older entry too, which expires without forgetting the newer end.
    ended_order: VecDeque<(Instant, String)>,
}

/// How many calls the CRM saw and how many ended.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct CallBookSummary {
    /// Distinct calls heard of; a call reopened while its end is still remembered counts once.
    pub seen: u64,
    /// Calls that ended (disconnected or transferred, or closed as lost with their side); a
    /// reopened call no longer counts until it ends again.
    pub terminal: u64,
    /// Calls whose last known state is not terminal, sorted; empty after a clean drain.
    pub open: Vec<String>,
}

impl Inner {
    fn end(&mut self, call: String, now: Instant) {
        self.terminal += 1;
        while let Some((at, _)) = self.ended_order.front()
            && (self.ended_order.len() >= RECENTLY_ENDED
                || now.saturating_duration_since(*at) > REMEMBER_ENDED)
        {
            if let Some((at, old)) = self.ended_order.pop_front()
                && self.ended.get(&old) == Some(&at)
            {
                self.ended.remove(&old);
            }
        }
        self.ended.insert(call.clone(), now);
        self.ended_order.push_back((now, call));
    }
}

impl CallBook {
    /// Records a call's new state. A call offered again after ring-no-answer reopens.
    pub fn update(&self, call: &str, state: CallState) {
        self.update_at(call, state, Instant::now());
    }

    fn update_at(&self, call: &str, state: CallState, now: Instant) {
        let mut inner = lock(&self.inner);
        if let Some(s) = inner.open.get_mut(call) {
            *s = state;
            if state.is_terminal() {
                inner.open.remove(call);
                inner.end(call.to_owned(), now);
            }
            return;
        }
        if inner.ended.contains_key(call) {
            if state.is_terminal() {
                return; // another side's word on a call already ended
            }
            // Reopened: no longer ended, not a new call either.
            inner.ended.remove(call);
            inner.terminal = inner.terminal.saturating_sub(1);
        } else {
            inner.seen += 1;
        }
        if state.is_terminal() {
            inner.end(call.to_owned(), now);
        } else {
            inner.open.insert(call.to_owned(), state);
        }
    }

    /// The counts now, with the ids of the calls still open.
    pub fn summary(&self) -> CallBookSummary {
        let inner = lock(&self.inner);
        let mut open: Vec<String> = inner.open.keys().cloned().collect();
        open.sort();
        CallBookSummary {
            seen: inner.seen,
            terminal: inner.terminal,
            open,
        }
    }

    /// Marks every open call of a connector side as lost with it (the CRM learns of a side's
    /// death through the watchdog and can no longer hear about those calls).
    pub fn close_all_open(&self, prefix: &str) -> Vec<String> {
        let mut inner = lock(&self.inner);
        let mut closed: Vec<String> = inner
            .open
            .keys()
            .filter(|id| id.starts_with(prefix))
            .cloned()
            .collect();
        closed.sort();
        let now = Instant::now();
        for id in &closed {
            inner.open.remove(id);
            inner.end(id.clone(), now);
        }
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_calls_are_kept_and_a_reopened_call_counts_once() {
        let book = CallBook::default();
        book.update("c1", CallState::Alerting);
        book.update("c2", CallState::Alerting);
        book.update("c1", CallState::Connected);
        book.update("c1", CallState::Disconnected);
        // Ring-no-answer: c2 ends for one agent and is offered to the next.
        book.update("c2", CallState::Disconnected);
        book.update("c2", CallState::Alerting);
        let s = book.summary();
        assert_eq!(
            (s.seen, s.terminal, s.open.clone()),
            (2, 1, vec!["c2".to_owned()])
        );
        book.update("c2", CallState::Disconnected);
        let s = book.summary();
        assert_eq!((s.seen, s.terminal, s.open.len()), (2, 2, 0));
        assert_eq!(lock(&book.inner).open.len(), 0, "ended calls are not kept");
    }

    #[test]
    fn ended_calls_are_forgotten_after_a_while_and_then_count_anew() {
        let book = CallBook::default();
        let t0 = Instant::now();
        book.update_at("c1", CallState::Disconnected, t0);
        book.update_at("c2", CallState::Disconnected, t0 + Duration::from_secs(200));
        // c1 reopens within the time an ended call is remembered: the same call.
        book.update_at("c1", CallState::Alerting, t0 + Duration::from_secs(250));
        book.update_at("c1", CallState::Disconnected, t0 + Duration::from_secs(260));
        assert_eq!(book.summary().seen, 2);
        // Long after: c2 was forgotten when c3 ended, so it reads as a new call.
        let late = t0 + REMEMBER_ENDED + Duration::from_secs(300);
        book.update_at("c3", CallState::Disconnected, late);
        book.update_at("c2", CallState::Alerting, late);
        assert_eq!(book.summary().seen, 4);
        let inner = lock(&book.inner);
        assert!(inner.ended.len() <= inner.ended_order.len());
        assert!(
            !inner.ended.contains_key("c1"),
            "c1 ended 260 s in, forgotten by then"
        );
    }

    #[test]
    fn a_call_that_reopened_is_remembered_from_its_last_end() {
        let book = CallBook::default();
        let t0 = Instant::now();
        book.update_at("c1", CallState::Disconnected, t0);
        book.update_at("c1", CallState::Alerting, t0 + Duration::from_secs(100));
        book.update_at("c1", CallState::Disconnected, t0 + Duration::from_secs(200));
        // The first end's entry expires here; the second end is still remembered.
        let later = t0 + REMEMBER_ENDED + Duration::from_secs(50);
        book.update_at("c2", CallState::Disconnected, later);
        book.update_at("c1", CallState::Disconnected, later);
        let s = book.summary();
        assert_eq!(
            (s.seen, s.terminal),
            (2, 2),
            "c1's late word counted as a new call"
        );
    }

    #[test]
    fn a_dead_sides_open_calls_close() {
        let book = CallBook::default();
        book.update("a-1", CallState::Connected);
        book.update("b-1", CallState::Connected);
        assert_eq!(book.close_all_open("a-"), vec!["a-1".to_owned()]);
        let s = book.summary();
        assert_eq!((s.seen, s.terminal, s.open), (2, 1, vec!["b-1".to_owned()]));
    }
}
