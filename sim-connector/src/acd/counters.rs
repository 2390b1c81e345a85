//! What the contact center counted: calls by outcome, requests by operation, faults by error.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::calls::Outcome;

/// What the contact center counted since it started: calls by outcome, agent sessions, requests by
/// operation, faults by error code, events.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AcdCounters {
    /// Inbound calls offered to the queue.
    pub offered: u64,
    /// Outbound calls placed by agents.
    pub outbound: u64,
    /// Inbound calls an agent answered.
    pub answered: u64,
    /// Calls (either direction) that ended normally after being connected.
    pub completed: u64,
    /// Calls ended by a `transfer` request (blind or consult).
    pub transferred: u64,
    /// Inbound callers that gave up in the queue.
    pub abandoned: u64,
    /// Calls cut by the system, with the reasons in `drop_reasons`.
    pub dropped: u64,
    /// Dropped calls by reason (`connector-a killed`, `CRM session lost: …`).
    pub drop_reasons: BTreeMap<String, u64>,
    /// Alerting calls taken back from an agent who did not answer.
    pub ring_no_answer: u64,
    /// Wrap-ups ended by the connector's timer.
    pub wrap_up_timer_ends: u64,
    /// Wrap-ups ended by the agent choosing ready or not ready.
    pub direct_wrap_up_ends: u64,
    /// Logons accepted, re-logons of an agent already logged on included.
    pub logons: u64,
    /// Agents logged off by a `logoff` request (silent CRMs count in `session_expiries`).
    pub logoffs: u64,
    /// Agents logged off because their CRM went silent.
    pub session_expiries: u64,
    // `Cow`: the names are static where counted, owned where a report is read back.
    /// Requests the ACD handled, by operation key (`user.logon`), faulted ones included; requests
    /// the endpoint could not decode are not counted here.
    pub requests: BTreeMap<Cow<'static, str>, u64>,
    /// Faults the ACD answered, by ICI error code (`notLoggedOn`), `unspecified` when it has none.
    pub faults: BTreeMap<Cow<'static, str>, u64>,
    /// Events handed to the sender.
    pub events_emitted: u64,
    /// Events not produced because nobody had subscribed to them.
    pub events_unsubscribed: u64,
}

impl AcdCounters {
    pub(super) fn count_outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Completed => self.completed += 1,
            Outcome::Transferred => self.transferred += 1,
            Outcome::Abandoned => self.abandoned += 1,
            Outcome::Dropped(reason) => {
                self.dropped += 1;
                *self.drop_reasons.entry(reason.clone()).or_default() += 1;
            }
        }
    }

    /// Calls lost for the caller: abandoned or dropped.
    pub fn lost(&self) -> u64 {
        self.abandoned + self.dropped
    }
}

/// The gauges of the moment, without the counters' maps or the call list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcdGauges {
    /// Logged-on agents by work mode (`loggedOff` stays 0: such agents are gone).
    pub agents_by_mode: [(ici::WorkMode, u64); 5],
    /// Calls waiting in the queue for an agent.
    pub queued: u64,
    /// Calls not yet ended (queued, alerting, connected, held).
    pub active_calls: u64,
}

/// Counters plus the gauges of the moment.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AcdSnapshot {
    /// Everything counted since the start.
    pub counters: AcdCounters,
    /// Agents logged on.
    pub logged_on: u64,
    /// Agents ready and waiting for a call.
    pub ready: u64,
    /// Calls waiting in the queue for an agent.
    pub queued: u64,
    /// Ids of calls not yet ended; empty after a clean drain.
    pub active_calls: Vec<String>,
}
