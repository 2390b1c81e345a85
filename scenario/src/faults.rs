//! `[[fault]]`: what goes wrong, when, and where.

use std::time::Duration;

use serde::Deserialize;

use super::Deployment;
use super::duration;

/// One fault on the run's timeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When, counted from the start of the steady phase.
    #[serde(deserialize_with = "duration::de")]
    pub at: Duration,
    /// What happens: `kill`, `restart`, `pause`, `resume`, `latency`, `reset` or `blackhole`.
    pub action: FaultAction,
    /// A component (`crm`, `connector`, `connector-a`, `connector-b`, `proxy`) or a hop
    /// (`crm->connector`, `crm->proxy`, `proxy->connector-a`, `connector-a->crm`…).
    pub target: String,
    /// For `latency`: the delay added to each message on the hop, in its direction.
    #[serde(default, deserialize_with = "duration::de_opt")]
    pub latency: Option<Duration>,
    /// For `latency`: ± uniform jitter.
    #[serde(default, deserialize_with = "duration::de_opt")]
    pub jitter: Option<Duration>,
    /// For `latency`, `blackhole` and `pause`: undo after this long (otherwise until the end, or
    /// a later `resume`).
    #[serde(default, deserialize_with = "duration::de_opt")]
    pub duration: Option<Duration>,
}

/// What a fault does. Some apply to components, some to hops, some to both (see [`check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultAction {
    /// The component dies at once (a crashed process): connections cut, state lost.
    Kill,
    /// A killed component starts again, fresh, on the same address.
    Restart,
    /// The component freezes (SIGSTOP): answers nothing, sends nothing; or a hop stops
    /// forwarding.
    Pause,
    /// Undoes `pause`.
    Resume,
    /// A hop delays every message by `latency` ± `jitter`.
    Latency,
    /// Every connection on a hop (or through the proxy) is reset now.
    Reset,
    /// A hop swallows everything: requests time out instead of failing fast.
    Blackhole,
}

impl FaultAction {
    /// As scenario files and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultAction::Kill => "kill",
            FaultAction::Restart => "restart",
            FaultAction::Pause => "pause",
            FaultAction::Resume => "resume",
            FaultAction::Latency => "latency",
            FaultAction::Reset => "reset",
            FaultAction::Blackhole => "blackhole",
        }
    }

    /// Whether the action applies to components, hops, or both.
    fn applies_to(self) -> (bool, bool) {
        match self {
            FaultAction::Kill | FaultAction::Restart => (true, false),
            FaultAction::Pause | FaultAction::Resume | FaultAction::Reset => (true, true),
            FaultAction::Latency | FaultAction::Blackhole => (false, true),
        }
    }
}

/// The components of a deployment with `instances` CRMs.
pub fn components(deployment: Deployment, instances: usize) -> Vec<String> {
    let mut names: Vec<String> = if instances == 1 {
        vec!["crm".to_owned()]
    } else {
        (1..=instances).map(|i| format!("crm-{i}")).collect()
    };
    match deployment {
        Deployment::Direct => names.push("connector".to_owned()),
        Deployment::ProxyEventsDirect | Deployment::ProxyStaticRoute => {
            names.extend(["connector-a", "connector-b", "proxy"].map(str::to_owned));
        }
    }
    names
}

/// The hops (TCP legs) of a deployment.
pub fn hops(deployment: Deployment) -> Vec<&'static str> {
    match deployment {
        Deployment::Direct => vec!["crm->connector", "connector->crm"],
        Deployment::ProxyEventsDirect => vec![
            "crm->proxy",
            "proxy->connector-a",
            "proxy->connector-b",
            "connector-a->crm",
            "connector-b->crm",
        ],
        Deployment::ProxyStaticRoute => vec![
            "crm->proxy",
            "proxy->connector-a",
            "proxy->connector-b",
            "connector-a->proxy",
            "connector-b->proxy",
            "proxy->crm",
        ],
    }
}

/// Checks a fault against the deployment; the error says what would be valid.
pub fn check(fault: &FaultSpec, deployment: Deployment, instances: usize) -> Result<(), String> {
    let components = components(deployment, instances);
    let hops = hops(deployment);
    let is_component = components.iter().any(|c| c == &fault.target);
    let is_hop = hops.contains(&fault.target.as_str());
    let (on_components, on_hops) = fault.action.applies_to();
    if !is_component && !is_hop {
        return Err(format!(
            "target {:?} is not part of the {} deployment; components: {}; hops: {}",
            fault.target,
            deployment.as_str(),
            components.join(", "),
            hops.join(", ")
        ));
    }
    if is_component && fault.action == FaultAction::Reset && fault.target != "proxy" {
        return Err(format!(
            "reset cuts the connections of a hop or of the proxy, not of {:?}; hops: {}",
            fault.target,
            hops.join(", ")
        ));
    }
    if is_component && !on_components {
        return Err(format!(
            "{} applies to a hop, not to component {:?}; hops: {}",
            fault.action.as_str(),
            fault.target,
            hops.join(", ")
        ));
    }
    if is_hop && !on_hops {
        return Err(format!(
            "{} applies to a component, not to hop {:?}; components: {}",
            fault.action.as_str(),
            fault.target,
            components.join(", ")
        ));
    }
    if fault.action == FaultAction::Latency && fault.latency.is_none() {
        return Err("latency needs `latency = \"200ms\"` (and optionally `jitter`)".to_owned());
    }
    if fault.action != FaultAction::Latency && (fault.latency.is_some() || fault.jitter.is_some()) {
        return Err(format!(
            "`latency` and `jitter` belong to action \"latency\", not \"{}\"",
            fault.action.as_str()
        ));
    }
    let timed = matches!(
        fault.action,
        FaultAction::Latency | FaultAction::Blackhole | FaultAction::Pause
    );
    if fault.duration.is_some() && !timed {
        return Err(format!(
            "`duration` does not apply to \"{}\"",
            fault.action.as_str()
        ));
    }
    Ok(())
}
