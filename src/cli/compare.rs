//! `crmsim compare BASE NEW`: a release's report against the previous release's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ::compare::{Comparison, Rules};

use harness::exit;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The base report (`--json` of `crmsim run` or `crmsim capacity`), e.g. the previous
    /// release's.
    pub base: PathBuf,
    /// The new report, of the same kind.
    pub new: PathBuf,
    /// A tolerance file: one `[tolerances]` table whose keys are classes (latency, rate,
    /// failures, count, duration, cost, capacity, ratio) or figure patterns (`*` any run of
    /// characters) and whose values are tolerances ("20%", "1.5", "20% or 1").
    #[arg(long, value_name = "FILE")]
    pub tolerances: Option<PathBuf>,
    /// A tolerance for a class or figure pattern, after the file's (repeatable): `latency=30%`,
    /// `'steady.latency_ms.*.p99=10%'`, `calls.lost=0`.
    #[arg(long = "tolerance", value_name = "TARGET=TOL")]
    pub tolerance: Vec<String>,
    /// List the figures the new report lacks without failing on them.
    #[arg(long)]
    pub allow_missing: bool,
    /// Write the comparison as Markdown (a pull-request comment) to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write JUnit XML (each figure a test case, a regression a failure) to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the comparison as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print no table (the exit code and the files still tell).
    #[arg(long)]
    pub quiet: bool,
}

pub const HELP: &str = "\
Examples:
  crmsim compare previous-release.json report.json --markdown comment.md --junit compare.xml
  crmsim compare base.json new.json --tolerance latency=30% --tolerance 'steady.latency_ms.*.p99=10%'
  crmsim compare sizing-1.4.json sizing-1.5.json --tolerances tolerances.toml

Default tolerances: latency 20% or 1 (ms), rate 5%, failures 0, count 5%, duration 25%,
cost 20%, capacity 10%, ratio 0.05. A figure regresses when it moves the bad way by more
than its tolerance; a figure only the base has is MISSING and fails unless --allow-missing.

Exit codes:
  0    every figure within its tolerance
  1    a regression (or a missing figure)
  2    bad input: a report that is not JSON or not a crmsim report, two kinds of report,
       a tolerance file or flag that does not read, a report path that cannot be written
  3    a report file could not be written";

pub fn run(args: &CompareArgs) -> ExitCode {
    if let Err(code) = super::outputs_writable([
        ("--markdown", &args.markdown),
        ("--junit", &args.junit),
        ("--json", &args.json),
    ]) {
        return code;
    }
    let comparison = match compare_files(args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("crmsim: {message}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    let mut written = Ok(());
    if let Some(path) = &args.markdown {
        written = written.and(harness::report::write_file(
            path,
            &comparison.render_markdown(),
        ));
    }
    if let Some(path) = &args.junit {
        written = written.and(harness::report::write_file(
            path,
            &comparison.render_junit(),
        ));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&comparison).unwrap_or_default();
        written = written.and(harness::report::write_file(path, &(text + "\n")));
    }
    if !args.quiet {
        print!("{}", comparison.render_text());
    }
    if let Err(e) = written {
        eprintln!("crmsim: cannot write a report: {e}");
        return exit::code(exit::CANNOT_RUN);
    }
    exit::code(if comparison.ok {
        exit::PASS
    } else {
        exit::FAIL
    })
}

fn compare_files(args: &CompareArgs) -> Result<Comparison, String> {
    let base = read_report(&args.base)?;
    let new = read_report(&args.new)?;
    let mut rules = Rules::default();
    if let Some(path) = &args.tolerances {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the tolerance file: {e}", path.display()))?;
        rules
            .add_file(&path.display().to_string(), &text)
            .map_err(|e| e.to_string())?;
    }
    for flag in &args.tolerance {
        rules.add_flag(flag).map_err(|e| e.to_string())?;
    }
    let name = |p: &Path| p.display().to_string();
    let comparison = Comparison::new(
        (&name(&args.base), &name(&args.new)),
        &base,
        &new,
        &rules,
        !args.allow_missing,
    )
    .map_err(|e| format!("{} and {}: {e}", args.base.display(), args.new.display()))?;
    let keys: Vec<&str> = comparison.rows.iter().map(|r| r.key.as_str()).collect();
    for pattern in rules.unused_patterns(&keys) {
        // Most likely a typo; said, not fatal, so one tolerance file serves several scenarios.
        eprintln!(
            "crmsim: warning: the tolerance pattern {pattern:?} matches no figure of these reports"
        );
    }
    Ok(comparison)
}

fn read_report(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the report: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a JSON report ({e}); give the file `crmsim run --json` or `crmsim capacity --json` wrote",
            path.display(),
            e.line(),
            e.column()
        )
    })
}
