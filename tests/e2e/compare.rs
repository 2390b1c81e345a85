//! `crmsim compare`: a real run report against itself, against a copy whose p99 doubled, and
//! bad inputs; Markdown and JUnit as CI reads them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::served::{SHORT_DIRECT, crmsim};

/// A real run report (SSL on), written to `dir/base.json`.
fn real_report(dir: &Path) -> PathBuf {
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, SHORT_DIRECT).unwrap();
    let json = dir.join("base.json");
    let args: [&OsStr; 9] = [
        "run".as_ref(),
        scenario.as_os_str(),
        "--set".as_ref(),
        "tls.enabled=true".as_ref(),
        "--progress".as_ref(),
        "quiet".as_ref(),
        "--quiet".as_ref(),
        "--json".as_ref(),
        json.as_os_str(),
    ];
    let (code, out, err) = crmsim(&args);
    assert_eq!(code, Some(0), "{out}{err}");
    json
}

/// `crmsim compare ARGS`.
fn compare(args: &[&OsStr]) -> (Option<i32>, String, String) {
    let mut all: Vec<&OsStr> = vec!["compare".as_ref()];
    all.extend_from_slice(args);
    crmsim(&all)
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
    let outputs = |b: &Path, n: &Path| {
        compare(&[
            b.as_os_str(),
            n.as_os_str(),
            "--markdown".as_ref(),
            md.as_os_str(),
            "--junit".as_ref(),
            xml.as_os_str(),
        ])
    };
    let (code, out, err) = outputs(&base, &base);
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
    let (code, out, err) = outputs(&base, &new);
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
    let (code, out, err) = compare(&[
        base.as_os_str(),
        new.as_os_str(),
        "--tolerance".as_ref(),
        "steady.latency_ms.call.answer.p99=1000%".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn bad_inputs_are_named_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = |name: &str, text: &str| {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let not_json = file("x.json", "{\"verdict\": ");
    let other = file("o.json", "{\"hello\": 1}");
    let cap = file("cap.json", "{\"rows\": []}");
    let run = file("run.json", "{\"verdict\": \"pass\", \"latency_ms\": {}}");
    let tol = file("t.toml", "[tolerances]\nlatency = 20\n");
    let missing = d.join("missing.json");
    let os = |p: &PathBuf| p.as_os_str().to_owned();
    let cases: [(Vec<std::ffi::OsString>, &str); 6] = [
        (vec![os(&not_json), os(&run)], "x.json:1:"),
        (vec![os(&other), os(&run)], "neither a run report"),
        (vec![os(&run), os(&cap)], "compare like with like"),
        (vec![os(&missing), os(&run)], "cannot read the report"),
        (
            vec![os(&run), os(&run), "--tolerances".into(), os(&tol)],
            "t.toml: latency: write the tolerance as a string",
        ),
        (
            vec![
                os(&run),
                os(&run),
                "--tolerance".into(),
                "latency=much".into(),
            ],
            "--tolerance latency=much",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, out, err) = compare(&args);
        assert_eq!(code, Some(2), "{needle}: {out}{err}");
        assert!(err.contains(needle), "no {needle:?} in {err}");
    }
}
