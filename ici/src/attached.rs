//! The call's attached data, as the connector vendor documents it:
//! `<attachedData><ItemAttachedData><Application id="SAP-IC"><CV01/>…<CV10/><MID/><ECC/></Application></ItemAttachedData></attachedData>`.
//!
//! Call variables 1–10, the media id, and ECC variables (names prefixed `ECC.`) and ECC arrays
//! (`ECCA.`). How ECC entries sit inside `<ECC>` is not documented; our profile writes
//! `<Var name="ECC.x">v</Var>` and `<Array name="ECCA.y"><Item>v</Item>…</Array>`.

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

impl AttachedData {
    /// The element name of call variable `index` (0-based): `CV01`..`CV10`.
    pub fn call_variable_element(index: usize) -> String {
        format!("CV{:02}", index + 1)
    }

    /// Parses `CV01`..`CV10` back to a 0-based index.
    pub fn call_variable_index(element: &str) -> Option<usize> {
        let n: usize = element.strip_prefix("CV")?.parse().ok()?;
        (1..=10).contains(&n).then(|| n - 1)
    }
}
