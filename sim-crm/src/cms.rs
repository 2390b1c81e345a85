//! SAP's chain from an agent to the connector's URL, modelled as SAP configures it.
//!
//! In SAP CRM an agent's IC WebClient profile names a Communication Management Software (CMS)
//! profile; the profile names a CMS system, whose connection points at an RFC destination
//! (transaction SM59) that holds the host, port, path and the "SSL active" flag. The seed's
//! appendix says SSL must be enabled on that destination *and* on the communication server
//! (CRMM_BCB_ADM). Modelling the chain lets a scenario say it the SAP way and lets crmsim check
//! the mistakes people make with it (SSL flag off with an https URL and the other way round).

use std::fmt;

/// An RFC destination of type G (HTTP to an external server), as in SM59.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RfcDestination {
    /// Destination name, e.g. `ICI_CONNECTOR`.
    pub name: String,
    /// Target host as SAP dials it, e.g. `connector.example.com` or the proxy's name.
    pub host: String,
    /// Target TCP port (SM59 "Service No.").
    pub port: u16,
    /// Path prefix, e.g. `/ici`.
    pub path: String,
    /// SM59 "SSL: Active".
    pub ssl: bool,
}

/// The Communication Management Software profile an agent's IC profile refers to, with the CMS
/// system and its connection settings (CRMM_BCB_ADM).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CmsProfile {
    /// Profile name, e.g. `ZCMS_CONNECTS`.
    pub name: String,
    /// CMS system id, e.g. `BS_CONNECTS`.
    pub system_id: String,
    /// The communication server's own SSL setting, which must match the destination's.
    pub server_ssl: bool,
    /// The RFC destination the CMS connection points at.
    pub destination: RfcDestination,
}

/// The chain is inconsistent; says where and how to fix it, in SAP's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    /// The communication server's SSL setting differs from the destination's SSL flag.
    #[error(
        "CMS profile {profile}: the communication server (CRMM_BCB_ADM) has SSL {server} but RFC destination {destination} (SM59) has SSL {dest}; both must be on for HTTPS"
    )]
    SslMismatch {
        /// The CMS profile's name.
        profile: String,
        /// The RFC destination's name.
        destination: String,
        /// The communication server's SSL setting (CRMM_BCB_ADM).
        server: OnOff,
        /// The RFC destination's "SSL: Active" flag (SM59).
        dest: OnOff,
    },
    /// The destination's host is empty or blank; holds the destination's name.
    #[error("RFC destination {0}: host is empty (SM59 → Technical Settings → Target Host)")]
    NoHost(String),
    /// The destination's path prefix does not start with `/`; holds the destination's name.
    #[error("RFC destination {0}: path must start with '/' (SM59 → Path Prefix)")]
    BadPath(String),
}

/// For readable messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnOff(pub bool);

impl fmt::Display for OnOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "on" } else { "off" })
    }
}

impl CmsProfile {
    /// Checks the chain and returns the connector's ICI URL.
    pub fn connector_url(&self) -> Result<String, CmsError> {
        let d = &self.destination;
        if d.host.trim().is_empty() {
            return Err(CmsError::NoHost(d.name.clone()));
        }
        if !d.path.starts_with('/') {
            return Err(CmsError::BadPath(d.name.clone()));
        }
        if self.server_ssl != d.ssl {
            return Err(CmsError::SslMismatch {
                profile: self.name.clone(),
                destination: d.name.clone(),
                server: OnOff(self.server_ssl),
                dest: OnOff(d.ssl),
            });
        }
        let scheme = if d.ssl { "https" } else { "http" };
        Ok(format!("{scheme}://{}:{}{}", d.host, d.port, d.path))
    }

    /// A profile pointing at `host:port` with SSL on or off, named as a typical installation.
    /// `path` is the connector's ICI path in the dialect spoken ([`ici::Dialect::connector_path`]).
    pub fn for_connector(host: &str, port: u16, ssl: bool, path: &str) -> CmsProfile {
        CmsProfile {
            name: "ZCMS_CONNECTS".to_owned(),
            system_id: "BS_CONNECTS".to_owned(),
            server_ssl: ssl,
            destination: RfcDestination {
                name: "ICI_CONNECTOR".to_owned(),
                host: host.to_owned(),
                port,
                path: path.to_owned(),
                ssl,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_gives_the_url() {
        let p = CmsProfile::for_connector("connector.crmsim.test", 8443, true, "/ici");
        assert_eq!(
            p.connector_url(),
            Ok("https://connector.crmsim.test:8443/ici".to_owned())
        );
    }

    #[test]
    fn ssl_on_one_side_only_is_refused_with_sap_terms() {
        let mut p = CmsProfile::for_connector("c", 80, true, "/ici");
        p.server_ssl = false;
        let e = p.connector_url().unwrap_err().to_string();
        assert!(e.contains("CRMM_BCB_ADM") && e.contains("SM59"), "{e}");
    }
}
