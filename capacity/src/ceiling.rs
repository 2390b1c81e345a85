//! The call rate the scenario's own agents can take. A call holds an agent from alerting until
//! the agent is free again (ring, talk, wrap-up, a not-ready pause now and then), so N agents
//! take at most N / hold calls per second, whatever the deployment does. A call-rate search
//! that runs into that ceiling has measured the workload, not the system, and its table must
//! say so: otherwise plain and SSL both stop at the agents' limit and their ratio reads as
//! "SSL costs nothing".

use scenario::{Hangup, Scenario};

/// A first failure at or above this share of the ceiling may be the agents' doing: calls
/// start to queue for agents before every agent is busy (arrivals and talk times vary).
const NEAR: f64 = 0.9;

/// What to change when a search ran into the agents.
pub const REMEDY: &str = "raise [capacity.call_rate] agents or shorten crm.talk_time";

/// The agents' ceiling for one call-rate search.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct AgentCeiling {
    /// Agents logged on during the search (the count it holds fixed).
    pub agents: usize,
    /// Mean time a call holds an agent, in seconds.
    pub hold_s: f64,
    /// `agents / hold_s`: calls per second the agents take at most.
    pub calls_per_s: f64,
}

impl AgentCeiling {
    /// `None` when a call holds an agent for no time at all (nothing limits the rate).
    pub fn of(scenario: &Scenario, agents: usize) -> Option<AgentCeiling> {
        let crm = &scenario.crm;
        let talk = match scenario.calls.hangup {
            Hangup::Agent => crm.talk_time.mean(),
            Hangup::Caller => scenario.calls.caller_talk_time.mean(),
        };
        let mut hold = (crm.ring_delay.mean() + talk).as_secs_f64();
        if scenario.connector.wrap_up {
            hold += crm.wrap_up.mean().as_secs_f64();
        }
        hold += crm.not_ready_ratio.clamp(0.0, 1.0) * crm.not_ready_time.mean().as_secs_f64();
        (hold > 0.0).then(|| AgentCeiling {
            agents,
            hold_s: hold,
            calls_per_s: agents as f64 / hold,
        })
    }

    /// Whether a search whose lowest failing load is `first_failure` may have been stopped by
    /// the agents rather than the system.
    pub fn stopped(&self, first_failure: f64) -> bool {
        first_failure >= NEAR * self.calls_per_s
    }

    /// The ceiling as a phrase for warnings, step reasons and findings: agents, calls/s, hold.
    pub fn describe(&self) -> String {
        format!(
            "{} agents take about {:.0} calls/s (each call holds an agent {:.2} s on average)",
            self.agents, self.calls_per_s, self.hold_s
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stats::DurationDist;
    use std::time::Duration;

    fn scenario(talk: &str) -> Scenario {
        let text = "[run]\ndeployment = \"direct\"\nsteady = \"5s\"\n";
        let loaded = scenario::parse(std::path::Path::new("t.toml"), text);
        let mut s = loaded.expect("a minimal scenario").scenario;
        s.crm.ring_delay = DurationDist::Constant(Duration::from_millis(100));
        s.crm.talk_time = talk.parse().expect("a distribution");
        s.crm.wrap_up = DurationDist::Constant(Duration::from_millis(200));
        s.crm.not_ready_ratio = 0.0;
        s.connector.wrap_up = true;
        s
    }

    #[test]
    fn the_ceiling_is_agents_over_the_mean_hold() {
        let c = AgentCeiling::of(&scenario("exp(1s)"), 3000).expect("a call holds an agent");
        assert!((c.hold_s - 1.3).abs() < 1e-9, "{c:?}");
        assert!((c.calls_per_s - 3000.0 / 1.3).abs() < 1e-6, "{c:?}");
        assert!(c.stopped(2600.0) && c.stopped(2100.0));
        assert!(!c.stopped(2000.0));
        assert!(c.describe().contains("3000 agents take about 2308 calls/s"));
    }

    #[test]
    fn wrap_up_counts_only_when_agents_wrap_up_and_the_caller_may_hang_up() {
        let mut s = scenario("1s");
        s.connector.wrap_up = false;
        s.calls.hangup = Hangup::Caller;
        s.calls.caller_talk_time = DurationDist::Constant(Duration::from_millis(400));
        s.crm.not_ready_ratio = 0.5;
        s.crm.not_ready_time = DurationDist::Constant(Duration::from_secs(1));
        let c = AgentCeiling::of(&s, 100).expect("a call holds an agent");
        assert!((c.hold_s - 1.0).abs() < 1e-9, "{c:?}");
    }
}
