//! A call as the contact center sees it, from arrival to its end.

use std::time::Instant;

use ici::{AttachedData, E164};

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPhase {
    /// Waiting for a ready agent.
    Queued,
    /// Outbound call being dialled.
    Dialling,
    /// Ringing at an agent.
    Alerting,
    /// Talking: answered by the agent (inbound) or by the far end (outbound).
    Connected,
    /// Put on hold by the agent; `retrieve` connects it again.
    Held,
}

/// How a call ended. Every offered call ends in exactly one of these, which is what the run's
/// "no call silently lost" invariant checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Talked and hung up (by the agent or the caller).
    Completed,
    /// Handed on to another destination.
    Transferred,
    /// The caller gave up waiting in the queue.
    Abandoned,
    /// The call was cut for a reason outside the caller's and agent's control (failover,
    /// shutdown); the reason is reported.
    Dropped(String),
}

impl Outcome {
    /// `true` when the call counts as lost for the caller.
    pub fn is_lost(&self) -> bool {
        matches!(self, Outcome::Abandoned | Outcome::Dropped(_))
    }
}

/// Which way a call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A caller's call: offered to the queue and routed to an agent.
    Inbound,
    /// Placed by an agent with `makeCall`.
    Outbound,
}

/// A call not yet ended; the ACD forgets it once it has an [`Outcome`].
#[derive(Debug, Clone)]
pub struct Call {
    /// Call id (`<side>-<instance>-<counter>`): the ICI `callId`, unique across sides and restarts.
    pub id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The caller (inbound) or the dialled number (outbound).
    pub remote: E164,
    /// Attached data, sent with the `alerting` and `initiated` events: caller number, call counter,
    /// media id and ECC values (inbound); empty for outbound calls.
    pub attached: AttachedData,
    /// Where the call is in its life.
    pub phase: CallPhase,
    /// The agent the call is at (alerting, dialling or talking); `None` while queued.
    pub agent: Option<String>,
    /// When the call arrived (its intended time): the caller's patience counts from here, also
    /// after a ring-no-answer puts the call back in the queue.
    pub offered_at: Instant,
    /// Whether the call was ever connected; only answered calls put the agent in wrap-up.
    pub answered: bool,
    /// Bumped on every phase change, so that a timer armed for an earlier phase does nothing.
    pub epoch: u64,
}
