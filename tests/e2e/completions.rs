//! `crmsim completions SHELL`: the script a shell loads, tested in the shell it is for.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::served::crmsim;

/// bash, the shell every test machine has: the script loads, and completing words with it
/// offers crmsim's own subcommands and flags.
#[test]
fn the_bash_script_completes_subcommands_and_flags() {
    let (code, script_text, err) = crmsim(&["completions", "bash"]);
    assert_eq!(code, Some(0), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("crmsim.bash");
    std::fs::write(&script, script_text).unwrap();
    let complete = |words: &str| {
        let words: Vec<&str> = words.split(' ').collect();
        let program = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; _crmsim crmsim {} {}; echo \"${{COMPREPLY[@]}}\"",
            script.display(),
            words.join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(complete("crmsim re"), "record replay");
    assert_eq!(complete("crmsim record --no"), "--no-redact");
    assert_eq!(complete("crmsim serve con"), "connector");
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_refused_with_the_list() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, text, _) = crmsim(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(
            text.contains("replay") && text.contains("no-redact"),
            "{shell}: {text}"
        );
    }
    let (code, _, err) = crmsim(&["completions", "tcsh"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("possible values: bash"), "{err}");
}
