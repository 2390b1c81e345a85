//! `crmsim serve crm|connector --config FILE [--json FILE]`: one simulator in its own process.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use harness::exit;
use launch::serve;

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// A simulated SAP CRM: agents log on to the connector its CMS profile names, work calls,
    /// and log off when it stops; its receiver takes the connector's events.
    /// Config keys: see examples/serve-crm.toml.
    #[command(after_help = "Examples:
  crmsim serve crm --config examples/serve-crm.toml --json crm.json
  crmsim serve crm --config crm.toml --dialect site.toml --record sap-side.jsonl")]
    Crm(ServeArgs),
    /// A simulated CRMConnectorSAP: the ICI endpoint, the contact center behind it, events to
    /// each agent's CRM. Config keys: see examples/serve-connector.toml. SIGUSR1 closes its
    /// queue: no call is offered from then on, the calls in progress go on.
    #[command(after_help = "Examples:
  crmsim serve connector --config examples/serve-connector.toml --json connector.json
  crmsim serve connector --config connector.toml --record discovery.jsonl --unknown empty
  crmsim serve connector --config connector.toml --metrics 0.0.0.0:9464
  kill -USR1 CONNECTOR_PID     # close the queue before the CRM's agents log off")]
    Connector(ServeArgs),
    /// crmsim's layer-4 reverse proxy: frontends, backends with primary and backup servers,
    /// health checks, static routes; TCP passthrough. Config keys: see examples/serve-proxy.toml.
    #[command(after_help = "Examples:
  crmsim serve proxy --config examples/serve-proxy.toml --json proxy.json
  crmsim serve proxy --config proxy.toml --metrics 127.0.0.1:9465")]
    Proxy(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The component's config file (TOML; paths in it are relative to its folder).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Write the component's report as JSON to this file when it stops. `{started}` in the
    /// path becomes the process's start time (Unix ms), so a restarted container keeps both.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Speak this dialect file instead of the config's `dialect` (crm and connector only).
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// Discovery (crm and connector only): write every message of both hops to this capture
    /// (the format of `crmsim record`), and list every operation the peer used.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// With --record: keep secrets (login passwords, Authorization…) in the capture.
    #[arg(long, requires = "record")]
    pub no_redact: bool,
    /// What a message the dialect does not know is answered (crm and connector): `fault` (a
    /// SOAP fault naming it) or `empty` (an empty SOAP body, 200).
    #[arg(long, value_enum, default_value_t = UnknownArg::Fault)]
    pub unknown: UnknownArg,
    /// Serve live metrics (OpenMetrics, for Prometheus) on GET http://ADDR/metrics while the
    /// component runs, e.g. 127.0.0.1:9464 (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
}

/// `--unknown`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnknownArg {
    Fault,
    Empty,
}

impl ServeArgs {
    fn discovery(&self) -> serve::discovery::DiscoveryOptions {
        serve::discovery::DiscoveryOptions {
            record: self.record.clone(),
            redact: !self.no_redact,
            unknown: match self.unknown {
                UnknownArg::Fault => ici::UnknownAnswer::Fault,
                UnknownArg::Empty => ici::UnknownAnswer::Empty,
            },
        }
    }
}

/// Runs until the duration elapses, Ctrl-C or SIGTERM. Exit 0 after a clean stop, 2 for a bad
/// config or files, 3 when the component cannot start (e.g. the address is in use).
pub fn run(command: ServeCommand) -> ExitCode {
    serve::mark_start();
    let args = match &command {
        ServeCommand::Crm(a) | ServeCommand::Connector(a) | ServeCommand::Proxy(a) => a,
    };
    if let ServeCommand::Proxy(a) = &command
        && a.record.is_some()
    {
        eprintln!(
            "crmsim: --record goes with serve crm or serve connector; the proxy relays TLS it cannot read (record the hop with crmsim record)"
        );
        return exit::code(exit::BAD_INPUT);
    }
    if let Err(code) = super::outputs_writable([("--json", &args.json), ("--record", &args.record)])
    {
        return code;
    }
    let runtime = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crmsim: cannot start the async runtime: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let live = match super::start_metrics(&runtime, args.metrics) {
        Ok(live) => live,
        Err(code) => return code,
    };
    let published = live.as_ref().map(harness::live::LiveMetrics::publisher);
    let outcome = runtime.block_on(async {
        let published = published.as_ref();
        match &command {
            ServeCommand::Crm(args) => {
                let (config, json) = (&args.config, args.json.as_deref());
                let dialect = args.dialect.as_deref();
                serve::run_crm(config, json, dialect, &args.discovery(), published).await
            }
            ServeCommand::Connector(args) => {
                let (config, json) = (&args.config, args.json.as_deref());
                let dialect = args.dialect.as_deref();
                serve::run_connector(config, json, dialect, &args.discovery(), published).await
            }
            ServeCommand::Proxy(args) => {
                serve::run_proxy(&args.config, args.json.as_deref(), published).await
            }
        }
    });
    if let Some(live) = live {
        runtime.block_on(live.shutdown());
    }
    match outcome {
        Ok(()) => exit::code(exit::PASS),
        Err(e) => {
            eprintln!("crmsim: {e}");
            exit::code(e.exit_code())
        }
    }
}
