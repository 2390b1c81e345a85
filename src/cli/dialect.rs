//! `crmsim dialect write DIR` and `crmsim dialect check FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use harness::exit;

#[derive(Debug, Subcommand)]
pub enum DialectCommand {
    /// Write the built-in dialect (crmsim's profile) as `crmsim.toml` into DIR, to copy and
    /// change what a real system says differently.
    #[command(after_help = "Examples:
  crmsim dialect write dialects")]
    Write {
        /// Folder to write into (created if missing).
        dir: PathBuf,
    },
    /// Load and compile a dialect file: every operation mapped or marked unsupported, every
    /// template well-formed and naming real fields, every vocabulary complete, paths valid.
    /// With captures: decode every captured message with it and list each that does not read
    /// (exit 1 if any).
    #[command(after_help = "Examples:
  crmsim dialect check site.toml
  crmsim dialect check site.toml capture.jsonl --json check.json")]
    Check {
        /// The dialect file (TOML).
        file: PathBuf,
        /// Captures (`crmsim record --out`, `serve … --record`) to decode with it.
        captures: Vec<PathBuf>,
        /// Write what the check found as JSON here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Learn a draft dialect from captures of a real system: one entry per operation seen, the
    /// fields and value words it uses, each choice with its evidence, every guess marked
    /// CONFIRM. Exit 0 written, 1 written but it does not compile or read its own capture,
    /// 2 a bad capture, 3 cannot write.
    #[command(after_help = "Examples:
  crmsim dialect learn capture.jsonl --out site.toml
  crmsim dialect learn monday.jsonl tuesday.jsonl --out site.toml --name customer")]
    Learn {
        /// Captures to learn from.
        #[arg(required = true)]
        captures: Vec<PathBuf>,
        /// Write the dialect file here.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The dialect's name (default: the output file's stem).
        #[arg(long)]
        name: Option<String>,
        /// Write the operations learned and the flags as JSON here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
}

pub fn run(command: DialectCommand) -> ExitCode {
    match command {
        DialectCommand::Write { dir } => {
            let path = dir.join("crmsim.toml");
            let written = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&path, ici::dialect::BUILTIN_TOML));
            match written {
                Ok(()) => {
                    println!("wrote the built-in dialect to {}", path.display());
                    exit::code(exit::PASS)
                }
                Err(e) => {
                    eprintln!("crmsim: cannot write {}: {e}", path.display());
                    exit::code(exit::CANNOT_RUN)
                }
            }
        }
        DialectCommand::Learn {
            captures,
            out,
            name,
            json,
        } => learn(&captures, &out, name, json.as_deref()),
        DialectCommand::Check {
            file,
            captures,
            json,
        } => match ici::Dialect::load(&file) {
            Ok(d) if !captures.is_empty() => check_captures(&file, &d, &captures, json.as_deref()),
            Ok(d) => {
                let unsupported: Vec<&str> = d.unsupported().iter().map(|o| o.key()).collect();
                println!(
                    "{}: dialect {} is fine: SOAP {}, connector path {}, event path {}{}",
                    file.display(),
                    d.name(),
                    d.soap_version().as_str(),
                    d.connector_path(),
                    d.event_path(),
                    if unsupported.is_empty() {
                        String::new()
                    } else {
                        format!("; unsupported: {}", unsupported.join(", "))
                    }
                );
                exit::code(exit::PASS)
            }
            Err(e) => {
                eprintln!("crmsim: {e}");
                exit::code(exit::BAD_INPUT)
            }
        },
    }
}

fn read_captures(paths: &[PathBuf]) -> Result<Vec<capture::Capture>, ExitCode> {
    paths
        .iter()
        .map(|p| {
            capture::Capture::read(p).map_err(|e| {
                eprintln!("crmsim: {e}");
                exit::code(exit::BAD_INPUT)
            })
        })
        .collect()
}

fn write_json<T: serde::Serialize>(
    path: Option<&std::path::Path>,
    value: &T,
) -> Result<(), ExitCode> {
    let Some(path) = path else { return Ok(()) };
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    harness::report::write_file(path, &(text + "\n")).map_err(|e| {
        eprintln!("crmsim: cannot write {}: {e}", path.display());
        exit::code(exit::CANNOT_RUN)
    })
}

/// `dialect check FILE CAPTURE…`.
fn check_captures(
    file: &std::path::Path,
    d: &ici::Dialect,
    paths: &[PathBuf],
    json: Option<&std::path::Path>,
) -> ExitCode {
    let captures = match read_captures(paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut report = learn::conformance::Report::default();
    for c in &captures {
        learn::conformance::check(d, c, &mut report);
    }
    if let Err(code) = write_json(json, &report) {
        return code;
    }
    for f in report.failures.iter().take(50) {
        println!("{}: {} {:?}: {}", f.place, f.hop.as_str(), f.dir, f.why);
    }
    if report.failures.len() > 50 {
        println!(
            "… and {} more (--json lists them all)",
            report.failures.len() - 50
        );
    }
    println!(
        "{}: dialect {} read {} of {} captured messages ({} answers not checked: their request did not read, or the recorder answered for an unreachable peer); {} did not read",
        file.display(),
        d.name(),
        report.decoded,
        report.messages - report.skipped,
        report.skipped,
        report.failures.len()
    );
    if report.ok() {
        exit::code(exit::PASS)
    } else {
        exit::code(exit::FAIL)
    }
}

/// `dialect learn CAPTURE… --out FILE`.
fn learn(
    paths: &[PathBuf],
    out: &std::path::Path,
    name: Option<String>,
    json: Option<&std::path::Path>,
) -> ExitCode {
    if let Err(code) = super::outputs_writable([
        ("--out", &Some(out.to_path_buf())),
        ("--json", &json.map(std::path::Path::to_path_buf)),
    ]) {
        return code;
    }
    let captures = match read_captures(paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let name = name.unwrap_or_else(|| {
        out.file_stem().map_or_else(
            || "learned".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let learned = learn::learn(&captures, &name);
    if let Err(e) = harness::report::write_file(out, &learned.toml) {
        eprintln!("crmsim: cannot write {}: {e}", out.display());
        return exit::code(exit::CANNOT_RUN);
    }
    if let Err(code) = write_json(json, &learned) {
        return code;
    }
    println!(
        "learned dialect {name} from {} exchanges, written to {}",
        learned.exchanges,
        out.display()
    );
    for (op, element, confidence) in &learned.operations {
        println!("  {op:<24} {element} ({confidence:?} confidence)");
    }
    if !learned.unseen.is_empty() {
        println!("  not seen (unsupported): {}", learned.unseen.join(", "));
    }
    println!("to confirm ({}):", learned.flags.len());
    for f in &learned.flags {
        println!("  CONFIRM {f}");
    }
    // The draft must at least compile and read what it was learned from.
    let d = match ici::Dialect::from_toml(&learned.toml, &out.display().to_string()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "crmsim: the learned draft does not compile ({e}); it is written for you to fix"
            );
            return exit::code(exit::FAIL);
        }
    };
    let mut report = learn::conformance::Report::default();
    for c in &captures {
        learn::conformance::check(&d, c, &mut report);
    }
    if report.ok() {
        println!(
            "the draft reads all {} captured messages it was learned from",
            report.decoded
        );
        exit::code(exit::PASS)
    } else {
        println!(
            "the draft does not read {} of the captured messages (crmsim dialect check {} {} lists them)",
            report.failures.len(),
            out.display(),
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        exit::code(exit::FAIL)
    }
}
