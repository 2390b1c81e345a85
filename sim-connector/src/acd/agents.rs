//! Agent sessions on the connector, and the set of ready agents in routing order.

use std::collections::BTreeSet;
use std::time::Instant;

use ici::{ReasonCode, WorkMode};

/// One logged-on agent.
#[derive(Debug, Clone)]
pub struct Agent {
    pub user: String,
    pub agent_id: Option<String>,
    pub device: String,
    pub session: String,
    pub mode: WorkMode,
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
    pub fn insert(&mut self, idle_since: Instant, user: &str) -> ReadyKey {
        self.sequence += 1;
        let key = (idle_since, self.sequence, user.to_owned());
        self.order.insert(key.clone());
        key
    }

    pub fn remove(&mut self, key: &ReadyKey) {
        self.order.remove(key);
    }

    /// Takes the longest-idle agent.
    pub fn pop_longest_idle(&mut self) -> Option<String> {
        self.order.pop_first().map(|(_, _, user)| user)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

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
