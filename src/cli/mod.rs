//! The `crmsim` command line: flags, subcommands, exit codes. A thin layer over the library.

mod capacity;
mod certs;
mod compare;
mod dialect;
mod export;
pub mod panic_hook;
mod record;
mod replay;
mod run;
mod schema;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use harness::exit;
use harness::runner::progress::ProgressMode;

/// The `crmsim` command line as clap reads it (`about` is set below, and `long_about = None`
/// keeps this comment out of `--help`).
#[derive(Debug, Parser)]
#[command(
    name = "crmsim",
    version,
    long_about = None,
    about = "End-to-end test harness and simulator for SAP CRM ⇄ CTI connector (ICI over mutual TLS)",
    after_help = "Exit codes: 0 pass, 1 a threshold or invariant failed, 2 bad input (scenario, files, flags), 3 the run could not be carried out."
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// What a CI author looks for under `run --help`: how it is called and what each exit code means.
const RUN_HELP: &str = "\
Examples:
  crmsim run scenarios/direct.toml --json report.json --junit junit.xml
  crmsim run scenarios/proxy-events-direct.toml --proxy-engine haproxy --html report.html
  crmsim run scenarios/direct.toml --processes --workdir out
  crmsim run scenarios/direct.toml --dialect customer.toml --progress lines
  crmsim run scenarios/direct.toml --set calls.rate=50 --set crm.agents=500
  crmsim run scenarios/direct.toml --abort-on-fail --junit junit.xml
  crmsim run scenarios/proxy-events-direct.toml --metrics 127.0.0.1:9464
  RUST_LOG=crmsim::wire=trace crmsim run scenarios/direct.toml   (every SOAP message, secrets masked)

Exit codes:
  0    pass: every invariant and threshold held
  1    the run finished and an invariant or threshold failed (the summary and --junit name it)
  2    bad input: the scenario, certificate files, flags, or a report path that cannot be written
  3    the run could not be carried out (a port, a component that did not start, a container
       engine), or crmsim met a bug of its own (the message names the task)
  141  stdout was closed early: a quiet end, as a Unix tool killed by SIGPIPE";

const CAPACITY_HELP: &str = "\
Examples:
  crmsim capacity scenarios/capacity.toml --markdown sizing.md --html sizing.html
  crmsim capacity scenarios/capacity.toml --json sizing.json --dialect customer.toml
  crmsim capacity scenarios/capacity.toml --set capacity.handshake_rounds=0
  crmsim capacity scenarios/capacity.toml --metrics 127.0.0.1:9464 --progress lines

Exit codes:
  0    the search ran, whatever capacity it found (read the table or --json)
  2    bad input: the scenario, its [capacity] section, flags, or a report path
  3    the search could not be carried out, or crmsim met a bug of its own
  141  stdout was closed early: a quiet end";

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a scenario's deployment, drive it, report, and exit 0 (pass) or 1 (fail).
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Size a deployment: the highest call rate and agent count that meet the thresholds, SSL off
    /// and on, per connection mode. Exit 0 when the search ran (whatever it found).
    #[command(after_help = CAPACITY_HELP)]
    Capacity(capacity::CapacityArgs),
    /// Certificates as the connector guide describes them: generate, check, convert.
    Certs {
        #[command(subcommand)]
        command: certs::CertsCommand,
    },
    /// Run one simulator alone, in its own process, facing a real or simulated peer, until its
    /// duration elapses, Ctrl-C or SIGTERM. Exit 0 clean stop, 2 bad config, 3 cannot start.
    Serve {
        #[command(subcommand)]
        component: serve::ServeCommand,
    },
    /// Write a scenario's deployment for other tools: `compose` (a docker-compose project with
    /// every component in its own container). Exit 0 written, 2 bad input, 3 cannot write.
    Export {
        #[command(subcommand)]
        what: export::ExportCommand,
    },
    /// Wire dialects: `write DIR` writes the built-in one as a file to start from, `check FILE
    /// [CAPTURE…]` validates one (and decodes captures with it), `learn CAPTURE… --out FILE`
    /// drafts one from captures. Exit 0 fine, 1 captured messages it does not read, 2 a located
    /// error in the file or a bad capture, 3 cannot write.
    Dialect {
        #[command(subcommand)]
        command: dialect::DialectCommand,
    },
    /// Write the WSDL and XSD files: the built-in profile's, or (`--dialect FILE`) generated for
    /// a dialect. Exit 0 written, 2 a bad dialect file, 3 cannot write.
    Schema(schema::SchemaArgs),
    /// Sit between a real SAP CRM and a real connector, forward every message unchanged, and
    /// write each to a capture (JSON Lines; secrets masked). Exit 0 whole capture, 1 the
    /// capture misses messages, 2 bad input, 3 cannot listen or write.
    Record(record::RecordArgs),
    /// Play the SAP CRM side of captures against a connector and compare every answer and
    /// event with the recording. Exit 0 same, 1 different, 2 bad input, 3 cannot run.
    Replay(replay::ReplayArgs),
    /// Compare a report with a base report (run or capacity), figure by figure against
    /// tolerances. Exit 0 within tolerance, 1 a regression, 2 bad input, 3 cannot write.
    #[command(after_help = compare::HELP)]
    Compare(compare::CompareArgs),
    /// Print a completion script for a shell to standard output. Exit 0.
    #[command(
        after_help = "Examples:\n  crmsim completions bash > ~/.local/share/bash-completion/completions/crmsim\n  crmsim completions zsh > \"${fpath[1]}/_crmsim\"\n  crmsim completions fish > ~/.config/fish/completions/crmsim.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `crmsim run`'s flags (its help text is the `Run` command's, above).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write JUnit XML (each invariant and threshold a test case) to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report with charts to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Serve live metrics (OpenMetrics, for Prometheus) on GET http://ADDR/metrics during the
    /// run, e.g. 127.0.0.1:9464 (port 0: any free port, printed at start). In process only.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
    /// How to show progress: a bar on a terminal, lines in CI.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Print no summary (the exit code and --json still tell).
    #[arg(long)]
    pub quiet: bool,
    /// Keep the run's generated certificates in this folder (a `crmsim certs new` layout), e.g.
    /// to point a real peer at them.
    #[arg(long, value_name = "DIR")]
    pub pki_dir: Option<PathBuf>,
    /// Run the proxy deployments with this engine instead of the scenario's `[proxy] engine`:
    /// `embedded` (crmsim's proxy) or `haproxy` (Debian's HAProxy from the PATH).
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub proxy_engine: Option<EngineArg>,
    /// Run every component as its own `crmsim serve` process on this machine, and apply the
    /// scenario's faults to the processes (SIGKILL, SIGSTOP/SIGCONT, a new process) and to
    /// relays on the hops they name. Judged from the components' own reports.
    #[arg(long, conflicts_with_all = ["html", "pki_dir", "containers"])]
    pub processes: bool,
    /// Run every component in its own container (the crmsim image, on a Docker network of its
    /// own), and apply the scenario's faults to the containers (docker kill, start, pause,
    /// unpause). Judged from the components' own reports. Needs a Docker engine.
    #[arg(long, conflicts_with_all = ["html", "pki_dir"])]
    pub containers: bool,
    /// With --containers: the image (default: $CRMSIM_IMAGE, else crmsim/crmsim:local, which
    /// ci/images.sh builds).
    #[arg(long, value_name = "IMAGE", requires = "containers")]
    pub image: Option<String>,
    /// With --processes or --containers: where configs, certificates, logs and reports go
    /// (default: a temporary folder, kept when the run fails).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Set a scenario key over the file's value (repeatable): `--set calls.rate=50 --set
    /// crm.agents=500`. Values read as TOML (`50`, `true`, `[1001, 1002]`); other text is a
    /// string (`run.steady=5m`). Checked like the file; the report lists them.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<scenario::Override>,
    /// Both sides speak this dialect file (wins over the scenario's `dialect` keys).
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// End the steady phase as soon as a threshold is certainly broken (as `run.abort_on_fail
    /// = true`): a count over its limit or a latency over its `max_ms`. In process only.
    #[arg(long)]
    pub abort_on_fail: bool,
}

/// `--proxy-engine`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EngineArg {
    /// crmsim's own proxy, in process
    Embedded,
    /// Debian's HAProxy, its config rendered from the scenario's proxy section
    Haproxy,
}

impl From<EngineArg> for scenario::ProxyEngine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Embedded => scenario::ProxyEngine::Embedded,
            EngineArg::Haproxy => scenario::ProxyEngine::Haproxy,
        }
    }
}

/// Parses the command line, runs, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    panic_hook::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return exit::code(if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::PASS
            });
        }
    };
    init_logging(cli.verbose);
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Capacity(args) => capacity::run(&args),
        Command::Export { what } => export::run(what),
        Command::Certs { command } => certs::run(command),
        Command::Dialect { command } => dialect::run(command),
        Command::Compare(args) => compare::run(&args),
        Command::Serve { component } => serve::run(component),
        Command::Schema(args) => schema::run(&args),
        Command::Record(args) => record::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Completions { shell } => completions(shell),
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only for a person at a terminal: a CI log or a file gets no escape codes, and
    // NO_COLOR (no-color.org) turns it off everywhere.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        // Targets shown: `RUST_LOG` filters by them (crmsim::wire, proxy, transport…), so a
        // reader needs to see which one a line came from to narrow it down.
        .with_target(true)
        .try_init();
}

/// Writes the completion script; clap knows every subcommand and flag, so the script is never
/// behind the binary it came from. Generated into memory first (clap_complete panics on a
/// write error with its own words), then printed, so a closed pipe or a full disk ends as every
/// other print does (see `panic_hook`).
fn completions(shell: clap_complete::Shell) -> ExitCode {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "crmsim", &mut out);
    print!("{}", String::from_utf8_lossy(&out));
    ExitCode::SUCCESS
}

/// A multi-threaded runtime, or the reason there is none.
/// Starts `--metrics ADDR` when given and says on stderr where to scrape; a port that cannot
/// be bound ends the command with exit 3 before anything runs.
pub(crate) fn start_metrics(
    runtime: &tokio::runtime::Runtime,
    addr: Option<std::net::SocketAddr>,
) -> Result<Option<harness::live::LiveMetrics>, ExitCode> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    match runtime.block_on(harness::live::LiveMetrics::start(addr)) {
        Ok(live) => {
            eprintln!(
                "crmsim: live metrics on http://{}/metrics",
                live.local_addr()
            );
            Ok(Some(live))
        }
        Err(e) => {
            eprintln!("crmsim: {e}");
            Err(exit::code(exit::CANNOT_RUN))
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Checks the report paths given with `flags` before anything runs; on a bad one, says it and
/// gives exit 2.
pub(crate) fn outputs_writable<'a>(
    flags: impl IntoIterator<Item = (&'static str, &'a Option<std::path::PathBuf>)>,
) -> Result<(), ExitCode> {
    harness::report::output::check_all(&harness::report::output::given(flags)).map_err(|e| {
        eprintln!("crmsim: {e}");
        exit::code(exit::BAD_INPUT)
    })
}

/// `--resolve NAME=IP`: a host name dialled at an address (port 0: the URL's port stays).
pub(crate) fn parse_resolve(text: &str) -> Result<(String, std::net::SocketAddr), String> {
    let Some((name, ip)) = text.split_once('=') else {
        return Err(format!(
            "--resolve {text:?}: write NAME=IP, e.g. connector.example.com=10.0.0.5"
        ));
    };
    let ip: std::net::IpAddr = ip
        .parse()
        .map_err(|e| format!("--resolve {text:?}: {ip:?} is not an IP address ({e})"))?;
    Ok((name.to_owned(), std::net::SocketAddr::new(ip, 0)))
}

/// `--set KEY=VALUE`, for clap: a malformed one is refused before anything runs.
fn parse_override(text: &str) -> Result<scenario::Override, String> {
    text.parse()
}

/// Loads a scenario, applies `--set` and `--dialect`; on error, says it and gives exit 2.
pub(crate) fn load_scenario(
    path: &std::path::Path,
    dialect: Option<&std::path::Path>,
    overrides: &[scenario::Override],
) -> Result<scenario::LoadedScenario, ExitCode> {
    let mut loaded = scenario::load_with(path, overrides).map_err(|e| {
        eprintln!("crmsim: {e}");
        exit::code(exit::BAD_INPUT)
    })?;
    if let Some(file) = dialect {
        loaded.set_dialect(file).map_err(|e| {
            eprintln!("crmsim: {e}");
            exit::code(exit::BAD_INPUT)
        })?;
    }
    Ok(loaded)
}
