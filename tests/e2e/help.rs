//! `--help` as a CI author reads it: examples, and every exit code the command can give.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::served::crmsim;

#[test]
fn run_and_capacity_help_give_examples_and_every_exit_code() {
    for (command, codes) in [
        ("run", &["0", "1", "2", "3", "141"][..]),
        ("capacity", &["0", "2", "3", "141"][..]),
    ] {
        let (code, help, err) = crmsim(&[command, "--help"]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            help.contains(&format!("Examples:\n  crmsim {command} scenarios/")),
            "{help}"
        );
        let exits = help.split("Exit codes:").nth(1).unwrap_or_default();
        for c in codes {
            assert!(
                exits
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{c} "))),
                "{command} --help lacks exit code {c}:\n{exits}"
            );
        }
    }
}

/// Every command a user can run (each leaf of the command tree, taken from the parser itself so
/// that a new one cannot be left out) shows how it is called.
#[test]
fn every_command_gives_examples_in_its_help() {
    use clap::CommandFactory;
    fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path);
            return;
        }
        for s in subs {
            let mut p = path.clone();
            p.push(s.get_name().to_owned());
            leaves(s, p, out);
        }
    }
    let mut all = Vec::new();
    leaves(&crmsim::cli::Cli::command(), Vec::new(), &mut all);
    assert!(all.len() >= 17, "{all:?}");
    for path in all {
        let mut args = path.clone();
        args.push("--help".to_owned());
        let (code, help, err) = crmsim(&args);
        assert_eq!(code, Some(0), "{path:?}: {err}");
        let example = format!("Examples:\n  crmsim {}", path.join(" "));
        assert!(
            help.contains(&example),
            "{} --help has no example:\n{help}",
            path.join(" ")
        );
    }
}
