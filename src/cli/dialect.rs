//! `crmsim dialect write DIR` and `crmsim dialect check FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::exit;

#[derive(Debug, Subcommand)]
pub enum DialectCommand {
    /// Write the built-in dialect (crmsim's profile) as `crmsim.toml` into DIR, to copy and
    /// change what a real system says differently.
    Write {
        /// Folder to write into (created if missing).
        dir: PathBuf,
    },
    /// Load and compile a dialect file: every operation mapped or marked unsupported, every
    /// template well-formed and naming real fields, every vocabulary complete, paths valid.
    Check {
        /// The dialect file (TOML).
        file: PathBuf,
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
        DialectCommand::Check { file } => match ici::Dialect::load(&file) {
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
