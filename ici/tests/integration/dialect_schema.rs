//! The WSDL and XSDs generated for a dialect (`Dialect::schema_files`, `crmsim schema --dialect`)
//! hold every message crmsim emits in that dialect, checked by the real validator,
//! `xmllint --schema`; and they refuse what the dialect would not send, so the check cannot pass
//! everything.
//!
//! These tests fail (they do not skip) without xmllint: install `libxml2-utils`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ici::{Dialect, Message, SCHEMA_DRIVER};

fn foreign() -> Arc<Dialect> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dialects/foreign.toml");
    Arc::new(Dialect::load(&path).unwrap_or_else(|e| panic!("{e}")))
}

fn encode(d: &Dialect, m: &Message) -> String {
    match m {
        Message::Request(r) => d.encode_request(r).unwrap(),
        Message::Response(r) => d.encode_response(r).unwrap(),
        Message::Event(e) => d.encode_event(e).unwrap(),
        Message::EventAck(op) => d.encode_event_ack(*op).unwrap(),
        Message::Fault(f) => d.encode_fault(f),
    }
}

/// Every sample message in `d`, named.
fn samples(d: &Dialect) -> Vec<(String, String)> {
    crate::common::all()
        .into_iter()
        .map(|(name, m, _)| (name, encode(d, &m)))
        .collect()
}

/// Writes `d`'s schema files and the documents into a fresh folder.
fn prepare(d: &Dialect, docs: &[(String, String)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "xmllint not found: install libxml2-utils; the schema tests need the real validator"
    );
    let dir = tempfile::tempdir().unwrap();
    for f in d.schema_files() {
        std::fs::write(dir.path().join(&f.name), &f.text).unwrap();
    }
    let paths = docs
        .iter()
        .map(|(name, xml)| {
            let safe: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
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

fn xmllint(dir: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(dir.join(SCHEMA_DRIVER))
        .args(files)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_all_valid(d: &Dialect) {
    let docs = samples(d);
    assert!(docs.len() > 60);
    let (dir, files) = prepare(d, &docs);
    let (ok, stderr) = xmllint(dir.path(), &files);
    assert!(ok, "{}: xmllint refused messages:\n{stderr}", d.name());
    for file in &files {
        assert!(
            stderr.contains(&format!("{} validates", file.display())),
            "{} not reported valid:\n{stderr}",
            file.display()
        );
    }
}

#[test]
fn every_message_of_the_builtin_dialect_validates_against_its_generated_schema() {
    assert_all_valid(&Dialect::builtin());
}

#[test]
fn every_message_of_the_foreign_dialect_validates_against_its_generated_schema() {
    assert_all_valid(&foreign());
}

#[test]
fn each_schema_refuses_the_other_dialects_messages() {
    for (schema, other) in [
        (foreign(), Dialect::builtin()),
        (Dialect::builtin(), foreign()),
    ] {
        let docs: Vec<_> = samples(&other).into_iter().take(12).collect();
        let (dir, files) = prepare(&schema, &docs);
        let (ok, stderr) = xmllint(dir.path(), &files);
        assert!(
            !ok,
            "{} accepted {}:\n{stderr}",
            schema.name(),
            other.name()
        );
        for file in &files {
            assert!(
                stderr.contains(&format!("{} fails to validate", file.display())),
                "{}: {} accepted:\n{stderr}",
                schema.name(),
                file.display()
            );
        }
    }
}

#[test]
fn a_wrong_vocabulary_word_a_missing_attribute_and_an_unknown_operation_are_refused_by_name() {
    let d = foreign();
    let samples = samples(&d);
    let talking = samples
        .iter()
        .find(|(_, x)| x.contains("state=\"TALKING\""))
        .map(|(_, x)| x.clone())
        .unwrap();
    let signin = samples
        .iter()
        .find(|(_, x)| x.contains("<ag:SignIn"))
        .map(|(_, x)| x.clone())
        .unwrap();
    let docs = [
        (
            "word".to_owned(),
            talking.replace("state=\"TALKING\"", "state=\"talking\""),
        ),
        (
            "attribute".to_owned(),
            signin.replacen(" id=\"", " ident=\"", 1),
        ),
        (
            "operation".to_owned(),
            signin.replace("ag:SignIn", "ag:SignOn"),
        ),
    ];
    let (dir, files) = prepare(&d, &docs);
    let (ok, stderr) = xmllint(dir.path(), &files);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("[facet 'enumeration'] The value 'talking'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The attribute 'id' is required"),
        "{stderr}"
    );
    assert!(stderr.contains("SignOn"), "{stderr}");
    for file in &files {
        assert!(
            stderr.contains(&format!("{} fails to validate", file.display())),
            "{stderr}"
        );
    }
}

#[test]
fn same_named_siblings_become_one_declaration_and_the_wsdl_names_the_dialects_wire() {
    let files = foreign().schema_files();
    let nt = files.iter().find(|f| f.name == "ns-nt.xsd").unwrap();
    // Ten <nt:var name="CV01">… siblings: one particle of one type, its name one of ten words.
    assert_eq!(
        nt.text
            .matches("name=\"var\" form=\"qualified\" minOccurs=\"10\" maxOccurs=\"10\"")
            .count(),
        1,
        "{}",
        nt.text
    );
    assert!(
        nt.text.contains("<xs:enumeration value=\"CV10\"/>"),
        "{}",
        nt.text
    );
    assert!(
        files.iter().any(|f| f.name == "xml.xsd"),
        "xml:lang needs its declaration"
    );
    let wsdl = files.iter().find(|f| f.name == "foreign-cti.wsdl").unwrap();
    for needle in [
        "xmlns:soap12=\"http://schemas.xmlsoap.org/wsdl/soap12/\"",
        "<wsdl:operation name=\"SignIn\">",
        "soapAction=\"urn:example:cti:agent:2/SignIn\"",
        "soapAction=\"\" soapActionRequired=\"false\"",
        "location=\"https://connector.example:8443/cti/bridge/soap\"",
        "location=\"https://crm.example:8443/crm/cti/notify\"",
        "element=\"sys:problem\"",
    ] {
        assert!(
            wsdl.text.contains(needle),
            "{needle} missing:\n{}",
            wsdl.text
        );
    }
}

#[test]
fn every_generated_file_is_well_formed_and_the_wsdl_imports_what_it_names() {
    for d in [Dialect::builtin(), foreign()] {
        let (dir, _) = prepare(&d, &[]);
        let files = d.schema_files();
        let paths: Vec<PathBuf> = files.iter().map(|f| dir.path().join(&f.name)).collect();
        let out = Command::new("xmllint")
            .arg("--noout")
            .args(&paths)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Each schema document compiles on its own (its imports resolve).
        for f in files.iter().filter(|f| f.name.ends_with(".xsd")) {
            let out = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(dir.path().join(&f.name))
                .arg(dir.path().join(&f.name))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("failed to compile"),
                "{}: {} does not compile:\n{stderr}",
                d.name(),
                f.name
            );
        }
        let wsdl = files.iter().find(|f| f.name.ends_with(".wsdl")).unwrap();
        for f in files.iter().filter(|f| f.name.starts_with("ns-")) {
            assert!(
                wsdl.text
                    .contains(&format!("schemaLocation=\"{}\"", f.name)),
                "{} not imported by the WSDL",
                f.name
            );
        }
    }
}
