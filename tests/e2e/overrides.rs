//! `--set key=value`: applied over the scenario file, checked like it, named when wrong, and
//! recorded in the report.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::ffi::OsString;
use std::path::Path;

use crate::support::served::SHORT_DIRECT as SCENARIO;

/// `crmsim run` on `scenario` (written to `dir/s.toml`) with `args`.
fn crmsim(dir: &Path, scenario: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let file = dir.join("s.toml");
    std::fs::write(&file, scenario).unwrap();
    let mut all = vec![OsString::from("run"), file.into_os_string()];
    all.extend(
        ["--progress", "quiet"]
            .iter()
            .chain(args)
            .map(OsString::from),
    );
    crate::support::served::crmsim(&all)
}

#[test]
fn overrides_change_the_run_and_the_report_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let (code, stdout, stderr) = crmsim(
        dir.path(),
        SCENARIO,
        &[
            "--set",
            "crm.agents=7",
            "--set",
            "run.steady=1s",
            "--set",
            "thresholds.max_request_p99_ms=900",
            "--set",
            "thresholds.latency.\"call.answer\".p95_ms=900",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        report["agents"]["configured"], 7,
        "the override took effect"
    );
    assert_eq!(
        report["overrides"],
        serde_json::json!([
            "crm.agents=7",
            "run.steady=1s",
            "thresholds.max_request_p99_ms=900",
            "thresholds.latency.\"call.answer\".p95_ms=900"
        ])
    );
    let names: Vec<&str> = report["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"request p99 (steady)") && names.contains(&"call.answer p95 (steady)"),
        "thresholds set only by --set are judged: {names:?}"
    );
    let p95 = &report["latency_ms"]["call.answer"];
    assert!(
        p95["min"].as_f64() <= p95["p95"].as_f64() && p95["p95"].as_f64() <= p95["max"].as_f64(),
        "min and p95 in every latency summary: {p95}"
    );
    assert!(
        stdout.contains("set      crm.agents=7, run.steady=1s"),
        "the summary says what was set:\n{stdout}"
    );
}

/// Each bad override: exit 2, the override named as written, and what is wrong with it.
#[test]
fn a_bad_override_is_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 6] = [
        (
            "calls.rate=fast",
            &["--set calls.rate=fast", "invalid type"],
        ),
        (
            "calls.ratee=5",
            &["--set calls.ratee=5", "unknown field `ratee`"],
        ),
        (
            "calls.rate=-1",
            &["--set calls.rate=-1", "calls.rate: -1 calls/s"],
        ),
        ("run.steady=400d", &["--set run.steady=400d", "run.steady"]),
        (
            "crm.agents.x=1",
            &["--set crm.agents.x=1", "crm.agents is an integer"],
        ),
        ("calls.rate", &["KEY=VALUE"]),
    ];
    for (set, needles) in cases {
        let (code, _, stderr) = crmsim(dir.path(), SCENARIO, &["--set", set]);
        assert_eq!(code, Some(2), "--set {set}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "--set {set}: no {needle:?} in {stderr}"
            );
        }
        let at_a_line = stderr
            .split("s.toml:")
            .skip(1)
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        assert!(
            !at_a_line,
            "--set {set}: not blamed on a line of the file: {stderr}"
        );
    }
}

#[test]
fn the_files_own_errors_keep_their_line_with_overrides_given() {
    let dir = tempfile::tempdir().unwrap();
    let broken = SCENARIO.replace("rate = 5.0", "rate = \"five\"");
    let (code, _, stderr) = crmsim(dir.path(), &broken, &["--set", "crm.agents=3"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("s.toml:16:"),
        "located in the file: {stderr}"
    );
}

#[test]
fn a_latency_limit_per_operation_fails_the_run_naming_operation_and_percentile() {
    let dir = tempfile::tempdir().unwrap();
    let strict = format!("{SCENARIO}\n[thresholds.latency.\"call.answer\"]\nmax_ms = 0.001\n");
    let (code, stdout, stderr) = crmsim(dir.path(), &strict, &[]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.contains("call.answer max (steady)"))
        .unwrap_or_else(|| panic!("the check is listed:\n{stdout}"));
    assert!(
        line.contains("FAIL") && line.contains("limit ≤ 0.001 ms"),
        "{line}"
    );

    let unknown = format!("{SCENARIO}\n[thresholds.latency.\"call.answr\"]\np95_ms = 5\n");
    let (code, _, stderr) = crmsim(dir.path(), &unknown, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("s.toml:2") && stderr.contains("call.answer, "),
        "located, listing the known keys: {stderr}"
    );
}

#[test]
fn abort_on_fail_ends_the_steady_phase_at_a_broken_latency_maximum() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let long = SCENARIO.replace("steady = \"2s\"", "steady = \"60s\"")
        + "\n[thresholds.latency.\"call.answer\"]\nmax_ms = 0.001\n";
    let (code, stdout, stderr) = crmsim(
        dir.path(),
        &long,
        &["--abort-on-fail", "--json", json.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ABORTED  the steady phase ended at")
            && stdout.contains("call.answer max (steady)"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        report["aborted"]["at_s"].as_f64().unwrap() < 30.0,
        "{}",
        report["aborted"]
    );
    assert!(
        report["steady"]["duration_s"].as_f64().unwrap() < 30.0,
        "the 60 s steady phase was cut short"
    );
    assert_eq!(
        report["calls"]["lost"], 0,
        "the drain still ended every call"
    );
}
