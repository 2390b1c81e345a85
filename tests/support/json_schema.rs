//! Real reports validated against the shipped JSON Schemas (`schemas/`) by an independent
//! validator, Python's `jsonschema` (Draft 2020-12, what schemars emits): a report drifting from
//! its schema (a key renamed, a value in another form) fails with every error's path.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints one line per error, `/path/in/report: message`, and exits 1 when there is one.
const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
report = json.load(open(sys.argv[2]))
errors = Draft202012Validator(schema).iter_errors(report)
errors = sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    message = e.message if len(e.message) < 300 else e.message[:300] + '...'
    print('/' + '/'.join(map(str, e.absolute_path)) + ': ' + message)
sys.exit(1 if errors else 0)
"#;

/// The shipped schema `name` (`run-report.schema.json`…).
pub fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name)
}

/// Every way the JSON file `report` breaks the shipped schema `name`; empty when it is valid.
pub fn errors(name: &str, report: &Path) -> Vec<String> {
    let out = Command::new("python3")
        .args(["-c", VALIDATE])
        .arg(shipped(name))
        .arg(report)
        .output()
        .expect("python3 (ci/deps.sh installs it with jsonschema)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    match out.status.code() {
        Some(0) => Vec::new(),
        Some(1) if !stdout.is_empty() => stdout.lines().map(str::to_owned).collect(),
        _ => panic!(
            "cannot validate {} against {name} (pip install jsonschema, or ci/deps.sh): {}",
            report.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Fails the test with every error when `report` does not validate against `name`.
pub fn assert_valid(name: &str, report: &Path) {
    let errors = errors(name, report);
    assert!(
        errors.is_empty(),
        "{} does not validate against schemas/{name} (a key renamed or changed without \
         `crmsim schema --reports schemas` and a report_version bump?):\n{}",
        report.display(),
        errors.join("\n")
    );
}

/// As [`assert_valid`], for a report the test holds as a value (what `--json` would write).
pub fn assert_value_valid(name: &str, report: &serde_json::Value) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("report.json");
    std::fs::write(&file, report.to_string()).expect("write the report");
    assert_valid(name, &file);
}
