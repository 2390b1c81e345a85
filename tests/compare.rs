//! `crmsim compare`: a real run report against itself, against a copy whose p99 doubled, and
//! bad inputs; Markdown and JUnit as CI reads them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

const SCENARIO: &str = r#"
[run]
deployment = "direct"
logon = "storm"
warmup = "500ms"
steady = "2s"
drain = "10s"
[tls]
enabled = true
[crm]
agents = 5
ring_delay = "50ms"
talk_time = "200ms"
wrap_up = "100ms"
[calls]
rate = 5.0
arrival = "constant"
[thresholds]
min_completed_calls = 1
"#;

fn crmsim(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn real_report(dir: &Path) -> PathBuf {
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let json = dir.join("base.json");
    let (code, out, err) = crmsim(&[
        &"run",
        &scenario,
        &"--progress",
        &"quiet",
        &"--quiet",
        &"--json",
        &json,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    json
}

fn junit_valid(file: &Path) {
    let schema = format!("{}/tests/schemas/junit.xsd", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", &schema])
        .arg(file)
        .output()
        .expect("xmllint (apt-get install libxml2-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_report_against_itself_passes_and_against_a_doubled_p99_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = real_report(dir.path());
    let md = dir.path().join("c.md");
    let xml = dir.path().join("c.xml");
    let (code, out, err) = crmsim(&[
        &"compare",
        &base,
        &base,
        &"--markdown",
        &md,
        &"--junit",
        &xml,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("PASS: 0 regressions, 0 better"), "{out}");
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("Every figure within its tolerance.")
    );
    junit_valid(&xml);

    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let p99 = &mut report["steady"]["latency_ms"]["call.answer"]["p99"];
    let doubled = p99.as_f64().unwrap() * 2.0 + 2.0;
    *p99 = serde_json::json!(doubled);
    let new = dir.path().join("new.json");
    std::fs::write(&new, report.to_string()).unwrap();
    let (code, out, err) = crmsim(&[
        &"compare",
        &base,
        &new,
        &"--markdown",
        &md,
        &"--junit",
        &xml,
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.contains("steady.latency_ms.call.answer.p99 "))
        .unwrap_or_else(|| panic!("the figure is named: {out}"));
    assert!(line.contains("REGRESSION"), "{line}");
    assert!(out.contains("FAIL: 1 regression"), "{out}");
    let comment = std::fs::read_to_string(&md).unwrap();
    assert!(comment.starts_with("### crmsim compare: FAIL"), "{comment}");
    assert!(
        comment.contains("`steady.latency_ms.call.answer.p99`"),
        "{comment}"
    );
    junit_valid(&xml);
    let junit = std::fs::read_to_string(&xml).unwrap();
    assert_eq!(junit.matches("<failure ").count(), 1, "{junit}");

    // A looser tolerance for that figure lets it pass.
    let (code, out, err) = crmsim(&[
        &"compare",
        &base,
        &new,
        &"--tolerance",
        &"steady.latency_ms.call.answer.p99=1000%",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn bad_inputs_are_named_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let not_json = d.join("x.json");
    std::fs::write(&not_json, "{\"verdict\": ").unwrap();
    let other = d.join("o.json");
    std::fs::write(&other, "{\"hello\": 1}").unwrap();
    let cap = d.join("cap.json");
    std::fs::write(&cap, "{\"rows\": []}").unwrap();
    let run = d.join("run.json");
    std::fs::write(&run, "{\"verdict\": \"pass\", \"latency_ms\": {}}").unwrap();
    let tol = d.join("t.toml");
    std::fs::write(&tol, "[tolerances]\nlatency = 20\n").unwrap();
    let missing = d.join("missing.json");
    let cases: [(Vec<&dyn AsRef<std::ffi::OsStr>>, &str); 6] = [
        (vec![&not_json, &run], "x.json:1:"),
        (vec![&other, &run], "neither a run report"),
        (vec![&run, &cap], "compare like with like"),
        (vec![&missing, &run], "cannot read the report"),
        (
            vec![&run, &run, &"--tolerances", &tol],
            "t.toml: latency: write the tolerance as a string",
        ),
        (
            vec![&run, &run, &"--tolerance", &"latency=much"],
            "--tolerance latency=much",
        ),
    ];
    for (args, needle) in cases {
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compare"];
        all.extend(args);
        let (code, out, err) = crmsim(&all);
        assert_eq!(code, Some(2), "{needle}: {out}{err}");
        assert!(err.contains(needle), "no {needle:?} in {err}");
    }
}
