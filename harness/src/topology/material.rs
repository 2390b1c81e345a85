//! TLS material of a deployment: who presents which certificate and trusts which CA.
//!
//! There is one way in: folders as the connector guide lays them out. A customer's connector
//! folder (`ssl.ini`, `CRMConnectorSAP_<name>.ini`, PEM files) and SAP-side folder are loaded as
//! they are; without them, the run writes a throw-away set with `certs new` and loads *that*
//! through the very same readers. So every run exercises the code path a customer's files take.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use certs::layout::{NewOptions, Sides};
use certs::{Identity, TlsOptions, TrustStore};
use plan::SideTls;
use transport::ClientTls;

use scenario::{LoadedScenario, Scenario};

/// One side's certificate and the CAs it trusts for its peers.
#[derive(Clone)]
pub struct SideMaterial {
    /// Its certificate chain and private key.
    pub identity: Identity,
    /// The CAs it trusts for its peers.
    pub peer_roots: TrustStore,
}

/// The material of a whole deployment.
pub struct RunPki {
    /// The SAP CRM side's material.
    pub crm: SideMaterial,
    /// One per connector side, in order (the connector, or side A then side B).
    pub connectors: Vec<SideMaterial>,
    /// The proxy's health checker: its own certificate (or, with a customer's folders, the
    /// CRM's), trusting what the CRM trusts.
    pub checker: SideMaterial,
    /// Where it came from (the customer's folders, or the generated set).
    pub source: PathBuf,
    /// Keeps a generated set alive until the run ends; `None` when kept on purpose or loaded.
    _scratch: Option<tempfile::TempDir>,
}

/// Names the material must carry.
pub struct Names<'a> {
    /// The CRM's host name.
    pub crm_host: &'a str,
    /// The connector's host, or sides A and B.
    pub side_hosts: &'a [String],
    /// The name the CRM dials in front of sides A and B (a proxy); every side presents it.
    pub service_host: Option<&'a str>,
    /// The proxy's own name, for its checker's certificate.
    pub proxy_host: &'a str,
}

/// What the scenario's folders say besides certificates.
#[derive(Debug, Clone, Default)]
pub struct ConnectorSettings {
    /// Problems that will make handshakes fail, said before the run shows them.
    pub warnings: Vec<String>,
    /// `TpiDllParameter=SSL PROXY=<host>:<port>`: the static route for events.
    pub proxy_route: Option<(String, u16)>,
    /// `AgentLoginType` from the connector ini.
    pub login_type: Option<u8>,
}

/// A problem with the material; names the side or the folder and what to do.
#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    /// A certificate, key or trust file of one side could not be loaded or made.
    #[error("TLS material of {side}: {source}")]
    Certs {
        /// The side or folder (`the connector folder`, `crm`…).
        side: String,
        /// What was wrong.
        #[source]
        source: Box<certs::CertError>,
    },
    /// The folders and the scenario disagree (SSL on or off, a missing CRM folder).
    #[error("{0}")]
    Mismatch(String),
    /// The scratch folder for generated certificates could not be created.
    #[error("cannot create a folder for the run's certificates: {0}")]
    Scratch(std::io::Error),
}

fn certs_err(side: &str) -> impl Fn(certs::CertError) -> MaterialError + '_ {
    move |e| MaterialError::Certs {
        side: side.to_owned(),
        source: Box::new(e),
    }
}

impl SideMaterial {
    /// The server config (requiring client certificates) and the client config (presenting
    /// ours) of this side.
    pub fn configs(&self, side: &str, options: &TlsOptions) -> Result<SideTls, MaterialError> {
        let wrap = certs_err(side);
        let server =
            certs::server_config(&self.identity, &self.peer_roots, options).map_err(&wrap)?;
        let verifier = certs::server_verifier(&self.peer_roots).map_err(&wrap)?;
        let client =
            certs::tls::client_config_with_verifier(&self.identity, verifier.clone(), options)
                .map_err(&wrap)?;
        Ok(SideTls {
            server: Arc::new(server),
            client: ClientTls {
                config: client,
                verifier,
            },
        })
    }
}

impl SideMaterial {
    /// `tls` (this side's), but its client presents no certificate (SM59 "SSL client
    /// certificate: ANONYM"). The server side is unchanged.
    pub fn anonymous_client(
        &self,
        tls: &SideTls,
        side: &str,
        options: &TlsOptions,
    ) -> Result<SideTls, MaterialError> {
        let wrap = certs_err(side);
        let config =
            certs::tls::anonymous_client_config(&self.peer_roots, options).map_err(&wrap)?;
        let verifier = certs::server_verifier(&self.peer_roots).map_err(&wrap)?;
        Ok(SideTls {
            server: tls.server.clone(),
            client: ClientTls { config, verifier },
        })
    }
}

/// Loads the scenario's folders, or generates a throw-away set (kept in `keep` when given).
/// Returns `None` when SSL is off; the connector settings come from the connector folders
/// either way.
pub fn load(
    loaded: &LoadedScenario,
    names: &Names<'_>,
    keep: Option<&Path>,
) -> Result<(Option<RunPki>, ConnectorSettings), MaterialError> {
    let s = &loaded.scenario;
    let dirs: Vec<PathBuf> = s
        .connector
        .config_dir
        .iter()
        .chain(&s.connector.config_dirs)
        .map(|d| loaded.resolve(d))
        .collect();
    if !dirs.is_empty() {
        return from_folders(loaded, &dirs, names);
    }
    if s.tls.enabled {
        let pki = generate(s, names, keep)?;
        return Ok((Some(pki), ConnectorSettings::default()));
    }
    Ok((None, ConnectorSettings::default()))
}

/// The customer's connector folder(s), and with SSL the SAP side's folder.
fn from_folders(
    loaded: &LoadedScenario,
    dirs: &[PathBuf],
    names: &Names<'_>,
) -> Result<(Option<RunPki>, ConnectorSettings), MaterialError> {
    let s = &loaded.scenario;
    let mut settings = ConnectorSettings::default();
    let mut sides = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let folder =
            certs::folder::load_connector_folder(dir).map_err(certs_err("the connector folder"))?;
        if folder.tpi.ssl != s.tls.enabled {
            return Err(MaterialError::Mismatch(format!(
                "{}: TpiDllParameter says SSL {} but the scenario says [tls] enabled = {}; make them agree",
                folder.connector_ini.path.display(),
                if folder.tpi.ssl { "on" } else { "off" },
                s.tls.enabled
            )));
        }
        if i == 0 {
            settings.proxy_route = folder.tpi.proxy.clone();
            settings.login_type = folder
                .connector_ini
                .agent_login_type
                .as_ref()
                .and_then(|l| l.value.trim().parse().ok());
        } else if folder.tpi.proxy != settings.proxy_route {
            settings.warnings.push(format!(
                "{}: its TpiDllParameter proxy differs from side A's; side A's is used",
                folder.connector_ini.path.display()
            ));
        }
        if let Some((identity, peer_roots)) = folder.tls {
            let host = names.side_hosts.get(i).map_or("", String::as_str);
            settings
                .warnings
                .extend(check_names(&identity, host, "connector", dir));
            if let Some(service) = names.service_host {
                settings
                    .warnings
                    .extend(check_names(&identity, service, "connector", dir));
            }
            sides.push(SideMaterial {
                identity,
                peer_roots,
            });
        }
    }
    if sides.is_empty() {
        return Ok((None, settings));
    }
    let Some(crm_dir) = &s.crm.material_dir else {
        return Err(MaterialError::Mismatch(format!(
            "{} has SSL on: give the SAP side's certificate too, [crm] material_dir = \"<folder with crm.crt.pem, crm.key.pem, trust-ca.pem>\" (what `crmsim certs new` writes under crm/)",
            dirs[0].display()
        )));
    };
    let crm_dir = loaded.resolve(crm_dir);
    let crm = certs::folder::load_crm_folder(&crm_dir).map_err(certs_err("the SAP side folder"))?;
    settings
        .warnings
        .extend(check_names(&crm.identity, names.crm_host, "crm", &crm_dir));
    let crm = SideMaterial {
        identity: crm.identity,
        peer_roots: crm.trust,
    };
    Ok((
        Some(RunPki {
            checker: crm.clone(),
            crm,
            connectors: sides,
            source: dirs[0].clone(),
            _scratch: None,
        }),
        settings,
    ))
}

/// A certificate must carry the name its peer dials, or every handshake fails: say so before
/// the run shows it (the run goes on, so that the refusal itself is measured and reported).
fn check_names(identity: &Identity, host: &str, side: &str, origin: &Path) -> Option<String> {
    let info = match certs::inspect::inspect(identity.leaf()) {
        Ok(info) => info,
        Err(why) => {
            return Some(format!(
                "the {side} certificate from {} cannot be read: {why}",
                origin.display()
            ));
        }
    };
    if info
        .dns_names
        .iter()
        .any(|san| san.eq_ignore_ascii_case(host))
    {
        return None;
    }
    Some(format!(
        "the {side} certificate from {} names {} but the scenario dials {host}: handshakes will fail; set [{side}] host to one of those names",
        origin.display(),
        if info.dns_names.is_empty() {
            "no DNS SAN".to_owned()
        } else {
            info.dns_names.join(", ")
        },
    ))
}

/// `certs new` into a scratch folder (or `keep`), then the folder readers.
fn generate(s: &Scenario, names: &Names<'_>, keep: Option<&Path>) -> Result<RunPki, MaterialError> {
    let (scratch, root) = match keep {
        Some(dir) => (None, dir.to_path_buf()),
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("crmsim-pki-")
                .tempdir()
                .map_err(MaterialError::Scratch)?;
            let root = tmp.path().to_path_buf();
            (Some(tmp), root)
        }
    };
    let opts = NewOptions {
        layout: s.tls.layout,
        key: s.tls.key,
        validity_days: 30,
        crm_host: names.crm_host.to_owned(),
        connector_hosts: names.side_hosts.to_vec(),
        connector_sans: names.service_host.iter().map(|h| (*h).to_owned()).collect(),
        sides: if names.side_hosts.len() == 2 {
            Sides::AB
        } else {
            Sides::One
        },
        overwrite: true,
        ..NewOptions::default()
    };
    let written = certs::layout::write_new(&root, &opts).map_err(certs_err("the generated PKI"))?;
    let crm = certs::folder::load_crm_folder(&written.crm_dir).map_err(certs_err("crm"))?;
    let mut connectors = Vec::new();
    for dir in &written.connector_dirs {
        let folder = certs::folder::load_connector_folder(dir).map_err(certs_err("connector"))?;
        let Some((identity, peer_roots)) = folder.tls else {
            return Err(MaterialError::Mismatch(format!(
                "{}: the generated connector folder has SSL off",
                dir.display()
            )));
        };
        connectors.push(SideMaterial {
            identity,
            peer_roots,
        });
    }
    // The checker presents a certificate of its own, issued by the CA the connectors trust.
    let leaf = certs::pki::LeafOptions::for_host(names.proxy_host, &[], s.tls.key, 30);
    let checker = written
        .pki
        .crm_ca
        .issue(&leaf)
        .and_then(|issued| issued.identity())
        .map_err(certs_err("the proxy's checker"))?;
    let crm = SideMaterial {
        identity: crm.identity,
        peer_roots: crm.trust,
    };
    Ok(RunPki {
        checker: SideMaterial {
            identity: checker,
            peer_roots: crm.peer_roots.clone(),
        },
        crm,
        connectors,
        source: root,
        _scratch: scratch,
    })
}
