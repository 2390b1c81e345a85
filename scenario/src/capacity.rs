//! `[capacity]`: what `crmsim capacity` searches: which deployments, which SSL settings and
//! connection modes, and the two dimensions (call rate at a fixed agent count, agent count at a
//! fixed call rate).

use std::time::Duration;

use serde::Deserialize;
use transport::ConnectionMode;

use super::Deployment;
use super::duration;

/// `[capacity]`: what `crmsim capacity` sizes, and how each load step is run and judged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacitySection {
    /// Deployments to size; the scenario's own when empty.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// SSL settings and connection modes to compare; the first is the baseline ratios refer to.
    #[serde(default = "default_variants")]
    pub variants: Vec<Variant>,
    /// Highest call rate at a fixed agent count.
    pub call_rate: Option<RateSearch>,
    /// Highest agent count at a fixed call rate.
    pub agents: Option<AgentSearch>,
    /// Calls flow this long at each step before measuring.
    #[serde(default = "two_s", deserialize_with = "duration::de")]
    pub step_warmup: Duration,
    /// The measured window of each step: the thresholds must hold all through it.
    #[serde(default = "five_s", deserialize_with = "duration::de")]
    pub step_steady: Duration,
    /// After a failed step, the longest wait for calls and events to settle.
    #[serde(default = "twenty_s", deserialize_with = "duration::de")]
    pub settle: Duration,
    /// A step that was only slow (a latency or lateness over its limit, while nothing was lost,
    /// no error, and calls were served as fast as they came) is run once more and the repeat
    /// decides. Off: every failure is believed at once.
    #[serde(default = "yes")]
    pub repeat_slow_steps: bool,
    /// For a variant with a full handshake per message both ways: after its call-rate search,
    /// this many saturated windows each paired with the raw handshake rate measured just before
    /// and after it (see `capacity::paired`). 0: none. Five by default: a single round moves by
    /// five points or more with the host (`benches/README.md`, "Paired rounds"), and the median
    /// of five is steadier than of three for some 20 s more.
    #[serde(default = "five_rounds")]
    pub handshake_rounds: usize,
}

/// One SSL setting and connection mode.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The variant's name in the capacity report; names must be unique.
    pub name: String,
    /// SSL on or off for this variant (replaces `tls.enabled`).
    pub tls: bool,
    /// CRM → connector: `"keep-alive"` (default), `"resume"` or `"full"`; replaces `tls.requests`.
    #[serde(default)]
    pub requests: ConnectionMode,
    /// Connector → CRM: `"keep-alive"` (default), `"resume"` or `"full"`; replaces `tls.events`.
    #[serde(default)]
    pub events: ConnectionMode,
    /// Certificate key; the scenario's `[tls] key` when absent.
    #[serde(default)]
    pub key: Option<certs::KeyAlgorithm>,
}

impl Variant {
    /// Whether it pays a TLS handshake per message in some direction (what the raw handshake
    /// rate is measured for).
    pub fn handshakes_per_message(&self) -> bool {
        self.tls
            && (self.requests != ConnectionMode::KeepAlive
                || self.events != ConnectionMode::KeepAlive)
    }

    /// Whether every message, both ways, pays a full handshake: only then are its handshakes per
    /// second comparable with the raw rate as a whole.
    pub fn full_handshake_per_message(&self) -> bool {
        self.tls
            && self.requests == ConnectionMode::NewConnectionFull
            && self.events == ConnectionMode::NewConnectionFull
    }
}

/// `[capacity.call_rate]`: the search for the highest call rate a fixed number of agents serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSearch {
    /// Agents logged on while the call rate is searched.
    pub agents: usize,
    /// First call rate tried, in calls per second.
    pub start: f64,
    /// Each step up multiplies the rate by this (and a failing `start` divides it); above 1,
    /// default 2.
    #[serde(default = "two")]
    pub factor: f64,
    /// Highest call rate tried: if it passes, the capacity is at least this.
    pub max: f64,
    /// The lowest rate tried when `start` fails (default: four steps below `start`).
    #[serde(default)]
    pub min: Option<f64>,
    /// Bisection stops once (lowest failure − highest pass) / highest pass is at most this
    /// (default 0.05).
    #[serde(default = "five_percent")]
    pub precision: f64,
    /// Most steps run, whatever the precision: a time budget (repeats of slow steps do not
    /// count); default 12.
    #[serde(default = "twelve")]
    pub max_steps: usize,
}

/// `[capacity.agents]`: the search for the most agents the deployment serves at a fixed call rate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSearch {
    /// Calls per second while the agent count is searched.
    pub rate: f64,
    /// First agent count tried.
    pub start: usize,
    /// Each step up multiplies the count by this (and a failing `start` divides it); above 1,
    /// default 2.
    #[serde(default = "two")]
    pub factor: f64,
    /// Most agents tried: if it passes, the capacity is at least this.
    pub max: usize,
    /// The fewest agents tried when `start` fails (default: four steps below `start`).
    #[serde(default)]
    pub min: Option<usize>,
    /// Bisection stops once (lowest failure − highest pass) / highest pass is at most this, or they
    /// are one agent apart; default 0.1.
    #[serde(default = "ten_percent")]
    pub precision: f64,
    /// Most steps run, whatever the precision: a time budget (repeats of slow steps do not
    /// count); default 8.
    #[serde(default = "eight")]
    pub max_steps: usize,
}

fn default_variants() -> Vec<Variant> {
    let variant = |name: &str, tls, mode| Variant {
        name: name.to_owned(),
        tls,
        requests: mode,
        events: mode,
        key: None,
    };
    vec![
        variant("plain", false, ConnectionMode::KeepAlive),
        variant("ssl keep-alive", true, ConnectionMode::KeepAlive),
        variant("ssl resume", true, ConnectionMode::NewConnectionResumed),
        variant("ssl full", true, ConnectionMode::NewConnectionFull),
    ]
}

fn two_s() -> Duration {
    Duration::from_secs(2)
}
fn five_s() -> Duration {
    Duration::from_secs(5)
}
fn yes() -> bool {
    true
}
fn twenty_s() -> Duration {
    Duration::from_secs(20)
}
fn five_rounds() -> usize {
    5
}
fn two() -> f64 {
    2.0
}
fn five_percent() -> f64 {
    0.05
}
fn ten_percent() -> f64 {
    0.1
}
fn twelve() -> usize {
    12
}
fn eight() -> usize {
    8
}

/// Checks beyond types; the error names the key.
pub fn check(c: &CapacitySection) -> Result<(), (&'static str, String)> {
    if c.call_rate.is_none() && c.agents.is_none() {
        return Err((
            "capacity",
            "give [capacity.call_rate], [capacity.agents], or both".into(),
        ));
    }
    if c.variants.is_empty() {
        return Err(("variants", "list at least one variant".into()));
    }
    let mut names: Vec<&str> = c.variants.iter().map(|v| v.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != c.variants.len() {
        return Err(("variants", "variant names must be unique".into()));
    }
    if let Some(r) = &c.call_rate
        && !(r.start > 0.0
            && r.max >= r.start
            && r.factor > 1.0
            && r.agents > 0
            && r.min.is_none_or(|m| m > 0.0 && m <= r.start))
    {
        return Err((
            "call_rate",
            "need agents > 0, 0 < min ≤ start ≤ max and factor > 1".into(),
        ));
    }
    if let Some(a) = &c.agents
        && !(a.start > 0
            && a.max >= a.start
            && a.factor > 1.0
            && a.rate >= 0.0
            && a.min.is_none_or(|m| m > 0 && m <= a.start))
    {
        return Err((
            "agents",
            "need 0 < min ≤ start ≤ max, factor > 1 and rate ≥ 0".into(),
        ));
    }
    if c.step_steady.is_zero() {
        return Err((
            "step_steady",
            "the measured window must last longer than 0s".into(),
        ));
    }
    Ok(())
}
