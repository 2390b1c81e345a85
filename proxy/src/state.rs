//! A server's UP/DOWN state and how health-check results move it: HAProxy's `fall` and `rise`
//! counted as consecutive results, and the record kept of every transition.
//!
//! Failover detection time is a first-class result of a run, so every transition is kept with
//! wall-clock and monotonic timestamps and a reason that says which checks decided it.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

/// Whether a server gets new connections.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum ServerState {
    /// Passing its health checks (or not yet failed enough of them).
    Up,
    /// Failed `fall` consecutive checks (or the first one) and not yet passed `rise` in a row.
    Down,
}

impl fmt::Display for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerState::Up => "UP",
            ServerState::Down => "DOWN",
        })
    }
}

/// One transition of one server, as the proxy logged it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct StateChange {
    /// Wall-clock time of the transition.
    #[serde(serialize_with = "crate::json_time::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub at: SystemTime,
    /// Time since the proxy started.
    #[serde(rename = "since_start_ms", serialize_with = "crate::json_time::ms")]
    #[schemars(with = "f64")]
    pub since_start: Duration,
    /// Monotonic time of the transition, to compare with the instants a harness records (e.g.
    /// the moment it killed a side) without clock steps in between.
    #[serde(skip)]
    pub at_instant: Instant,
    /// The backend's name.
    pub backend: String,
    /// The server's name.
    pub server: String,
    /// State before.
    pub from: ServerState,
    /// State after.
    pub to: ServerState,
    /// Which checks decided it, e.g. "3 consecutive failed checks (last: connection refused)".
    pub reason: String,
}

/// A transition decided by [`CheckCounter::record`]: the new state and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transition {
    pub from: ServerState,
    pub to: ServerState,
    pub reason: String,
}

/// HAProxy's check arithmetic for one server, as consecutive counts.
///
/// The server starts UP (HAProxy `init-state up`): the proxy is usable at once, and the very
/// first probe, if it fails, takes the server DOWN immediately instead of after `fall` probes,
/// so a side that is not there at start gets no connection. After that, an UP server needs
/// `fall` consecutive failures to go DOWN and a DOWN server `rise` consecutive passes to go UP;
/// a result of the other kind restarts the count.
#[derive(Debug, Clone)]
pub(crate) struct CheckCounter {
    state: ServerState,
    streak: u32,
    checked: bool,
    fall: u32,
    rise: u32,
}

impl CheckCounter {
    pub fn new(fall: u32, rise: u32) -> CheckCounter {
        CheckCounter {
            state: ServerState::Up,
            streak: 0,
            checked: false,
            fall: fall.max(1),
            rise: rise.max(1),
        }
    }

    /// Counts one probe result (`Err` carries why it failed); returns the transition it causes.
    pub fn record(&mut self, result: Result<(), &str>) -> Option<Transition> {
        let first = !self.checked;
        self.checked = true;
        let from = self.state;
        let (to, reason) = match (self.state, result) {
            (ServerState::Up, Ok(())) | (ServerState::Down, Err(_)) => {
                self.streak = 0;
                return None;
            }
            (ServerState::Up, Err(why)) if first => {
                (ServerState::Down, format!("first check failed ({why})"))
            }
            (ServerState::Up, Err(why)) => {
                self.streak += 1;
                if self.streak < self.fall {
                    return None;
                }
                (
                    ServerState::Down,
                    format!("{} (last: {why})", consecutive(self.fall, "failed")),
                )
            }
            (ServerState::Down, Ok(())) => {
                self.streak += 1;
                if self.streak < self.rise {
                    return None;
                }
                (ServerState::Up, consecutive(self.rise, "passed"))
            }
        };
        self.state = to;
        self.streak = 0;
        Some(Transition { from, to, reason })
    }
}

fn consecutive(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what} check")
    } else {
        format!("{n} consecutive {what} checks")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_up_server_falls_after_fall_failures_in_a_row() {
        let mut c = CheckCounter::new(3, 2);
        assert_eq!(c.record(Ok(())), None);
        assert_eq!(c.record(Err("refused")), None);
        assert_eq!(c.record(Err("refused")), None);
        assert_eq!(c.record(Ok(())), None, "a pass restarts the count");
        assert_eq!(c.record(Err("refused")), None);
        assert_eq!(c.record(Err("refused")), None);
        let t = c.record(Err("connection refused")).unwrap();
        assert_eq!((t.from, t.to), (ServerState::Up, ServerState::Down));
        assert_eq!(
            t.reason,
            "3 consecutive failed checks (last: connection refused)"
        );
    }

    #[test]
    fn a_down_server_rises_after_rise_passes_in_a_row() {
        let mut c = CheckCounter::new(1, 2);
        c.record(Ok(()));
        let t = c.record(Err("timeout")).unwrap();
        assert_eq!(t.reason, "1 failed check (last: timeout)");
        assert_eq!(c.record(Ok(())), None);
        assert_eq!(
            c.record(Err("timeout")),
            None,
            "a failure restarts the count"
        );
        assert_eq!(c.record(Ok(())), None);
        let t = c.record(Ok(())).unwrap();
        assert_eq!((t.from, t.to), (ServerState::Down, ServerState::Up));
        assert_eq!(t.reason, "2 consecutive passed checks");
    }

    #[test]
    fn the_first_failed_check_takes_a_server_down_at_once() {
        let mut c = CheckCounter::new(3, 2);
        let t = c.record(Err("connection refused")).unwrap();
        assert_eq!(t.to, ServerState::Down);
        assert_eq!(t.reason, "first check failed (connection refused)");
    }
}
