//! Agent sessions on the connector, and the set of ready agents in routing order.

use std::collections::BTreeSet;
use std::time::Instant;

use ici::{ReasonCode, WorkMode};

/// One logged-on agent.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The agent's ICI user name: the key the CRM names it by in every request and event.
    pub user: String,
    /// Agent id (login type 0) or agent name (type 5) from the login string; `None` for 1 and 2.
    pub agent_id: Option<String>,
    /// The device (extension) from the login string: the agent's container, which container and
    /// `makeCall` requests must name, and the agent's address in call events. One agent per device.
    pub device: String,
    /// Session id given at logon (`<side>-<instance>-s<n>`), replaced on re-logon; events carry it,
    /// and each session numbers its events from 1.
    pub session: String,
    /// The agent's work mode now.
    pub mode: WorkMode,
    /// Reason code while not ready (set by the agent or by ring-no-answer); `None` otherwise.
    pub reason: Option<ReasonCode>,
    /// The call the agent is busy with.
    pub call: Option<String>,
    /// The state to return to when the wrap-up timer ends wrap-up (the state the agent had when
    /// the call was routed to it, per the connector's documentation).
    pub wrap_up_return: (WorkMode, Option<ReasonCode>),
    /// Since when the agent has been ready; routing picks the longest idle.
    pub idle_since: Instant,
    /// The agent's place in the ready set while it is ready.
    pub ready_key: Option<ReadyKey>,
    /// Bumped on every work-mode change, so that stale timers do nothing.
    pub epoch: u64,
    /// Event sink for user events (`userChanged`).
    pub user_sink: Option<String>,
    /// Event sink for the device's container and its calls.
    pub container_sink: Option<String>,
}

/// Ready agents ordered by how long they have been idle, then by a tie-breaking sequence.
#[derive(Debug, Default)]
pub struct ReadySet {
    order: BTreeSet<(Instant, u64, String)>,
    sequence: u64,
}

/// A ready agent's place in the set, kept by the caller to remove it later.
pub type ReadyKey = (Instant, u64, String);

impl ReadySet {
    /// Adds an agent that became ready at `idle_since`; returns the key to remove it with.
    pub fn insert(&mut self, idle_since: Instant, user: &str) -> ReadyKey {
        self.sequence += 1;
        let key = (idle_since, self.sequence, user.to_owned());
        self.order.insert(key.clone());
        key
    }

    /// Takes an agent out of routing (it is no longer ready); a key not in the set is ignored.
    pub fn remove(&mut self, key: &ReadyKey) {
        self.order.remove(key);
    }

    /// Takes the longest-idle agent.
    pub fn pop_longest_idle(&mut self) -> Option<String> {
        self.order.pop_first().map(|(_, _, user)| user)
    }

    /// Agents ready now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no agent is ready: queued calls wait.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn longest_idle_comes_first() {
        let now = Instant::now();
        let mut set = ReadySet::default();
        set.insert(now + Duration::from_secs(2), "b");
        let a = set.insert(now, "a");
        set.insert(now + Duration::from_secs(1), "c");
        set.remove(&a);
        assert_eq!(set.pop_longest_idle().as_deref(), Some("c"));
        assert_eq!(set.pop_longest_idle().as_deref(), Some("b"));
        assert!(set.is_empty());
    }
}
