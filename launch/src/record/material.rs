//! Each hop's TLS, from the customer's two folders: to each peer the recorder is the other
//! peer, presenting that peer's certificate and trusting what that peer trusts.

use std::path::Path;
use std::sync::Arc;

use capture::Hop;
use certs::{Identity, TlsOptions, TrustStore};
use transport::ClientTls;

/// The connector's and the SAP side's material.
pub struct Material {
    connector: (Identity, TrustStore),
    crm: (Identity, TrustStore),
    options: TlsOptions,
}

impl Material {
    /// Reads a connector folder (`ssl.ini`, `CRMConnectorSAP_*.ini`, its PEM files) and an
    /// SAP-side folder (`crm.crt.pem`, `crm.key.pem`, `trust-ca.pem`), through the readers
    /// `crmsim certs check` uses.
    pub fn load(connector_dir: &Path, crm_dir: &Path) -> Result<Material, String> {
        let folder = certs::folder::load_connector_folder(connector_dir)
            .map_err(|e| format!("--connector-dir {}: {e}", connector_dir.display()))?;
        let Some(connector) = folder.tls else {
            return Err(format!(
                "--connector-dir {}: TpiDllParameter in {} does not say SSL, so the connector speaks plain HTTP: record with http:// URLs and without the folders",
                connector_dir.display(),
                folder.connector_ini.path.display()
            ));
        };
        let crm = certs::folder::load_crm_folder(crm_dir)
            .map_err(|e| format!("--crm-dir {}: {e}", crm_dir.display()))?;
        Ok(Material {
            connector,
            crm: (crm.identity, crm.trust),
            options: TlsOptions::default(),
        })
    }

    /// The server config the sending peer meets and the client config towards the receiving
    /// peer, for `hop`.
    pub fn for_hop(&self, hop: Hop) -> Result<(Arc<rustls::ServerConfig>, ClientTls), String> {
        // Requests: SAP meets "the connector", the connector meets "SAP". Events: the other way.
        let (face, towards) = match hop {
            Hop::Requests => (&self.connector, &self.crm),
            Hop::Events => (&self.crm, &self.connector),
        };
        let server = certs::server_config(&face.0, &face.1, &self.options)
            .map_err(|e| format!("{} hop, the listening side: {e}", hop.as_str()))?;
        let verifier = certs::server_verifier(&towards.1)
            .map_err(|e| format!("{} hop, towards the peer: {e}", hop.as_str()))?;
        let client =
            certs::tls::client_config_with_verifier(&towards.0, verifier.clone(), &self.options)
                .map_err(|e| format!("{} hop, towards the peer: {e}", hop.as_str()))?;
        Ok((
            Arc::new(server),
            ClientTls {
                config: client,
                verifier,
            },
        ))
    }

    /// One line per side: whose certificate is presented where.
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!(
                "to SAP CRM (requests hop) it presents the connector's certificate {}",
                certs::inspect::subject_of(self.connector.0.leaf())
            ),
            format!(
                "to the connector (events hop) it presents the CRM's certificate {}",
                certs::inspect::subject_of(self.crm.0.leaf())
            ),
        ]
    }
}
