//! The report writers: JSON keys CI tools read and JSON that validates against the shipped
//! schema (with Python's `jsonschema`), JUnit that validates against the JUnit schema (with
//! `xmllint`), and an HTML page that parses and carries its SVG charts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;
use std::process::Command;

/// The shared short direct scenario with a request p99 limit, so that a threshold with a value
/// is in every report.
fn scenario() -> String {
    format!(
        "{}max_request_p99_ms = 1000.0\n",
        crate::support::served::SHORT_DIRECT
    )
}

fn run(dir: &Path, scenario: &str) -> (Option<i32>, String) {
    let file = dir.join("s.toml");
    std::fs::write(&file, scenario).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .arg("run")
        .arg(&file)
        .args(["--progress", "quiet", "--quiet"])
        .arg("--json")
        .arg(dir.join("r.json"))
        .arg("--junit")
        .arg(dir.join("r.xml"))
        .arg("--html")
        .arg(dir.join("r.html"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn xmllint(args: &[&str], file: &Path) -> (bool, String) {
    let out = Command::new("xmllint")
        .args(args)
        .arg(file)
        .output()
        .expect("xmllint (apt-get install libxml2-utils)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn schema() -> String {
    format!("{}/tests/schemas/junit.xsd", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_passing_run_writes_json_junit_and_html_that_tools_accept() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(dir.path(), &scenario());
    assert_eq!(code, Some(0), "{stderr}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    for key in [
        "verdict",
        "deployment",
        "tls",
        "agents",
        "calls",
        "messages",
        "latency_ms",
        "tls_handshakes",
        "errors",
    ] {
        assert!(json.get(key).is_some(), "JSON lacks {key}");
    }
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["agents"]["configured"], 5);
    assert!(json["latency_ms"]["call.answer"]["p99"].is_number());
    crate::support::json_schema::assert_valid("run-report.schema.json", &dir.path().join("r.json"));
    a_renamed_key_breaks_the_schema(dir.path(), json.clone());

    let junit = dir.path().join("r.xml");
    let (ok, why) = xmllint(&["--noout", "--schema", &schema()], &junit);
    assert!(ok, "JUnit does not validate: {why}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("name=\"every call accounted for\""), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
    // Every test case carries the run's time (a CI's test-time chart), not 0.
    let run_time = format!("time=\"{:.3}\"", json["duration_s"].as_f64().unwrap());
    let cases = xml.matches("<testcase ").count();
    assert!(cases > 3, "{xml}");
    assert_eq!(
        xml.matches(&format!("\" {run_time}")).count(),
        cases + 2,
        "each case, the suite and the suites carry {run_time}: {xml}"
    );

    let html_path = dir.path().join("r.html");
    // Polyglot HTML5: a strict XML parser must accept it, SVG charts included.
    let (ok, why) = xmllint(&["--noout"], &html_path);
    assert!(
        ok && why.trim().is_empty(),
        "HTML does not parse cleanly: {why}"
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.matches("<svg").count() >= 4, "charts missing");
    assert!(!html.contains("<script"), "self-contained, no script");
    assert!(!html.contains("src=\"http"), "no external resources");
}

/// The schema is strict enough to catch drift: the report with a key renamed, at the top and
/// deep down, fails validation, naming each place.
fn a_renamed_key_breaks_the_schema(dir: &Path, mut json: serde_json::Value) {
    let top = json.as_object_mut().unwrap();
    let calls = top.remove("calls").unwrap();
    top.insert("calls_total".to_owned(), calls);
    let check = json["invariants"][0].as_object_mut().unwrap();
    let ok = check.remove("ok").unwrap();
    check.insert("passed".to_owned(), ok);
    let file = dir.join("renamed.json");
    std::fs::write(&file, json.to_string()).unwrap();
    let errors = crate::support::json_schema::errors("run-report.schema.json", &file).join("\n");
    for want in [
        "/: 'calls' is a required property",
        "/: Additional properties are not allowed ('calls_total' was unexpected)",
        "/invariants/0: 'ok' is a required property",
    ] {
        assert!(errors.contains(want), "{want:?} not in:\n{errors}");
    }
}

/// `schemas/` holds what the code generates: a report type changed without regenerating them
/// fails here, saying how to regenerate.
#[test]
fn the_shipped_report_schemas_are_what_crmsim_schema_reports_writes() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .args(["schema", "--reports"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let names = [
        "run-report.schema.json",
        "capacity-report.schema.json",
        "processes-report.schema.json",
    ];
    for name in names {
        let generated = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let shipped = std::fs::read_to_string(crate::support::json_schema::shipped(name));
        assert!(
            shipped.as_ref().is_ok_and(|s| *s == generated),
            "schemas/{name} is not what the code generates: regenerate it with \
             `cargo run -- schema --reports schemas` (and bump REPORT_VERSION in \
             harness/src/report/schema.rs if a key was renamed or removed)"
        );
        // Every time is a number named after its unit or an RFC 3339 string, never serde's
        // `{secs, nanos}` or `{secs_since_epoch, nanos_since_epoch}`.
        for raw in [
            "\"secs\"",
            "\"nanos\"",
            "secs_since_epoch",
            "\"Duration\"",
            "\"SystemTime\"",
        ] {
            assert!(!generated.contains(raw), "{name} has {raw}");
        }
        let version = format!("\"const\": {}", harness::report::schema::REPORT_VERSION);
        assert!(generated.contains(&version), "{name}: report_version");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), names.len());
}

#[test]
fn a_failing_threshold_becomes_a_junit_failure_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let failing = scenario().replace("min_completed_calls = 1", "min_completed_calls = 100000");
    let (code, stderr) = run(dir.path(), &failing);
    assert_eq!(code, Some(1), "{stderr}");
    let junit = dir.path().join("r.xml");
    let (ok, why) = xmllint(&["--noout", "--schema", &schema()], &junit);
    assert!(ok, "JUnit does not validate: {why}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("completed calls"), "{xml}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("class=\"fail\""));
}

#[test]
fn progress_lines_announce_each_fault_when_it_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let scenario = format!(
        "{}\n[[fault]]\nat = \"500ms\"\naction = \"latency\"\ntarget = \"crm->connector\"\nlatency = \"20ms\"\nduration = \"500ms\"\n",
        scenario()
    );
    std::fs::write(&file, scenario).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .arg("run")
        .arg(&file)
        .args(["--progress", "lines", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(" fault ")).collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].contains("fault latency 20ms on crm->connector"),
        "{stderr}"
    );
    assert!(
        lines[1].contains("fault end of latency on crm->connector"),
        "{stderr}"
    );
}

#[test]
fn logs_and_progress_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, scenario()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .arg("-v")
        .arg("run")
        .arg(&file)
        .args(["--progress", "lines"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(" INFO "), "-v logs at info: {stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stdout.contains('\u{1b}'),
        "escape codes in a pipe: {stderr:?}"
    );
}

/// `RUST_LOG=crmsim::wire=trace`: every request and event, at both ends, with its target shown
/// and the agents' logon password masked.
#[test]
fn the_wire_trace_shows_each_soap_message_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, crate::support::served::SHORT_DIRECT).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crmsim"))
        .env("RUST_LOG", "crmsim::wire=trace")
        .arg("run")
        .arg(&file)
        .args(["--progress", "quiet", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("crmsim::wire"))
        .collect();
    let logon_requests: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.contains("request ") && l.contains("hop=\"requests\"") && l.contains(":logon>")
        })
        .collect();
    // Five agents log on; each logon is logged by the CRM that sends it and the connector that
    // receives it.
    assert_eq!(logon_requests.len(), 10, "{}", lines.join("\n"));
    for line in &logon_requests {
        assert!(line.contains("***"), "password not masked: {line}");
        assert!(line.contains("redacted="), "{line}");
        assert!(!line.contains(";crmsim;"), "password in the log: {line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("hop=\"events\"") && l.contains("response ")),
        "event acknowledgements are traced: {}",
        lines.join("\n")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("component=connector") || l.contains("component=connector-a")),
        "{}",
        lines.join("\n")
    );
}
