//! `crmsim run SCENARIO`.

use std::process::ExitCode;

use super::RunArgs;
use crate::exit;
use crate::report::{self, Verdict};
use crate::runner;
use crate::scenario;

pub fn run(args: &RunArgs) -> ExitCode {
    let loaded = match scenario::load(&args.scenario) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("crmsim: {e}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    let runtime = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crmsim: cannot start the async runtime: {e}");
            return exit::code(exit::CANNOT_RUN);
        }
    };
    let options = runner::RunOptions {
        progress: args.progress,
        keep_pki: args.pki_dir.clone(),
    };
    let report = match runtime.block_on(runner::run(&loaded, &options)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("crmsim: {}: {e}", loaded.path.display());
            return exit::code(exit::CANNOT_RUN);
        }
    };
    if !args.quiet {
        print!("{}", report::render_summary(&report));
    }
    if let Some(path) = &args.json
        && let Err(e) = report::write_json(&report, path)
    {
        eprintln!(
            "crmsim: cannot write the JSON report to {}: {e}",
            path.display()
        );
        return exit::code(exit::CANNOT_RUN);
    }
    match report.verdict {
        Verdict::Pass => exit::code(exit::PASS),
        Verdict::Fail => exit::code(exit::FAIL),
    }
}
