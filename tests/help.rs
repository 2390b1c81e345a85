//! `--help` as a CI author reads it: examples, and every exit code the command can give.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;
use support::served::crmsim;

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
