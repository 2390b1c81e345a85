//! `crmsim capacity FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use harness::exit;
use harness::report::write_file;
use harness::runner::RunOptions;
use harness::runner::progress::ProgressMode;

#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// A scenario file with a `[capacity]` section.
    pub file: PathBuf,
    /// Set a scenario key over the file's value (repeatable): `--set calls.rate=50 --set
    /// crm.agents=500`. Values read as TOML (`50`, `true`, `[1001, 1002]`); other text is a
    /// string (`run.steady=5m`). Checked like the file; the report lists them.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = super::parse_override)]
    pub set: Vec<scenario::Override>,
    /// Both sides speak this dialect file (wins over the scenario's `dialect` keys).
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// Write the sizing as JSON (every step's figures included).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the sizing table as Markdown.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML page with latency-vs-load curves.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ProgressMode::Quiet)]
    pub progress: ProgressMode,
    /// Serve live metrics (OpenMetrics, for Prometheus) on GET http://ADDR/metrics during the
    /// search, e.g. 127.0.0.1:9464 (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
}

pub fn run(args: &CapacityArgs) -> ExitCode {
    let loaded = match super::load_scenario(&args.file, args.dialect.as_deref(), &args.set) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let Some(section) = loaded.scenario.capacity.clone() else {
        eprintln!(
            "crmsim: {}: no [capacity] section: say what to search, e.g. [capacity.call_rate] agents = 2000, start = 50.0, max = 4000.0",
            loaded.path.display()
        );
        return exit::code(exit::BAD_INPUT);
    };
    if let Err(code) = super::outputs_writable([
        ("--json", &args.json),
        ("--markdown", &args.markdown),
        ("--html", &args.html),
    ]) {
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
    let options = RunOptions {
        progress: args.progress,
        keep_pki: None,
        metrics: live.as_ref().map(harness::live::LiveMetrics::publisher),
    };
    let outcome = runtime.block_on(capacity::run::run(&loaded, &section, &options));
    if let Some(live) = live {
        runtime.block_on(live.shutdown());
    }
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            eprintln!("crmsim: {}: {e}", loaded.path.display());
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let json = match serde_json::to_string_pretty(&report) {
        Ok(json) => json + "\n",
        Err(e) => {
            eprintln!("crmsim: cannot serialize the sizing: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let outputs: [(&str, &Option<PathBuf>, String); 3] = [
        ("JSON", &args.json, json),
        ("Markdown", &args.markdown, report.render_markdown()),
        ("HTML", &args.html, report.render_html()),
    ];
    for (what, path, text) in outputs {
        if let Some(path) = path
            && let Err(e) = write_file(path, &text)
        {
            eprintln!(
                "crmsim: cannot write the {what} sizing to {}: {e}",
                path.display()
            );
            return exit::code(exit::CANNOT_RUN);
        }
    }
    // After the files: a summary that cannot be printed must not cost them.
    print!("{}", report.render_table());
    exit::code(exit::PASS)
}
