//! `crmsim run SCENARIO --processes | --containers`: the scenario's deployment as separate
//! `crmsim serve` processes on this machine, or as containers on a Docker network of their own,
//! with the scenario's `[[fault]]` timeline applied to them.
//!
//! A fault on a component is what an operator would do to a real one: `kill` is SIGKILL (`docker
//! kill`: the process dies without a word, no report for that life), `restart` starts a new life
//! on the same name (a new report), `pause`/`resume` are SIGSTOP/SIGCONT (`docker
//! pause`/`unpause`). A fault on a hop (a TCP leg between two processes) acts on a relay this
//! runner puts on the hop before anything starts (processes only: a relay is a process here, not
//! on the containers' network). The run is judged from the components' own JSON reports
//! ([`checks`]).
//!
//! The CRM process works for the scenario's warm-up and steady phases, then logs its agents off
//! and exits; faults are timed from the start of the steady phase: `warmup` after the CRM's
//! start line.
//!
//! - `child`: one component's process or container, its logs and signals;
//! - `docker`: the docker CLI;
//! - `net`: addresses and relays (processes);
//! - `report`: what a run found, for the terminal, JSON and JUnit;
//! - [`checks`]: what the reports must show;
//! - [`steady`]: the steady phase's call rate and latencies, and the thresholds on them.

pub mod checks;
mod child;
mod docker;
mod net;
mod report;
pub mod reports;
pub mod steady;

pub use report::{AppliedFault, ProcessReport};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use proxy::RelaySnapshot;

use crate::containers::Placement;
use checks::{RunFacts, SideEvent};
use child::{Component, Launch};
use harness::report::Verdict;
use harness::runner::faults::{Due, Timeline};
use harness::topology::control::{impair, undo_of};
use scenario::{Deployment, FaultAction, LoadedScenario};

/// How long a component may take to stop after SIGTERM before it is killed.
const STOP_WITHIN: Duration = Duration::from_secs(20);

/// How to run.
#[derive(Debug, Clone)]
pub struct ProcessOptions {
    /// Processes or containers.
    pub isolation: Isolation,
    /// Where configs, certificates, logs and reports go; a temporary folder if `None` (kept when
    /// the run fails, removed when it passes).
    pub workdir: Option<PathBuf>,
    /// Print each fault step as it happens.
    pub verbose: bool,
}

/// Where the components run.
#[derive(Debug, Clone)]
pub enum Isolation {
    /// Processes of `exe` (this crmsim binary), each on its own loopback address.
    Processes {
        /// The crmsim binary each component runs (`serve …`).
        exe: PathBuf,
    },
    /// Containers of `image` (crmsim inside), on a network of their own.
    Containers {
        /// The Docker image each container runs (crmsim inside).
        image: String,
    },
}

impl Isolation {
    fn mode(&self) -> &'static str {
        match self {
            Isolation::Processes { .. } => "processes",
            Isolation::Containers { .. } => "containers",
        }
    }
}

/// The scenario cannot run this way (exit 2), or the run could not be carried out (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The scenario asks for what separate processes or containers cannot do (exit 2).
    #[error("{0}")]
    Unsupported(String),
    /// The run could not be carried out: Docker missing, a work folder, a component that would
    /// not start (exit 3).
    #[error("{0}")]
    CannotRun(String),
}

/// Runs `loaded` as separate processes or containers.
pub async fn run(
    loaded: &LoadedScenario,
    opts: &ProcessOptions,
) -> Result<ProcessReport, ProcessError> {
    let s = &loaded.scenario;
    let mode = opts.isolation.mode();
    refuse_what_cannot_run(loaded, &opts.isolation)?;
    if let Isolation::Containers { image } = &opts.isolation {
        docker::preflight(image)
            .await
            .map_err(ProcessError::CannotRun)?;
    }
    let temp = match &opts.workdir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix(&format!("crmsim-{mode}-"))
                .tempdir()
                .map_err(|e| ProcessError::CannotRun(format!("cannot make a work folder: {e}")))?,
        ),
    };
    // Without a temporary folder there is a work folder.
    let root = match &temp {
        Some(t) => t.path().to_path_buf(),
        None => opts.workdir.clone().unwrap_or_default(),
    };
    for sub in ["logs", "reports"] {
        let dir = root.join(sub);
        std::fs::create_dir_all(&dir)
            .map_err(|e| ProcessError::CannotRun(format!("{}: {e}", dir.display())))?;
    }
    let faulted: BTreeSet<String> = s
        .faults
        .iter()
        .filter(|f| f.target.contains("->"))
        .map(|f| f.target.clone())
        .collect();
    let started = Instant::now();
    let started_unix_ms = unix_ms(SystemTime::now());
    // A run's name keeps its containers, network and host names apart from any other run's.
    let run_id = format!("r{}p{}", started_unix_ms % 100_000_000, std::process::id());
    let (launch, plan, relays) = match &opts.isolation {
        Isolation::Processes { exe } => {
            let net = net::build(s, &faulted)
                .await
                .map_err(ProcessError::CannotRun)?;
            let mut plan = Placement::from_scenario(s, "crmsim.test");
            plan.local = Some(net.local.clone());
            (Launch::Process { exe: exe.clone() }, plan, net.relays)
        }
        Isolation::Containers { image } => {
            let domain = format!("{run_id}.crmsim.test");
            let network = format!("crmsim-{run_id}");
            docker::docker(&["network", "create", &network])
                .await
                .map_err(ProcessError::CannotRun)?;
            let launch = Launch::Container {
                image: image.clone(),
                network,
                domain: domain.clone(),
            };
            (
                launch,
                Placement::from_scenario(s, &domain),
                BTreeMap::new(),
            )
        }
    };
    let mut components: Vec<Component> = Vec::new();
    if s.run.deployment != Deployment::Direct {
        components.push(Component::new("proxy", "proxy", &root, &launch));
    }
    for side in plan.sides() {
        components.push(Component::new(&side, "connector", &root, &launch));
    }
    let mut crm = Component::new("crm", "crm", &root, &launch);
    let outcome = match start_all(&plan, &root, &mut components, &mut crm).await {
        Ok(()) => drive(s, opts, &mut components, &mut crm, &relays).await,
        Err(e) => Err(e),
    };
    // Whatever happened, nothing outlives the run.
    crm.stop(STOP_WITHIN).await;
    for c in &mut components {
        c.stop(STOP_WITHIN).await;
    }
    for c in components.iter_mut().chain(std::iter::once(&mut crm)) {
        c.remove().await;
    }
    if let Launch::Container { network, .. } = &launch {
        let _ = docker::docker(&["network", "rm", network]).await;
    }
    let relay_counts: BTreeMap<String, RelaySnapshot> = relays
        .iter()
        .map(|(hop, r)| (hop.clone(), r.snapshot()))
        .collect();
    for relay in relays.into_values() {
        relay.shutdown().await;
    }
    let (faults, facts) = match outcome {
        Ok(done) => done,
        Err(e) => {
            // Keep what the components wrote: it says why.
            let kept = temp.map(tempfile::TempDir::keep).unwrap_or(root);
            return Err(ProcessError::CannotRun(format!(
                "{e} (configs and logs kept in {})",
                kept.display()
            )));
        }
    };
    let reports = reports::Reports::read(&root, &plan.sides());
    let mut checks = checks::evaluate(&plan, &reports, &facts);
    let steady_from = facts.crm_started + s.run.warmup.as_millis() as u64;
    let steady = steady::figures(s, &reports, steady_from);
    steady::thresholds(&mut checks, s, &steady);
    for f in faults.iter().filter(|f| !f.ok) {
        checks.add(&format!("fault {}", f.step), false, f.detail.clone());
    }
    let verdict = if checks.passed() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let workdir = match (temp, verdict) {
        (Some(temp), Verdict::Fail) => temp.keep(),
        _ => root.clone(),
    };
    Ok(ProcessReport {
        report_version: harness::report::schema::REPORT_VERSION,
        scenario: loaded.name.clone(),
        overrides: loaded.overrides.clone(),
        mode,
        deployment: s.run.deployment.as_str(),
        tls: s.tls.enabled,
        engine: (s.run.deployment != Deployment::Direct).then(|| s.proxy.engine.as_str()),
        workdir,
        started_unix_ms,
        duration_s: started.elapsed().as_secs_f64(),
        faults,
        relays: relay_counts,
        steady,
        checks: checks.0,
        verdict,
    })
}

/// What a scenario asks for that separate processes or containers cannot do.
fn refuse_what_cannot_run(
    loaded: &LoadedScenario,
    isolation: &Isolation,
) -> Result<(), ProcessError> {
    let s = &loaded.scenario;
    let flag = format!("--{}", isolation.mode());
    if s.crm.instances != 1 {
        return Err(ProcessError::Unsupported(format!(
            "{flag} runs one CRM; {} has {} instances (run it in process)",
            loaded.path.display(),
            s.crm.instances
        )));
    }
    if s.run.window.is_some() {
        // The components report whole phases; cutting them into windows needs their histograms
        // per window, which only the in-process runner keeps.
        return Err(ProcessError::Unsupported(format!(
            "{flag} cannot cut the steady phase into windows; {} sets run.window (run it in process)",
            loaded.path.display()
        )));
    }
    if s.run.abort_on_fail {
        // Judging while the run goes needs the components' live books, which only the
        // in-process runner reads; as processes they report once, at their end.
        return Err(ProcessError::Unsupported(format!(
            "{flag} judges the components' reports at their end and cannot abort early; {} sets run.abort_on_fail (run it in process)",
            loaded.path.display()
        )));
    }
    for f in &s.faults {
        let at = scenario::show_duration(f.at);
        if f.action == FaultAction::Reset && f.target == "proxy" {
            return Err(ProcessError::Unsupported(format!(
                "reset of the proxy at {at}: a proxy process has no switch to cut its connections; reset a hop instead (e.g. crm->proxy)"
            )));
        }
        if f.target.contains("->") && matches!(isolation, Isolation::Containers { .. }) {
            return Err(ProcessError::Unsupported(format!(
                "{} on hop {} at {at}: hop faults act on relays, which --containers does not put on the containers' network; use --processes, or fault a component",
                f.action.as_str(),
                f.target
            )));
        }
    }
    Ok(())
}

/// Writes the configs and starts every component; the CRM last, so that its agents find their
/// connector. Containers: the proxy first, since the static route needs its address in the
/// sides' configs, and its start line last (it resolves the CRM's name before it serves).
async fn start_all(
    plan: &Placement,
    root: &std::path::Path,
    components: &mut [Component],
    crm: &mut Component,
) -> Result<(), String> {
    let folders = plan.write_common(root)?;
    if plan.local.is_some() {
        plan.write_connectors(root, &folders, None)?;
        for c in components.iter_mut().rev() {
            c.start(true).await?;
        }
        crm.start(true).await?;
        return Ok(());
    }
    let mut proxy_ip = None;
    if let Some(proxy) = components.iter_mut().find(|c| c.name == "proxy") {
        proxy.start(false).await?;
        let host = proxy.container().unwrap_or_default();
        let ip = docker::docker(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            &host,
        ])
        .await?;
        proxy_ip = Some(
            ip.parse()
                .map_err(|e| format!("the proxy container's address {ip:?}: {e}"))?,
        );
    }
    plan.write_connectors(root, &folders, proxy_ip)?;
    for c in components.iter_mut().filter(|c| c.name != "proxy") {
        c.start(true).await?;
    }
    crm.start(true).await?;
    if let Some(proxy) = components.iter_mut().find(|c| c.name == "proxy") {
        proxy.wait_ready().await?;
    }
    Ok(())
}

/// Applies the fault timeline while the CRM works; waits for the CRM to finish.
async fn drive(
    s: &scenario::Scenario,
    opts: &ProcessOptions,
    components: &mut [Component],
    crm: &mut Component,
    relays: &BTreeMap<String, proxy::Relay>,
) -> Result<(Vec<AppliedFault>, RunFacts), String> {
    // The CRM printed its start line just now: its agents log on, warm up, then steady.
    let crm_started = unix_ms(SystemTime::now());
    let steady = Instant::now() + s.run.warmup;
    let work = s.run.warmup + s.run.steady;
    // The CRM logs off after its work; give it that, its logoff (the drain) and a margin.
    let crm_deadline = Instant::now() + work + s.run.drain + STOP_WITHIN;
    let mut timeline = Timeline::new(&s.faults, steady);
    let mut applied = Vec::new();
    let mut side_events = Vec::new();
    // The steady phase's end closes the connectors' queues, as the in-process runner stops
    // arrivals there: the CRM's logoff then leaves no newly offered call behind.
    let steady_end = steady + s.run.steady;
    let mut queues_open = true;
    loop {
        let next = timeline.next_due();
        if queues_open && next.is_none_or(|at| steady_end <= at) {
            tokio::time::sleep_until(steady_end.into()).await;
            close_queues(components, opts.verbose).await;
            queues_open = false;
            continue;
        }
        let Some(at) = next else { break };
        tokio::time::sleep_until(at.into()).await;
        for due in timeline.take_due(Instant::now()) {
            // When the step began: a restart then waits for the new life's start line.
            let now = SystemTime::now();
            let at_ms = Instant::now().saturating_duration_since(steady).as_millis() as u64;
            let result = apply(&due, components, crm, relays).await;
            let step = due.label();
            if opts.verbose {
                println!(
                    "[+{:.1}s] {step}: {}",
                    at_ms as f64 / 1000.0,
                    match &result {
                        Ok(done) => done.clone(),
                        Err(e) => format!("FAILED: {e}"),
                    }
                );
            }
            if let (Ok(_), Some(event)) = (&result, side_event(&due, unix_ms(now))) {
                side_events.push(event);
            }
            let (ok, detail) = match result {
                Ok(d) => (true, d),
                Err(e) => (false, e),
            };
            applied.push(AppliedFault {
                at_ms,
                at_unix_ms: unix_ms(now),
                step,
                ok,
                detail,
            });
        }
    }
    let left = crm_deadline.saturating_duration_since(Instant::now());
    let crm_exit = crm.wait(left).await;
    let containers = matches!(opts.isolation, Isolation::Containers { .. });
    let facts = RunFacts {
        crm_exit,
        crm_started,
        side_events,
        // A kill or a pause takes effect at once.
        stop_grace_ms: 0,
        // A new process starts within a second; a container takes longer.
        start_allowance_ms: if containers { 3_000 } else { 2_000 },
        max_detection_ms: s.thresholds.max_detection_ms.map(|v| v as u64),
        max_relogon_ms: s.thresholds.max_relogon_ms.map(|v| v as u64),
        max_failover_gap_ms: s.thresholds.max_failover_gap_ms.map(|v| v as u64),
    };
    Ok((applied, facts))
}

/// Closes every running connector side's queue; a side a fault killed or paused is left as
/// it is (its calls are already accounted for by the fault).
async fn close_queues(components: &[Component], verbose: bool) {
    for c in components.iter().filter(|c| c.is_connector()) {
        let said = match c.close_queue().await {
            Ok(done) => done,
            Err(e) => format!("queue not closed: {e}"),
        };
        if verbose {
            println!("[end of steady] {said}");
        }
    }
}

/// Applies one step to a process or a relay.
async fn apply(
    due: &Due,
    components: &mut [Component],
    crm: &mut Component,
    relays: &BTreeMap<String, proxy::Relay>,
) -> Result<String, String> {
    let spec = &due.spec;
    let action = if due.undo {
        undo_of(spec.action)
    } else {
        spec.action
    };
    let target = spec.target.as_str();
    if target.contains("->") {
        let relay = relays
            .get(target)
            .ok_or_else(|| format!("no relay on {target}"))?;
        return impair(&[relay.impairments()], target, action, spec, due.undo);
    }
    let component = if target == "crm" {
        crm
    } else {
        components
            .iter_mut()
            .find(|c| c.name == target)
            .ok_or_else(|| format!("no component {target}"))?
    };
    match action {
        FaultAction::Kill => component.kill().await,
        FaultAction::Restart => component
            .start(true)
            .await
            .map(|id| format!("{target} started again ({id}), knowing nothing of its former life")),
        FaultAction::Pause => component.pause().await,
        FaultAction::Resume => component.resume().await,
        other => Err(format!("{} does not apply to {target}", other.as_str())),
    }
}

/// A step that takes a connector side away or gives it back, for the failover checks.
fn side_event(due: &Due, at_unix_ms: u64) -> Option<SideEvent> {
    if !due.spec.target.starts_with("connector") || due.spec.target.contains("->") {
        return None;
    }
    let action = if due.undo {
        undo_of(due.spec.action)
    } else {
        due.spec.action
    };
    let (down, what) = match action {
        FaultAction::Kill => (true, "killed"),
        FaultAction::Pause => (true, "paused"),
        FaultAction::Restart => (false, "restarted"),
        FaultAction::Resume => (false, "resumed"),
        _ => return None,
    };
    Some(SideEvent {
        side: due.spec.target.clone(),
        down,
        at_unix_ms,
        what: what.to_owned(),
    })
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
