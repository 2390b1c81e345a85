//! Every message the encoder emits is checked by a real validator, `xmllint --schema`, against the
//! shipped XSDs; and the validator is shown to refuse broken messages, so that this check cannot
//! silently pass everything.
//!
//! These tests fail (they do not skip) without xmllint: install `libxml2-utils`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ici::schema;

fn require_xmllint() {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "xmllint not found: install libxml2-utils (e.g. `apt-get install -y libxml2-utils`); \
         the schema tests need the real validator"
    );
}

/// Writes the schema files and `docs` into a fresh directory.
fn prepare(docs: &[(String, String)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    require_xmllint();
    let dir = tempfile::tempdir().unwrap();
    schema::write_to(dir.path()).unwrap();
    let paths = docs
        .iter()
        .map(|(name, xml)| {
            let safe: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = dir.path().join(format!("msg-{safe}.xml"));
            std::fs::write(&path, xml).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

fn validate(dir: &Path, files: &[PathBuf]) -> Output {
    Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(dir.join(schema::PROFILE_XSD_FILE))
        .args(files)
        .output()
        .unwrap()
}

fn assert_all_valid(docs: Vec<(String, String)>) {
    let (dir, files) = prepare(&docs);
    let out = validate(dir.path(), &files);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "xmllint refused messages:\n{stderr}");
    for file in &files {
        assert!(
            stderr.contains(&format!("{} validates", file.display())),
            "{} not reported valid:\n{stderr}",
            file.display()
        );
    }
}

#[test]
fn every_emitted_message_validates() {
    let docs: Vec<(String, String)> = crate::common::all()
        .into_iter()
        .map(|(name, _, xml)| (name, xml))
        .collect();
    assert!(docs.len() > 60);
    assert_all_valid(docs);
}

#[test]
fn inputs_the_decoder_accepts_validate_too() {
    let docs = crate::common::accepted_inputs()
        .into_iter()
        .map(|(name, xml, _)| (name.to_owned(), xml))
        .collect();
    assert_all_valid(docs);
}

#[test]
fn xmllint_refuses_each_broken_message() {
    let docs: Vec<(String, String)> = crate::common::rejected_inputs()
        .into_iter()
        .map(|(name, xml)| (name.to_owned(), xml))
        .collect();
    let (dir, files) = prepare(&docs);
    let out = validate(dir.path(), &files);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "xmllint accepted everything:\n{stderr}"
    );
    for ((name, _), file) in docs.iter().zip(&files) {
        let shown = file.display().to_string();
        assert!(
            stderr.contains(&format!("{shown} fails to validate")),
            "{name}: xmllint did not refuse it:\n{stderr}"
        );
        assert!(
            !stderr.contains(&format!("{shown} validates")),
            "{name}: xmllint accepted it"
        );
    }
}

#[test]
fn a_missing_element_and_a_wrong_enumeration_are_reported_by_name() {
    let logon = crate::common::envelope(
        r#"<usr:setWorkMode xmlns:usr="urn:IciUserInterface"><user>u</user></usr:setWorkMode>"#,
    );
    let mode = crate::common::envelope(
        r#"<usr:setWorkMode xmlns:usr="urn:IciUserInterface"><user>u</user><workMode>lunch</workMode></usr:setWorkMode>"#,
    );
    let (dir, files) = prepare(&[("missing".into(), logon), ("enum".into(), mode)]);
    let out = validate(dir.path(), &files);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("Missing child element(s). Expected is ( workMode )"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[facet 'enumeration'] The value 'lunch'"),
        "{stderr}"
    );
}

#[test]
fn wsdl_and_schemas_are_well_formed() {
    require_xmllint();
    let dir = tempfile::tempdir().unwrap();
    schema::write_to(dir.path()).unwrap();
    let files: Vec<PathBuf> = schema::files()
        .iter()
        .map(|(name, _)| dir.path().join(name))
        .collect();
    let out = Command::new("xmllint")
        .arg("--noout")
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
