//! `crmsim serve crm`: one simulated SAP CRM with its agents, from its start line to its report.
//!
//! Stopping is polite, as an IC WebClient shift end is: agents finish their calls and log off,
//! then the event receiver stays open a moment for the events the connector sends about those
//! logoffs, and only then closes. So a connector that outlives the CRM has delivered every event
//! the CRM counted, and nothing it sends later is the CRM's loss.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sim_crm::Crm;

use super::discovery::{self, Discovery, DiscoveryOptions};
use super::stop::Stopper;
use super::{GRACE, ServeError, crm_config, summary, timing};
use scenario::ScenarioError;

/// After the last logoff, events keep arriving for this long at most once they stop coming.
const SETTLE: Duration = Duration::from_millis(500);

/// Loads the config, serves until stopped, logs agents off, prints the summary, writes `json`.
pub async fn run(
    config: &Path,
    json: Option<&Path>,
    dialect: Option<&Path>,
    options: &DiscoveryOptions,
    live: Option<&exposition::Published>,
) -> Result<(), ServeError> {
    let mut plan = crm_config::load(config)?;
    if let Some(path) = dialect {
        plan.config.dialect = super::load_dialect(path)?;
    }
    plan.config.unknown = options.unknown;
    let recording = Discovery::start(options, "crm", &plan.config.dialect)?;
    if let Some(r) = &recording {
        plan.config.server_tap = Some(r.events.clone());
        plan.config.client.tap = Some(r.requests.clone());
    }
    let (name, dialect) = (plan.config.name.clone(), plan.config.dialect.clone());
    let traced = |tap, hop| harness::wire_trace::with_trace(tap, &name, hop, &dialect);
    plan.config.server_tap = traced(plan.config.server_tap.take(), capture::Hop::Events);
    plan.config.client.tap = traced(plan.config.client.tap.take(), capture::Hop::Requests);
    for warning in &plan.warnings {
        eprintln!("crmsim: warning: {warning}");
    }
    let mut stopper = Stopper::install(plan.duration)
        .map_err(|e| ServeError::Start(format!("cannot install signal handlers: {e}")))?;
    let name = plan.config.name.clone();
    let cms = plan.config.cms.clone();
    let crm = Crm::start(plan.config, plan.logon)
        .await
        .map_err(|e| match e {
            sim_crm::StartError::Listen(e) => ServeError::Start(e.to_string()),
            sim_crm::StartError::Client(e) => ServeError::Start(e.to_string()),
            other => ServeError::Config(ScenarioError {
                file: config.to_path_buf(),
                at: None,
                message: other.to_string(),
            }),
        })?;
    let started = Instant::now();
    let phases = plan
        .warmup
        .map(|w| timing::Phases::start(crm.metrics().clone(), w));
    crm.start_work();
    println!(
        "crm {name:?} listening on {} for events at {}, {}; {} agents log on to {} (CMS profile {}, RFC destination {}){}",
        crm.local_addr(),
        crm.sink_url(),
        plan.tls_line,
        crm.agents(),
        plan.connector_url,
        cms.name,
        cms.destination.name,
        match plan.duration {
            Some(d) => format!(", for {}", scenario::show_duration(d)),
            None => ", until Ctrl-C or SIGTERM".to_owned(),
        }
    );
    let reason = stopper
        .wait_publishing(live, || {
            let mut f = exposition::Families::default();
            harness::live::crm(&mut f, &crm);
            f
        })
        .await;
    if let Some(p) = &phases {
        p.stop();
    }
    let logged_off = log_off(&crm, plan.logoff_timeout).await;
    let timeline = timing::seconds(&crm.metrics().timeline);
    let report = crm.shutdown(GRACE).await;
    let summary = summary::crm(&report, reason, started.elapsed(), logged_off);
    let report = timing::Timed {
        report,
        timeline,
        steady: phases.map(|p| p.steady()),
    };
    discovery::finish(recording, options, &report, &summary, json)
}

/// Agents finish their calls and log off, within `timeout`; then the receiver waits until
/// events have stopped arriving for [`SETTLE`]. Returns whether every agent logged off.
async fn log_off(crm: &Crm, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let metrics = crm.metrics();
    crm.log_off();
    let mut done = false;
    while Instant::now() < deadline {
        if metrics.logged_on() == 0 && metrics.in_flight() == 0 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let events = || metrics.counters.events.load(Ordering::Relaxed);
    let mut last = events();
    let mut quiet_since = Instant::now();
    let settle_deadline = Instant::now().max(deadline) + SETTLE;
    while quiet_since.elapsed() < SETTLE && Instant::now() < settle_deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = events();
        if now != last {
            last = now;
            quiet_since = Instant::now();
        }
    }
    done
}
