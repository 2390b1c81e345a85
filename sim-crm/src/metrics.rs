//! What the CRM measured: requests and their answers, events and their order, agents' state.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use stats::{ErrorLog, Flips, LatencyBook, Moments, OutcomeTally, Timeline};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Counters of one CRM.
        #[derive(Debug, Default)]
        pub struct CrmCounters { $($(#[$doc])* pub $name: AtomicU64,)* }

        /// A copy of [`CrmCounters`].
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        pub struct CrmCounts { $($(#[$doc])* pub $name: u64,)* }

        impl CrmCounters {
            /// The counters now.
            pub fn snapshot(&self) -> CrmCounts {
                CrmCounts { $($name: self.$name.load(Ordering::Relaxed),)* }
            }
        }
    };
}

counters! {
    /// Requests sent to the connector.
    requests,
    /// Requests answered with a result.
    responses,
    /// Requests answered with a SOAP fault.
    faults,
    /// Requests that got no usable answer (connection, TLS, timeout, bad body).
    request_errors,
    /// Events accepted and acknowledged.
    events,
    /// Events refused (unknown agent, unreadable body).
    events_refused,
    /// Events whose sequence number skipped ahead: events lost on the way.
    sequence_gaps,
    /// Events whose sequence number went back without a restart at 1.
    out_of_order,
    /// Events without a sequence number (the dialect's events carry none): their order and
    /// gaps cannot be checked.
    unnumbered_events,
    /// Events received twice (a retry after a lost acknowledgement).
    duplicate_events,
    /// Events of a session the agent had left (the other connector side): acknowledged, not
    /// acted on. A sign that two sides believed they had the agent.
    stale_events,
    /// Complete logon sequences (logon, subscriptions, ready).
    logons,
    /// Logon sequences started again after the connector lost the agent's session.
    relogons,
    /// Alerting calls answered.
    answered,
    /// Calls the agent hung up.
    hung_up,
    /// Outbound calls placed.
    outbound,
}

/// Everything one CRM measures, shared by its agents, ICI client, event receiver and heartbeat.
#[derive(Debug)]
pub struct CrmMetrics {
    /// Request latency by operation key, from the intended start; `event.*` from event receipt.
    pub latency: LatencyBook,
    /// Per-second request and event counts, request latency and watchdog marks, for plots.
    pub timeline: Timeline,
    /// Faults, failed requests, refused, missing or out-of-order events, dialect mismatches.
    pub errors: ErrorLog,
    /// Requests, events and agent actions counted.
    pub counters: CrmCounters,
    /// Requests by operation ([`ici::Operation::index`]) and outcome, for live metrics.
    pub outcomes: OutcomeTally,
    /// Whether requests get answers: false from the first transport failure, true again at the
    /// next answer. The failover gap is read off it.
    pub reachable: Flips,
    /// Whether every agent is logged on: how long a failover kept agents away.
    pub full_strength: Flips,
    /// When requests got no answer, to count them per failover.
    pub request_failures: Moments,
    in_flight: AtomicI64,
    logged_on: std::sync::Mutex<i64>,
    agents: u64,
}

impl CrmMetrics {
    /// Empty metrics for a CRM of `agents` agents; `start` is the timeline's zero.
    pub fn new(start: Instant, agents: u64) -> CrmMetrics {
        CrmMetrics {
            latency: LatencyBook::default(),
            timeline: Timeline::new(start),
            errors: ErrorLog::default(),
            counters: CrmCounters::default(),
            outcomes: OutcomeTally::new(ici::Operation::ALL.len()),
            reachable: Flips::new(true),
            full_strength: Flips::new(false),
            request_failures: Moments::default(),
            in_flight: AtomicI64::new(0),
            logged_on: std::sync::Mutex::new(0),
            agents,
        }
    }

    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request_ended(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Requests sent and not yet answered or failed.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub(crate) fn agent_logged_on(&self, on: bool) {
        // The count and its flip change together, so that the flips never disagree with it.
        let mut count = crate::lock(&self.logged_on);
        *count += if on { 1 } else { -1 };
        let full = u64::try_from(*count).is_ok_and(|n| n >= self.agents);
        self.full_strength.set(Instant::now(), full);
    }

    /// Agents whose logon sequence completed and who have not lost or ended their session.
    pub fn logged_on(&self) -> u64 {
        u64::try_from(*crate::lock(&self.logged_on)).unwrap_or(0)
    }
}
