//! The whole run's live figures: every running component's, the proxy's, the contact center's
//! arrivals, the phase the run is in and the faults applied so far.

use std::collections::BTreeMap;

use exposition::Families;

use crate::outcome::CenterCounts;
use crate::topology::Topology;

/// What the run loop knows about itself that no component does.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The deployment (`direct`, `proxy-events-direct`, `proxy-static-route`).
    pub deployment: &'a str,
    /// Whether the scenario runs with TLS (`[tls] enabled`).
    pub tls: bool,
    /// The phase being run (`logon`, `steady`, `w3`…).
    pub phase: &'a str,
    /// Seconds since the run started.
    pub elapsed_s: f64,
    /// Fault steps applied so far, by action (`kill`, `latency`…), and those that failed.
    pub faults: &'a BTreeMap<(&'static str, bool), u64>,
}

/// Everything a scrape shows during a run: the running components (a killed one's figures
/// leave with it; its restarted successor starts its counters at 0, which Prometheus's
/// `rate()` reads as a restart), the proxy, the contact center and the run itself.
pub fn topology(t: &Topology, center: &CenterCounts, run: RunInfo<'_>) -> Families {
    let mut out = Families::default();
    out.gauge(
        "crmsim_run_info",
        "The run being measured (always 1; its labels say which).",
        &[
            ("scenario", run.scenario),
            ("deployment", run.deployment),
            ("tls", if run.tls { "on" } else { "off" }),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
        1.0,
    );
    out.gauge(
        "crmsim_run_phase",
        "1 for the phase the run is in (logon, warmup, steady, drain, logoff; capacity windows).",
        &[("phase", run.phase)],
        1.0,
    );
    out.gauge(
        "crmsim_run_elapsed_seconds",
        "Seconds since the run started.",
        &[],
        run.elapsed_s,
    );
    for ((action, ok), n) in run.faults {
        out.counter(
            "crmsim_faults_applied",
            "Fault steps of the scenario's timeline applied so far (kill, restart, pause, latency…).",
            &[("action", action), ("result", if *ok { "applied" } else { "failed" })],
            *n,
        );
    }
    for (what, n) in [
        ("generated", center.generated),
        ("routed", center.routed),
        ("abandoned_unrouted", center.abandoned),
        ("late", center.late),
    ] {
        out.counter(
            "crmsim_contact_center_calls",
            "Calls of the contact center in front of the connectors: generated, handed to a side, abandoned with no side to take them, generated late.",
            &[("result", what)],
            n,
        );
    }
    out.gauge(
        "crmsim_contact_center_calls_waiting",
        "Calls waiting for a connector side with agents.",
        &[],
        center.waiting as f64,
    );
    for crm in t.crms() {
        super::crm(&mut out, crm);
    }
    for c in t.connectors() {
        super::connector(&mut out, c);
    }
    let n = t.network();
    if let Some(p) = &n.proxy {
        super::network(
            &mut out,
            n.engine.unwrap_or("embedded"),
            p,
            &n.state_changes,
        );
    }
    out
}
