//! `crmsim run SCENARIO`.

use std::process::ExitCode;

use super::RunArgs;
use harness::exit;
use harness::report::{self, Verdict};
use harness::runner;
use launch::separate;

pub fn run(args: &RunArgs) -> ExitCode {
    let loaded = match super::load_scenario(&args.scenario, args.dialect.as_deref(), &args.set) {
        Ok(mut loaded) => {
            if let Some(engine) = args.proxy_engine {
                loaded.scenario.proxy.engine = engine.into();
            }
            if args.abort_on_fail {
                loaded.scenario.run.abort_on_fail = true;
            }
            loaded
        }
        Err(code) => return code,
    };
    if let Err(code) = super::outputs_writable([
        ("--json", &args.json),
        ("--junit", &args.junit),
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
    if args.processes || args.containers {
        if args.metrics.is_some() {
            // Each component is its own process there, with its own counters: one endpoint
            // of the harness would show none of them.
            eprintln!(
                "crmsim: --metrics goes with an in-process run; with --processes or --containers, run the components with `crmsim serve … --metrics ADDR` (see crmsim export compose)"
            );
            return exit::code(exit::BAD_INPUT);
        }
        return run_separate(&runtime, &loaded, args);
    }
    if args.workdir.is_some() {
        eprintln!("crmsim: --workdir goes with --processes or --containers");
        return exit::code(exit::BAD_INPUT);
    }
    let live = match super::start_metrics(&runtime, args.metrics) {
        Ok(live) => live,
        Err(code) => return code,
    };
    let options = runner::RunOptions {
        progress: args.progress,
        keep_pki: args.pki_dir.clone(),
        metrics: live.as_ref().map(harness::live::LiveMetrics::publisher),
    };
    let outcome = runtime.block_on(runner::run(&loaded, &options));
    if let Some(live) = live {
        runtime.block_on(live.shutdown());
    }
    let report = match outcome {
        Ok(outcome) => report::assemble(&loaded, outcome),
        Err(e) => {
            eprintln!("crmsim: {}: {e}", loaded.path.display());
            return exit::code(exit::CANNOT_RUN);
        }
    };
    // Reports first: a summary that cannot be printed (a closed or full stdout) must not cost
    // the files CI reads.
    let written = write_outputs(&report, args);
    if !args.quiet {
        print!("{}", report::render_summary(&report));
    }
    if let Err(e) = written {
        eprintln!("crmsim: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    match report.verdict {
        Verdict::Pass => exit::code(exit::PASS),
        Verdict::Fail => exit::code(exit::FAIL),
    }
}

/// `--processes` or `--containers`: the deployment as separate processes or containers.
fn run_separate(
    runtime: &tokio::runtime::Runtime,
    loaded: &scenario::LoadedScenario,
    args: &RunArgs,
) -> ExitCode {
    let isolation = if args.containers {
        let image = args
            .image
            .clone()
            .or_else(|| std::env::var("CRMSIM_IMAGE").ok())
            .unwrap_or_else(|| "crmsim/crmsim:local".to_owned());
        separate::Isolation::Containers { image }
    } else {
        match std::env::current_exe() {
            Ok(exe) => separate::Isolation::Processes { exe },
            Err(e) => {
                eprintln!("crmsim: cannot find this program's path to run the components: {e}");
                return exit::code(exit::CANNOT_RUN);
            }
        }
    };
    let options = separate::ProcessOptions {
        isolation,
        workdir: args.workdir.clone(),
        verbose: !args.quiet,
    };
    let report = match runtime.block_on(separate::run(loaded, &options)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("crmsim: {}: {e}", loaded.path.display());
            return exit::code(match e {
                separate::ProcessError::Unsupported(_) => exit::BAD_INPUT,
                separate::ProcessError::CannotRun(_) => exit::CANNOT_RUN,
            });
        }
    };
    let write = |what: &str, path: &std::path::Path, text: String| {
        report::write_file(path, &text)
            .map_err(|e| format!("cannot write the {what} report to {}: {e}", path.display()))
    };
    let written = serde_json::to_string_pretty(&report)
        .map_err(|e| format!("cannot serialize the report: {e}"))
        .and_then(|json| match &args.json {
            Some(path) => write("JSON", path, json + "\n"),
            None => Ok(()),
        })
        .and_then(|()| match &args.junit {
            Some(path) => write("JUnit", path, report.junit()),
            None => Ok(()),
        });
    if !args.quiet {
        print!("{}", report.render());
    }
    if let Err(e) = written {
        eprintln!("crmsim: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    match report.verdict {
        Verdict::Pass => exit::code(exit::PASS),
        Verdict::Fail => exit::code(exit::FAIL),
    }
}

/// Writes the JSON, JUnit and HTML reports that were asked for.
fn write_outputs(report: &report::Report, args: &RunArgs) -> Result<(), String> {
    let write = |what: &str, path: &std::path::Path, text: String| {
        report::write_file(path, &text)
            .map_err(|e| format!("cannot write the {what} report to {}: {e}", path.display()))
    };
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(report)
            .map_err(|e| format!("cannot serialize the report: {e}"))?;
        write("JSON", path, json + "\n")?;
    }
    if let Some(path) = &args.junit {
        write("JUnit", path, report::junit::render(report))?;
    }
    if let Some(path) = &args.html {
        write("HTML", path, report::html::render(report))?;
    }
    Ok(())
}
