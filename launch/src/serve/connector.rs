//! `crmsim serve connector`: one simulated CRMConnectorSAP, from its start line to its report.

use std::path::Path;
use std::time::Instant;

use sim_connector::Connector;

use super::discovery::{self, Discovery, DiscoveryOptions};
use super::stop::{QueueClose, Stopper};
use super::{GRACE, ServeError, connector_config, summary, timing};

/// Loads the config, serves until stopped, prints the summary, writes `json` if asked.
pub async fn run(
    config: &Path,
    json: Option<&Path>,
    dialect: Option<&Path>,
    options: &DiscoveryOptions,
    live: Option<&exposition::Published>,
) -> Result<(), ServeError> {
    let mut plan = connector_config::load(config)?;
    if let Some(path) = dialect {
        plan.set_dialect(super::load_dialect(path)?);
    }
    plan.config.unknown = options.unknown;
    let recording = Discovery::start(options, "connector", &plan.config.dialect)?;
    if let Some(r) = &recording {
        plan.config.server_tap = Some(r.requests.clone());
        plan.config.events.client.tap = Some(r.events.clone());
    }
    let (name, dialect) = (plan.config.name.clone(), plan.config.dialect.clone());
    let traced = |tap, hop| harness::wire_trace::with_trace(tap, &name, hop, &dialect);
    plan.config.server_tap = traced(plan.config.server_tap.take(), capture::Hop::Requests);
    plan.config.events.client.tap =
        traced(plan.config.events.client.tap.take(), capture::Hop::Events);
    for warning in &plan.warnings {
        eprintln!("crmsim: warning: {warning}");
    }
    let handlers = |e| ServeError::Start(format!("cannot install signal handlers: {e}"));
    let mut stopper = Stopper::install(plan.duration).map_err(handlers)?;
    let mut close = QueueClose::install().map_err(handlers)?;
    let name = plan.config.name.clone();
    let path = plan.config.path.clone();
    let dialect_name = plan.config.dialect.name().to_owned();
    let connector = Connector::start(plan.config).await.map_err(|e| match e {
        sim_connector::StartError::Listen(e) => ServeError::Start(e.to_string()),
        other => ServeError::Config(scenario::ScenarioError {
            file: config.to_path_buf(),
            at: None,
            message: other.to_string(),
        }),
    })?;
    let started = Instant::now();
    connector.set_call_rate(plan.rate);
    println!(
        "connector {name:?} listening on {} path {path}, dialect {}, {}; calls at {}/s while agents are logged on{}",
        connector.local_addr(),
        dialect_name,
        plan.tls_line,
        plan.rate,
        match plan.duration {
            Some(d) => format!(", for {}", scenario::show_duration(d)),
            None => ", until Ctrl-C or SIGTERM (SIGUSR1 closes the queue)".to_owned(),
        }
    );
    // The stop is awaited in its own scope: it borrows the connector, which then stops.
    let reason = {
        let stop = stopper.wait_publishing(live, || {
            let mut f = exposition::Families::default();
            harness::live::connector(&mut f, &connector);
            f
        });
        tokio::pin!(stop);
        loop {
            tokio::select! {
                reason = &mut stop => break reason,
                () = close.recv() => {
                    connector.set_call_rate(0.0);
                    println!("connector {name:?}: queue closed (SIGUSR1): no call is offered from now on; calls in progress go on");
                }
            }
        }
    };
    let metrics = connector.metrics().clone();
    let report = connector
        .stop(GRACE, &format!("connector stopped ({reason})"))
        .await;
    let summary = summary::connector(&report, reason, started.elapsed());
    let report = timing::Timed {
        report,
        timeline: timing::seconds(&metrics.timeline),
        steady: None,
    };
    discovery::finish(recording, options, &report, &summary, json)
}
