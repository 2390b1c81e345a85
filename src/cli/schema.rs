//! `crmsim schema [--dialect FILE] --out DIR`: the WSDL and XSDs a peer or a validator needs;
//! `crmsim schema --reports DIR`: the JSON Schemas of crmsim's own reports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use harness::exit;
use harness::report::schema::{self, SchemaFile};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  crmsim schema --out schema
  crmsim schema --dialect site.toml --out site-schema
  crmsim schema --reports schemas")]
pub struct SchemaArgs {
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "ici-schema")]
    pub out: PathBuf,
    /// Generate the WSDL and XSDs for this dialect file instead of writing the built-in profile's
    /// hand-documented ones.
    #[arg(long, value_name = "FILE")]
    pub dialect: Option<PathBuf>,
    /// Write the JSON Schemas of the `--json` reports of `run`, `capacity` and `run --processes`
    /// into this folder instead (created if missing); the repository's copies are `schemas/`.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "dialect"])]
    pub reports: Option<PathBuf>,
}

pub fn run(args: &SchemaArgs) -> ExitCode {
    if let Some(dir) = &args.reports {
        return reports(dir);
    }
    let Some(path) = &args.dialect else {
        return match std::fs::create_dir_all(&args.out)
            .and_then(|()| ici::schema::write_to(&args.out))
        {
            Ok(()) => {
                println!(
                    "wrote the ICI profile's WSDL and XSD files to {}\nvalidate a message: xmllint --noout --schema {} MESSAGE.xml",
                    args.out.display(),
                    args.out.join(ici::schema::PROFILE_XSD_FILE).display()
                );
                exit::code(exit::PASS)
            }
            Err(e) => cannot_write(&args.out, &e),
        };
    };
    let dialect = match ici::Dialect::load(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("crmsim: {e}");
            return exit::code(exit::BAD_INPUT);
        }
    };
    let files = dialect.schema_files();
    let written = std::fs::create_dir_all(&args.out).and_then(|()| {
        files
            .iter()
            .try_for_each(|f| std::fs::write(args.out.join(&f.name), &f.text))
    });
    if let Err(e) = written {
        return cannot_write(&args.out, &e);
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    println!(
        "wrote the WSDL and XSDs of dialect {} to {}: {}\nvalidate a message: xmllint --noout --schema {} MESSAGE.xml",
        dialect.name(),
        args.out.display(),
        names.join(", "),
        args.out.join(ici::SCHEMA_DRIVER).display()
    );
    exit::code(exit::PASS)
}

fn reports(dir: &Path) -> ExitCode {
    let files = report_files();
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        files
            .iter()
            .try_for_each(|f| std::fs::write(dir.join(f.name), &f.text))
    });
    if let Err(e) = written {
        return cannot_write(dir, &e);
    }
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    println!(
        "wrote the reports' JSON Schemas (report_version {}) to {}: {}",
        harness::report::schema::REPORT_VERSION,
        dir.display(),
        names.join(", ")
    );
    exit::code(exit::PASS)
}

fn cannot_write(out: &Path, e: &std::io::Error) -> ExitCode {
    eprintln!(
        "crmsim: cannot write the schema files to {}: {e}",
        out.display()
    );
    exit::code(exit::CANNOT_RUN)
}

/// The three reports' schemas, as the repository ships them.
fn report_files() -> Vec<SchemaFile> {
    vec![
        schema::file::<harness::report::Report>("run-report.schema.json", "crmsim run --json"),
        schema::file::<capacity::report::CapacityReport>(
            "capacity-report.schema.json",
            "crmsim capacity --json",
        ),
        schema::file::<launch::separate::ProcessReport>(
            "processes-report.schema.json",
            "crmsim run --processes|--containers --json",
        ),
    ]
}
