//! Output paths are checked before anything runs: a folder, a missing folder or one path given
//! twice is exit 2 naming the flag and the path, with nothing run and nothing left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use crate::support::served::crmsim;

#[test]
fn bad_output_paths_exit_2_before_the_run_naming_flag_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = d.to_str().unwrap().to_owned();
    let missing = d.join("no/such/r.xml").to_str().unwrap().to_owned();
    let same = d.join("r.out").to_str().unwrap().to_owned();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["run", "scenarios/direct-plain.toml", "--json", &folder],
            format!("--json {folder}: is a folder"),
        ),
        (
            vec!["run", "scenarios/direct-plain.toml", "--junit", &missing],
            "does not exist; create it first".to_owned(),
        ),
        (
            vec![
                "run",
                "scenarios/direct-plain.toml",
                "--json",
                &same,
                "--html",
                &same,
            ],
            "also given to --json".to_owned(),
        ),
        (
            vec!["capacity", "scenarios/capacity.toml", "--markdown", &folder],
            format!("--markdown {folder}: is a folder"),
        ),
        (
            vec![
                "serve",
                "connector",
                "--config",
                "examples/serve-connector.toml",
                "--json",
                &missing,
            ],
            "does not exist".to_owned(),
        ),
    ];
    for (args, needle) in cases {
        let (code, stdout, stderr) = crmsim(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&needle), "{args:?}: {stderr}");
        // Nothing ran: no summary, no start line.
        assert_eq!(stdout, "", "{args:?}");
    }
    let left: Vec<_> = std::fs::read_dir(d).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_full_stdout_still_gets_the_reports_written_and_says_why_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = d.join("tiny.toml");
    std::fs::write(
        &scenario,
        "[run]\ndeployment = \"direct\"\nsteady = \"1s\"\nwarmup = \"0s\"\ndrain = \"5s\"\n\
         [tls]\nenabled = false\n[crm]\nagents = 4\ntalk_time = \"100ms\"\nwrap_up = \"0s\"\n\
         [calls]\nrate = 2.0\n",
    )
    .unwrap();
    let json = d.join("r.json");
    let junit = d.join("r.xml");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .arg("run")
        .arg(&scenario)
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(!stderr.contains("bug in crmsim"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["verdict"].is_string(), "{report}");
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuite")
    );
}
