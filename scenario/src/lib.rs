//! # scenario: crmsim's scenario files, read strictly
//!
//! A scenario says what to build (the deployment, its TLS and certificate model, the proxy),
//! how to drive it (agents, calls, faults, phases) and what must hold (thresholds). It is TOML,
//! and reading it is strict: unknown keys, wrong types and values that make no sense are errors
//! that name `file:line:col` (or the `--set` override), because a typo silently ignored means a
//! run that measured something else than the user thinks.
//!
//! - [`Scenario`] and its sections: the typed scenario, with defaults;
//! - [`load`], [`parse`] and their `_with` forms: a file (and overrides) into a
//!   [`LoadedScenario`], or a [`ScenarioError`] that says where and what;
//! - [`faults`]: the faults a run injects; [`capacity`]: the capacity search's own file;
//! - [`server`]: the limits of the servers the scenario starts; [`duration`]: written times.
//!
//! It builds and runs nothing and opens no socket: its only I/O is reading the scenario file
//! and the dialect files it names. The harness (`crmsim`) turns a scenario into a running
//! deployment.

#![warn(missing_docs)]

pub mod capacity;
pub mod duration;
pub mod faults;
mod model;
mod overrides;
pub mod server;
mod source;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use duration::show as show_duration;
pub use faults::{FaultAction, FaultSpec};
pub use model::{
    CallsSection, ConnectorSection, CrmSection, Deployment, Dialects, Failback, Hangup,
    LatencyLimits, Logon, OnMarkedDown, OnMarkedUp, ProxyCheck, ProxyEngine, ProxySection,
    RunSection, Scenario, Thresholds, TlsSection,
};
pub use overrides::Override;
pub use server::ServerSection;
pub use source::{ScenarioError, Source, read_utf8};

/// A scenario read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario file, as given; paths written in it are relative to its folder.
    pub path: PathBuf,
    /// Name in reports: `run.name`, or else the file's stem.
    pub name: String,
    /// The scenario, checked, with the overrides applied and the dialects loaded.
    pub scenario: Scenario,
    /// The `--set` overrides applied over the file, as written (`calls.rate=50`).
    pub overrides: Vec<String>,
}

impl LoadedScenario {
    /// Resolves a path written in the scenario relative to the scenario's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.path.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

impl LoadedScenario {
    /// Makes both sides speak the dialect file at `path` (`--dialect`, which wins over the
    /// scenario's keys). The error is the dialect file's, located.
    pub fn set_dialect(&mut self, path: &Path) -> Result<(), ici::DialectError> {
        let d = std::sync::Arc::new(ici::Dialect::load(path)?);
        self.scenario.dialects = Dialects {
            crm: d.clone(),
            connector: d,
        };
        Ok(())
    }
}

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    load_with(path, &[])
}

/// Reads a scenario file, applies `--set` overrides over it and checks the result.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, ScenarioError> {
    let text = source::read_utf8(path, "scenario")?;
    parse_with(path, &text, overrides)
}

/// Parses and checks scenario text; `path` names it in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<LoadedScenario, ScenarioError> {
    parse_with(path, text, &[])
}

/// Parses scenario text, applies the overrides in order and checks the result. The text must be
/// a valid scenario on its own, so that its errors keep their line and column; an override's
/// error names the override.
pub fn parse_with(
    path: &Path,
    text: &str,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    let src = Source {
        file: path,
        text,
        overrides,
    };
    let located = |e: toml::de::Error| src.error(e.span(), e.message().trim().to_owned());
    let mut scenario: Scenario = toml::from_str(text).map_err(located)?;
    if !overrides.is_empty() {
        let mut table: toml::Table = toml::from_str(text).map_err(located)?;
        for o in overrides {
            let named = |why: String| ScenarioError {
                file: path.to_path_buf(),
                at: None,
                message: format!("{o}: {why}"),
            };
            o.apply(&mut table).map_err(named)?;
            scenario = toml::Value::Table(table.clone())
                .try_into()
                // Read from a value, the error has no line; its Display adds the key's path.
                .map_err(|e: toml::de::Error| {
                    named(e.to_string().trim().replace("\nin ", " in "))
                })?;
        }
    }
    validate(&src, &scenario)?;
    let name = scenario.run.name.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(
            || "scenario".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let mut loaded = LoadedScenario {
        path: path.to_path_buf(),
        name,
        scenario,
        overrides: overrides.iter().map(|o| o.text.clone()).collect(),
    };
    check_files(&src, &loaded)?;
    loaded.scenario.dialects = load_dialects(&src, &loaded)?;
    Ok(loaded)
}

/// Loads the dialect files the scenario names; a dialect error is reported at the key that named
/// the file, with the dialect's own `file:line:col` in the message.
fn load_dialects(src: &Source<'_>, loaded: &LoadedScenario) -> Result<Dialects, ScenarioError> {
    use std::sync::Arc;
    let s = &loaded.scenario;
    let load = |key: [&str; 2], path: &Path| {
        ici::Dialect::load(&loaded.resolve(path))
            .map(Arc::new)
            .map_err(|e| src.error_at(&key, e.to_string()))
    };
    let both = match &s.run.dialect {
        Some(p) => Some(load(["run", "dialect"], p)?),
        None => None,
    };
    let side = |key, own: &Option<PathBuf>| -> Result<Arc<ici::Dialect>, ScenarioError> {
        match (own, &both) {
            (Some(p), _) => load(key, p),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Ok(ici::Dialect::builtin()),
        }
    };
    Ok(Dialects {
        crm: side(["crm", "dialect"], &s.crm.dialect)?,
        connector: side(["connector", "dialect"], &s.connector.dialect)?,
    })
}

/// The latency keys a run reports: every operation and event, the arrivals' lateness, and the
/// connector's processing time per operation.
fn is_latency_key(key: &str) -> bool {
    let op = |k: &str| ici::Operation::ALL.iter().any(|o| o.key() == k);
    key == "arrival.lateness" || op(key) || key.strip_prefix("server.").is_some_and(op)
}

/// Checks that go beyond types: ranges, combinations, what the seed allows.
fn validate(src: &Source<'_>, s: &Scenario) -> Result<(), ScenarioError> {
    let err = |path: &[&str], msg: String| Err(src.error_at(path, msg));
    if let Some((key, why)) = s.server.problem() {
        return err(&["server", key], why);
    }
    if s.run.steady.is_zero() {
        return err(
            &["run", "steady"],
            "the steady phase must last longer than 0s".into(),
        );
    }
    if let Some(window) = s.run.window
        && (window < Duration::from_secs(1) || window > s.run.steady)
    {
        return err(
            &["run", "window"],
            format!(
                "a window of {} does not fit: give 1s up to run.steady ({})",
                show_duration(window),
                show_duration(s.run.steady)
            ),
        );
    }
    for (key, value) in [
        ("max_window_drift", s.thresholds.max_window_drift),
        ("max_memory_growth", s.thresholds.max_memory_growth),
    ] {
        let Some(value) = value else { continue };
        if !(value.is_finite() && value >= 0.0) {
            return err(
                &["thresholds", key],
                format!("{value}: give a fraction of 0 or more (0.2 for 20%)"),
            );
        }
        if s.run.window.is_none() {
            return err(
                &["thresholds", key],
                "compares the first window of the steady phase with the last: set run.window \
                 too (e.g. window = \"10m\")"
                    .into(),
            );
        }
    }
    for (key, limits) in &s.thresholds.latency {
        let path = |k: &'static str| ["thresholds", "latency", key.as_str(), k];
        if !is_latency_key(key) {
            let known: Vec<&str> = ici::Operation::ALL.iter().map(|o| o.key()).collect();
            return err(
                &["thresholds", "latency", key.as_str()],
                format!(
                    "crmsim measures no latency called {key:?}: give an operation or event ({}), \
                     arrival.lateness, or server.<operation> for the connector's own time",
                    known.join(", ")
                ),
            );
        }
        for (k, _, v, _) in limits.set() {
            if !(v.is_finite() && v > 0.0) {
                return err(
                    &path(k),
                    format!("{v}: give a positive number of milliseconds"),
                );
            }
        }
    }
    if let Logon::Rate(rate) = s.run.logon
        && !(rate.is_finite() && rate > 0.0)
    {
        return err(
            &["run", "logon"],
            format!("{rate} agents/s: give a positive rate, or \"storm\""),
        );
    }
    if !(s.calls.rate.is_finite() && s.calls.rate >= 0.0) {
        return err(
            &["calls", "rate"],
            format!("{} calls/s: give 0 or a positive rate", s.calls.rate),
        );
    }
    if s.calls.ramp > s.run.warmup {
        return err(
            &["calls", "ramp"],
            format!(
                "a ramp of {} is longer than the warm-up ({}): the steady phase would not run at \
                 calls.rate; lengthen run.warmup or shorten the ramp",
                show_duration(s.calls.ramp),
                show_duration(s.run.warmup)
            ),
        );
    }
    if !(1..=100_000).contains(&s.crm.agents) {
        return err(
            &["crm", "agents"],
            format!("{} agents: give 1 to 100000", s.crm.agents),
        );
    }
    for (path, n) in [
        (["crm", "connections"], s.crm.connections),
        (
            ["connector", "event_connections"],
            s.connector.event_connections,
        ),
    ] {
        if !(1..=4096).contains(&n) {
            return err(&path, format!("{n} connections: give 1 to 4096"));
        }
    }
    if !(1..=8).contains(&s.crm.instances) {
        return err(
            &["crm", "instances"],
            format!("{} CRM instances: give 1 to 8", s.crm.instances),
        );
    }
    if ![0, 1, 2, 5].contains(&s.crm.login_type) {
        return err(
            &["crm", "login_type"],
            format!(
                "AgentLoginType {} is not documented; use 0, 1, 2 or 5",
                s.crm.login_type
            ),
        );
    }
    for (key, ratio) in [
        ("not_ready_ratio", s.crm.not_ready_ratio),
        ("outbound_ratio", s.crm.outbound_ratio),
    ] {
        if !(0.0..=1.0).contains(&ratio) {
            return err(
                &["crm", key],
                format!("{ratio} is not a fraction between 0 and 1"),
            );
        }
    }
    if s.crm.not_ready_ratio + s.crm.outbound_ratio > 1.0 {
        return err(
            &["crm", "outbound_ratio"],
            "not_ready_ratio + outbound_ratio exceed 1".into(),
        );
    }
    for code in &s.crm.not_ready_reasons {
        if let Err(e) = ici::ReasonCode::new(*code) {
            return err(&["crm", "not_ready_reasons"], e.to_string());
        }
    }
    if let Some(code) = s.connector.ring_no_answer_reason
        && let Err(e) = ici::ReasonCode::new(code)
    {
        return err(&["connector", "ring_no_answer_reason"], e.to_string());
    }
    if s.crm.not_ready_ratio > 0.0 && s.crm.not_ready_reasons.is_empty() {
        return err(
            &["crm", "not_ready_reasons"],
            "not_ready_ratio is above 0 but no reason code is listed (e.g. [1001])".into(),
        );
    }
    let probe = format!("{:0<13}", s.calls.ani_prefix);
    if let Err(e) = probe.parse::<ici::E164>() {
        return err(
            &["calls", "ani_prefix"],
            format!("not the start of an E.164 number: {e}"),
        );
    }
    for (path, host) in [
        (["crm", "host"], &s.crm.host),
        (["connector", "host"], &s.connector.host),
    ] {
        if !is_host_domain(host) {
            return err(
                &path,
                format!("{host:?} is not of the form host.domain (the seed's certificate subject)"),
            );
        }
    }
    if s.crm.host == s.connector.host {
        return err(
            &["connector", "host"],
            "the connector and the CRM need different host names".into(),
        );
    }
    validate_deployment(src, s)?;
    if let Some(c) = &s.capacity
        && let Err((key, why)) = capacity::check(c)
    {
        return Err(src.error_at(&["capacity", key], why));
    }
    for (i, fault) in s.faults.iter().enumerate() {
        if let Err(why) = faults::check(fault, s.run.deployment, s.crm.instances) {
            return Err(src.error(
                src.span_of_array_item("fault", i),
                format!("[[fault]] #{}: {why}", i + 1),
            ));
        }
    }
    Ok(())
}

/// What each deployment needs and refuses.
fn validate_deployment(src: &Source<'_>, s: &Scenario) -> Result<(), ScenarioError> {
    let err = |path: &[&str], msg: String| Err(src.error_at(path, msg));
    let proxied = s.run.deployment != Deployment::Direct;
    if proxied && s.connector.config_dir.is_some() {
        return err(
            &["connector", "config_dir"],
            "a proxy deployment has sides A and B: use config_dirs = [\"side-a\", \"side-b\"]"
                .into(),
        );
    }
    if !proxied && !s.connector.config_dirs.is_empty() {
        return err(
            &["connector", "config_dirs"],
            "the direct deployment has one connector: use config_dir".into(),
        );
    }
    if proxied && !matches!(s.connector.config_dirs.len(), 0 | 2) {
        return err(
            &["connector", "config_dirs"],
            "give two folders: side A, then side B".into(),
        );
    }
    if proxied {
        if s.connector.side_hosts.len() != 2 {
            return err(
                &["connector", "side_hosts"],
                "give two host names: side A, then side B".into(),
            );
        }
        for host in &s.connector.side_hosts {
            if !is_host_domain(host) {
                return err(
                    &["connector", "side_hosts"],
                    format!("{host:?} is not of the form host.domain"),
                );
            }
        }
        if s.proxy.fall == 0 || s.proxy.rise == 0 {
            return err(
                &["proxy", "fall"],
                "fall and rise must be at least 1".into(),
            );
        }
        if s.proxy.inter.is_zero() {
            return err(
                &["proxy", "inter"],
                "the check interval must be above 0s".into(),
            );
        }
    }
    Ok(())
}

/// Files the scenario names must exist.
fn check_files(src: &Source<'_>, loaded: &LoadedScenario) -> Result<(), ScenarioError> {
    let s = &loaded.scenario;
    let dirs = s
        .connector
        .config_dir
        .iter()
        .map(|d| (["connector", "config_dir"], d))
        .chain(
            s.connector
                .config_dirs
                .iter()
                .map(|d| (["connector", "config_dirs"], d)),
        )
        .chain(
            s.crm
                .material_dir
                .iter()
                .map(|d| (["crm", "material_dir"], d)),
        );
    for (path, dir) in dirs {
        {
            let resolved = loaded.resolve(dir);
            if !resolved.is_dir() {
                return Err(src.error_at(
                    &path,
                    format!(
                        "{} is not a folder (paths are relative to the scenario file)",
                        resolved.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `host.domain`: at least two labels of letters, digits and hyphens.
pub fn is_host_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

#[cfg(test)]
mod tests;
