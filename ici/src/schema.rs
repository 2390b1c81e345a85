//! The profile's WSDL and XSDs, compiled into the crate.
//!
//! These are the built-in dialect's hand-documented contract (named types, prose on every
//! choice). For any dialect, the built-in one included, [`crate::Dialect::schema_files`] generates
//! an equivalent contract from the dialect's templates.
//!
//! The files live in `ici/schema/`; this module embeds them (`include_str!`) so that tests and
//! users can write them out anywhere and validate without network access:
//!
//! ```text
//! xmllint --noout --schema <dir>/ici-profile.xsd message.xml
//! ```
//!
//! Layout (one XSD per target namespace, as XSD requires):
//! - `ici-profile.xsd`: the driver; the one to validate against. It redefines the SOAP `Body` to
//!   hold exactly one profile element, validated strictly (see the file's comment).
//! - `soap-envelope.xsd`: a faithful local copy of the SOAP 1.1 envelope schema.
//! - `ici-system.xsd`, `ici-user.xsd`, `ici-container.xsd`, `ici-call.xsd`, `ici-event.xsd`:
//!   every request, response, event and acknowledgement as a global element of its namespace.
//! - `ici-types.xsd`: the shared simple types (E.164, reason code, enumerations…), namespace
//!   `urn:crmsim:ici-profile:types`, which never appears on the wire.
//! - `ici-profile.wsdl`: WSDL 1.1, document/literal, SOAP 1.1 binding; one port type and binding
//!   per interface; services `IciConnectorService` (System, User, Container, Call) and
//!   `IciCrmEventService` (Event).

use std::path::Path;

/// The driver schema's file name.
pub const PROFILE_XSD_FILE: &str = "ici-profile.xsd";
/// The WSDL's file name.
pub const WSDL_FILE: &str = "ici-profile.wsdl";

/// The driver schema (`ici-profile.xsd`).
pub const PROFILE_XSD: &str = include_str!("../schema/ici-profile.xsd");
/// The SOAP 1.1 envelope schema (`soap-envelope.xsd`).
pub const SOAP_ENVELOPE_XSD: &str = include_str!("../schema/soap-envelope.xsd");
/// Shared simple types (`ici-types.xsd`).
pub const TYPES_XSD: &str = include_str!("../schema/ici-types.xsd");
/// `urn:IciSystemInterface` (`ici-system.xsd`).
pub const SYSTEM_XSD: &str = include_str!("../schema/ici-system.xsd");
/// `urn:IciUserInterface` (`ici-user.xsd`).
pub const USER_XSD: &str = include_str!("../schema/ici-user.xsd");
/// `urn:IciContainerInterface` (`ici-container.xsd`).
pub const CONTAINER_XSD: &str = include_str!("../schema/ici-container.xsd");
/// `urn:IciCallInterface` (`ici-call.xsd`).
pub const CALL_XSD: &str = include_str!("../schema/ici-call.xsd");
/// `urn:IciEventInterface` (`ici-event.xsd`).
pub const EVENT_XSD: &str = include_str!("../schema/ici-event.xsd");
/// The WSDL (`ici-profile.wsdl`).
pub const WSDL: &str = include_str!("../schema/ici-profile.wsdl");

static FILES: [(&str, &str); 9] = [
    (PROFILE_XSD_FILE, PROFILE_XSD),
    ("soap-envelope.xsd", SOAP_ENVELOPE_XSD),
    ("ici-types.xsd", TYPES_XSD),
    ("ici-system.xsd", SYSTEM_XSD),
    ("ici-user.xsd", USER_XSD),
    ("ici-container.xsd", CONTAINER_XSD),
    ("ici-call.xsd", CALL_XSD),
    ("ici-event.xsd", EVENT_XSD),
    (WSDL_FILE, WSDL),
];

/// Every schema file as `(file name, content)`; the names are those the files import each other
/// by, so they must be written side by side.
pub fn files() -> &'static [(&'static str, &'static str)] {
    &FILES
}

/// Writes every schema file into `dir` (which must exist), overwriting files of the same name.
pub fn write_to(dir: &Path) -> std::io::Result<()> {
    for (name, content) in files() {
        std::fs::write(dir.join(name), content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_imported_schema_location_is_shipped() {
        let names: Vec<&str> = files().iter().map(|(name, _)| *name).collect();
        for (name, content) in files() {
            for location in content.split("schemaLocation=\"").skip(1) {
                let target = location.split('"').next().unwrap_or_default();
                assert!(names.contains(&target), "{name} refers to {target}");
            }
        }
    }

    #[test]
    fn write_to_writes_all_files() {
        let dir = tempfile::tempdir().unwrap();
        write_to(dir.path()).unwrap();
        for (name, content) in files() {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(name)).unwrap(),
                *content
            );
        }
    }
}
