//! `crmsim export compose SCENARIO --out DIR`: a scenario's deployment as a docker-compose
//! project, every component in its own container (see [`launch::containers`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use harness::exit;
use launch::containers::{Placement, compose_addresses, compose_file};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write DIR/docker-compose.yml, the serve configs and the certificates for the scenario's
    /// deployment (proxy engine, SSL, agents, call rate and health checks as the scenario says).
    Compose(ComposeArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  crmsim export compose scenarios/proxy-events-direct.toml --out deploy
  crmsim export compose scenarios/direct.toml --out deploy --set crm.agents=500")]
pub struct ComposeArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The folder to write (created; must be empty if it exists).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Set a scenario key over the file's value (repeatable): `--set calls.rate=50 --set
    /// crm.agents=500`. Values read as TOML (`50`, `true`, `[1001, 1002]`); other text is a
    /// string (`run.steady=5m`). Checked like the file; the report lists them.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = super::parse_override)]
    pub set: Vec<scenario::Override>,
    /// Both sides speak this dialect file (wins over the scenario's `dialect` keys).
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// The crmsim image (default: $CRMSIM_IMAGE, else crmsim/crmsim:local from ci/images.sh).
    #[arg(long)]
    pub image: Option<String>,
    /// The network's /24 (fixed addresses: the static route needs the proxy's).
    #[arg(long, default_value = "172.29.83.0/24")]
    pub subnet: String,
    /// The DNS domain of every host (`crm.<domain>`, `connector-a.<domain>` …).
    #[arg(long, default_value = "crmsim.test")]
    pub domain: String,
}

/// Exit 0 written, 2 bad scenario or flags, 3 cannot write.
pub fn run(command: ExportCommand) -> ExitCode {
    let ExportCommand::Compose(args) = command;
    let loaded = match super::load_scenario(&args.scenario, args.dialect.as_deref(), &args.set) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let plan = Placement::from_scenario(&loaded.scenario, &args.domain);
    let services = plan.services();
    let addresses = match compose_addresses(&args.subnet, &services) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("crmsim: --subnet: {e}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    if args.out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "crmsim: {} is not empty; give a new folder (certificates are generated fresh)",
            args.out.display()
        );
        return exit::code(exit::BAD_INPUT);
    }
    // The proxy, when there is one, is the first service and gets the first address.
    let proxy_ip = services
        .iter()
        .zip(&addresses)
        .find(|(s, _)| s.name == "proxy")
        .and_then(|(_, ip)| ip.parse().ok());
    let image = args
        .image
        .or_else(|| std::env::var("CRMSIM_IMAGE").ok())
        .unwrap_or_else(|| "crmsim/crmsim:local".to_owned());
    let written = plan.write(&args.out, proxy_ip).and_then(|()| {
        let path = args.out.join("docker-compose.yml");
        std::fs::write(&path, compose_file(&plan, &image, &args.subnet, &addresses))
            .map_err(|e| format!("{}: {e}", path.display()))
    });
    if let Err(e) = written {
        eprintln!("crmsim: cannot write the compose project: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    println!(
        "wrote {}/docker-compose.yml: {} ({} containers, SSL {}); cd {} && docker compose up",
        args.out.display(),
        plan.deployment().as_str(),
        services.len(),
        if plan.tls() { "on" } else { "off" },
        args.out.display()
    );
    exit::code(exit::PASS)
}
