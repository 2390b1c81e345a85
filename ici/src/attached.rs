//! The call's attached data, as the connector vendor documents it:
//! `<attachedData><ItemAttachedData><Application id="SAP-IC"><CV01/>…<CV10/><MID/><ECC/></Application></ItemAttachedData></attachedData>`.
//!
//! Call variables 1–10, the media id, and ECC variables (names prefixed `ECC.`) and ECC arrays
//! (`ECCA.`). How ECC entries sit inside `<ECC>` is not documented; our profile writes
//! `<Var name="ECC.x">v</Var>` and `<Array name="ECCA.y"><Item>v</Item>…</Array>`, all
//! variables before all arrays (the XSD's `xs:sequence` says so too).
//!
//! On the wire an absent value and an empty one look the same (`<CV03/>`), so `Some("")` is read
//! back as `None`: build call variables with `None` rather than empty strings.

/// Attached data of one call, application `SAP-IC`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachedData {
    /// `CV01`..`CV10`; `None` is written as an empty element.
    pub call_variables: [Option<String>; 10],
    /// `MID`: media id.
    pub media_id: Option<String>,
    /// ECC scalar variables; names start with `ECC.`.
    pub ecc: Vec<(String, String)>,
    /// ECC arrays; names start with `ECCA.`.
    pub ecc_arrays: Vec<(String, Vec<String>)>,
}

/// The call-variable element names, `CV01`..`CV10`, by 0-based index (static, so the codec
/// allocates nothing for them).
pub const CALL_VARIABLE_ELEMENTS: [&str; 10] = [
    "CV01", "CV02", "CV03", "CV04", "CV05", "CV06", "CV07", "CV08", "CV09", "CV10",
];

/// Prefix of ECC scalar variable names.
pub const ECC_VAR_PREFIX: &str = "ECC.";
/// Prefix of ECC array names.
pub const ECC_ARRAY_PREFIX: &str = "ECCA.";

impl AttachedData {
    /// The element name of call variable `index` (0-based): `CV01`..`CV10`.
    pub fn call_variable_element(index: usize) -> String {
        format!("CV{:02}", index + 1)
    }

    /// Parses `CV01`..`CV10` back to a 0-based index. Only the exact two-digit names count
    /// (`CV1` or `CV+1` are not call variables, although `usize::from_str` would accept the digits).
    pub fn call_variable_index(element: &str) -> Option<usize> {
        CALL_VARIABLE_ELEMENTS
            .iter()
            .position(|name| *name == element)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_variable_names_round_trip_and_reject_look_alikes() {
        for (i, name) in CALL_VARIABLE_ELEMENTS.iter().enumerate() {
            assert_eq!(AttachedData::call_variable_element(i), *name);
            assert_eq!(AttachedData::call_variable_index(name), Some(i));
        }
        for bad in ["CV1", "CV+1", "CV00", "CV11", "cv01", "CV010"] {
            assert_eq!(AttachedData::call_variable_index(bad), None, "{bad}");
        }
    }
}
