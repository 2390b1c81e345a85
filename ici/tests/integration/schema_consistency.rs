//! The XSD's enumerations and patterns say exactly what the Rust types accept.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;

use ici::{
    CallState, ContainerChange, IciError, ItemType, ParticipantRole, TransferMode, WorkMode, schema,
};
use quick_xml::Reader;
use quick_xml::events::Event;

/// `simpleType name` → its enumeration values, from `ici-types.xsd`.
fn enumerations() -> BTreeMap<String, Vec<String>> {
    let mut reader = Reader::from_str(schema::TYPES_XSD);
    let mut current = None;
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.local_name().into_inner() == "simpleType" => {
                let name = e.try_get_attribute("name").unwrap().unwrap();
                current = Some(name.value.into_owned());
            }
            Event::Empty(e) if e.local_name().into_inner() == "enumeration" => {
                let value = e.try_get_attribute("value").unwrap().unwrap();
                let name = current.clone().unwrap();
                found
                    .entry(name)
                    .or_default()
                    .push(value.value.into_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    found
}

fn strings<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| as_str(*v).to_owned()).collect()
}

#[test]
fn enumerations_match_the_rust_types() {
    let xsd = enumerations();
    let rust: BTreeMap<String, Vec<String>> = [
        ("WorkMode", strings(&WorkMode::ALL, WorkMode::as_str)),
        ("CallState", strings(&CallState::ALL, CallState::as_str)),
        (
            "TransferMode",
            strings(&TransferMode::ALL, TransferMode::as_str),
        ),
        (
            "ParticipantRole",
            strings(&ParticipantRole::ALL, ParticipantRole::as_str),
        ),
        (
            "ContainerChange",
            strings(&ContainerChange::ALL, ContainerChange::as_str),
        ),
        ("ItemType", strings(&ItemType::ALL, ItemType::as_str)),
        ("IciErrorCode", strings(&IciError::ALL, IciError::as_str)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(xsd, rust);
}

#[test]
fn patterns_and_bounds_are_the_documented_ones() {
    let types = schema::TYPES_XSD;
    assert!(types.contains(r#"<xs:pattern value="\+[1-9][0-9]{1,14}"/>"#));
    assert!(types.contains(
        r#"<xs:restriction base="xs:unsignedShort">
      <xs:minInclusive value="1000"/>"#
    ));
}

#[test]
fn every_operation_is_declared_in_its_namespace_schema() {
    for op in ici::Operation::ALL {
        let interface = op.interface();
        let (_, xsd) = schema::files()
            .iter()
            .find(|(name, _)| {
                *name == format!("ici-{}.xsd", format!("{interface:?}").to_lowercase())
            })
            .unwrap();
        let namespace = crate::common::builtin_element(op).0;
        assert!(xsd.contains(&format!("targetNamespace=\"{namespace}\"")));
        for element in [
            crate::common::builtin_element(op).1,
            crate::common::builtin_reply_element(op).1,
        ] {
            assert!(
                xsd.contains(&format!("<xs:element name=\"{element}\"")),
                "{op:?}: {element} not declared"
            );
        }
    }
}
