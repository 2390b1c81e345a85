//! The guide's file names, spaces, parentheses and en dash (U+2013) included.
//!
//! They are defaults, not rules: a customer's install may use other names, so every name can be
//! overridden. `{side}` in a name is replaced by "" for a single connector and " Side A" / " Side B"
//! for the failover pair, which yields the guide's "(Connects for SAP Certificate Side A).pem".

use serde::{Deserialize, Serialize};

/// The en dash the guide uses in the split file names.
pub const EN_DASH: char = '\u{2013}';

/// File names of the connector's PEM files and the CA files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileNames {
    /// One-CA model: the CA both sides trust.
    pub company_ca: String,
    /// CA-per-side model: the CRM side's CA, which the connector trusts.
    pub crm_side_ca: String,
    /// CA-per-side model: the connector side's CA, which the CRM trusts (not named by the guide).
    pub connector_side_ca: String,
    /// `PEM_FILE`: certificate and key in one file.
    pub certificate: String,
    /// `CRT_FILE` of the split layout.
    pub cert_file: String,
    /// `KEY_FILE` of the split layout.
    pub key_file: String,
}

impl Default for FileNames {
    fn default() -> Self {
        FileNames {
            company_ca: "(Company CA Certificate).pem".to_string(),
            crm_side_ca: "(CRM Side CA Certificate).pem".to_string(),
            connector_side_ca: "(Connector Side CA Certificate).pem".to_string(),
            certificate: "(Connects for SAP Certificate{side}).pem".to_string(),
            cert_file: format!("(Connects for SAP Certificate{{side}} {EN_DASH} cert file).pem"),
            key_file: format!("(Connects for SAP Certificate{{side}} {EN_DASH} key file).pem"),
        }
    }
}

/// Replaces `{side}` in a name: "" or " Side A".
pub fn with_side(name: &str, side: Option<char>) -> String {
    let side = side.map(|s| format!(" Side {s}")).unwrap_or_default();
    name.replace("{side}", &side)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_guides_names() {
        let n = FileNames::default();
        assert_eq!(
            with_side(&n.certificate, None),
            "(Connects for SAP Certificate).pem"
        );
        assert_eq!(
            with_side(&n.certificate, Some('A')),
            "(Connects for SAP Certificate Side A).pem"
        );
        assert_eq!(
            with_side(&n.cert_file, None),
            "(Connects for SAP Certificate \u{2013} cert file).pem"
        );
        assert_eq!(
            with_side(&n.key_file, Some('B')),
            "(Connects for SAP Certificate Side B \u{2013} key file).pem"
        );
    }
}
