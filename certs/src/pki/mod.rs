//! PKI generation for the guide's certificate models.
//!
//! "One CA Certificate": the CRM's and the connectors' certificates come from one company CA that both
//! sides trust. "Separate CA Certificates": each side has its own CA and trusts the *other* side's
//! CA. Every leaf is the guide's certificate: subject CN `host.domain`, sha256WithRSAEncryption, and
//! (beyond the guide, because rustls and modern clients ignore the CN) a SAN for the host and EKU
//! serverAuth + clientAuth, since each side is TLS server and client with one certificate.

mod ca;
mod leaf;
mod weak;

use serde::{Deserialize, Serialize};

pub use ca::{Ca, CaOptions};
pub use leaf::{IssuedCert, LeafKey, LeafOptions, SignatureHash};

use crate::error::CertError;
use crate::identity::{Identity, TrustStore};

/// Key (and signature) algorithm of generated certificates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    /// The guide's requirement: RSA-2048 keys, sha256WithRSAEncryption signatures.
    #[default]
    Rsa2048,
    /// ECDSA P-256 with SHA-256: much cheaper handshakes, for capacity comparisons.
    EcdsaP256,
}

/// The guide's two CA models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// "One CA Certificate": both sides' certificates from one CA.
    #[default]
    OneCa,
    /// "Separate CA Certificates": each side has its own CA and trusts the other side's.
    CaPerSide,
}

/// One party of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartySpec {
    /// "crm", "connector", "connector-a", "connector-b".
    pub name: String,
    /// "crm.crmsim.test": subject CN and first DNS SAN.
    pub host: String,
    /// More DNS names or IP addresses for the SAN.
    pub extra_sans: Vec<String>,
}

impl PartySpec {
    /// A party with no extra SAN entries.
    pub fn new(name: &str, host: &str) -> Self {
        PartySpec {
            name: name.to_string(),
            host: host.to_string(),
            extra_sans: Vec::new(),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiSpec {
    /// Which of the guide's CA models to generate.
    pub layout: Layout,
    /// Key algorithm of every CA and leaf.
    pub key: KeyAlgorithm,
    /// Validity of every certificate, counted from now (must be at least 1).
    pub validity_days: u32,
    /// The SAP CRM side.
    pub crm: PartySpec,
    /// The connector(s), e.g. one for a direct deployment or sides A and B (at least one).
    pub connectors: Vec<PartySpec>,
}

impl PkiSpec {
    /// The direct deployment: one CRM, one connector, one CA, RSA-2048, 365 days, on the loopback
    /// names `crm.crmsim.test` / `connector.crmsim.test` with 127.0.0.1 as extra SAN.
    pub fn direct() -> Self {
        let local = |name: &str| PartySpec {
            extra_sans: vec!["127.0.0.1".to_string(), "localhost".to_string()],
            ..PartySpec::new(name, &format!("{name}.crmsim.test"))
        };
        PkiSpec {
            layout: Layout::OneCa,
            key: KeyAlgorithm::Rsa2048,
            validity_days: 365,
            crm: local("crm"),
            connectors: vec![local("connector")],
        }
    }
}

/// One party's generated material.
#[derive(Debug, Clone)]
pub struct Party {
    /// The party's name from its [`PartySpec`] (e.g. "crm", "connector-a").
    pub name: String,
    /// Its host name, the certificate's CN and first DNS SAN.
    pub host: String,
    /// Its certificate (leaf only, no CA in the chain) and key, checked to belong together.
    pub identity: Identity,
    /// What this party trusts for its peers: in `OneCa` the one CA; in `CaPerSide` the CRM trusts the
    /// connector-side CA and the connectors trust the CRM-side CA.
    pub peer_roots: TrustStore,
    /// Its certificate as PEM (the leaf alone).
    pub cert_pem: String,
    /// PKCS#8 `PRIVATE KEY`.
    pub key_pem: String,
}

/// A generated PKI.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The SAP CRM side's material.
    pub crm: Party,
    /// The connectors' material, in the order of [`PkiSpec::connectors`].
    pub connectors: Vec<Party>,
    /// The CA that issued the CRM's certificate.
    pub crm_ca: Ca,
    /// The CA that issued the connectors' certificates (the same CA as `crm_ca` in `OneCa`).
    pub connector_ca: Ca,
}

impl Pki {
    /// The connector party called `name`.
    pub fn connector(&self, name: &str) -> Option<&Party> {
        self.connectors.iter().find(|p| p.name == name)
    }
}

/// Generates `n` keys on up to two threads (RSA keygen is the slow part of a run's start).
fn generate_keys(key: KeyAlgorithm, n: usize) -> Result<Vec<rcgen::KeyPair>, CertError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, 4);
    let per_thread = n.div_ceil(threads.max(1)).max(1);
    let mut keys = Vec::with_capacity(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(per_thread)
            .map(|start| {
                let count = per_thread.min(n - start);
                scope.spawn(move || {
                    (0..count)
                        .map(|_| ca::generate_key(key))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(batch) => keys.extend(batch),
                Err(_) => keys.push(Err(CertError::generate(
                    "a key pair",
                    "the key generation thread failed",
                ))),
            }
        }
    });
    keys.into_iter().collect()
}

fn party(spec: &PartySpec, issued: IssuedCert, peer_roots: TrustStore) -> Result<Party, CertError> {
    Ok(Party {
        name: spec.name.clone(),
        host: spec.host.clone(),
        identity: issued.identity()?,
        peer_roots,
        cert_pem: issued.cert_pem,
        key_pem: issued.key_pem,
    })
}

/// Generates the CA(s) and every party's certificate and key.
pub fn generate(spec: &PkiSpec) -> Result<Pki, CertError> {
    if spec.connectors.is_empty() {
        return Err(CertError::invalid("a PKI needs at least one connector"));
    }
    if spec.validity_days == 0 {
        return Err(CertError::invalid("validity_days must be at least 1"));
    }
    let cas = match spec.layout {
        Layout::OneCa => 1,
        Layout::CaPerSide => 2,
    };
    let mut keys = generate_keys(spec.key, cas + 1 + spec.connectors.len())?.into_iter();
    let mut next_key = || {
        keys.next()
            .ok_or_else(|| CertError::generate("a key pair", "too few keys generated"))
    };
    let (crm_ca, connector_ca) = match spec.layout {
        Layout::OneCa => {
            let ca = Ca::with_key(
                &CaOptions::new("crmsim Company CA", spec.key, spec.validity_days),
                next_key()?,
            )?;
            (ca.clone(), ca)
        }
        Layout::CaPerSide => (
            Ca::with_key(
                &CaOptions::new("crmsim CRM Side CA", spec.key, spec.validity_days),
                next_key()?,
            )?,
            Ca::with_key(
                &CaOptions::new("crmsim Connector Side CA", spec.key, spec.validity_days),
                next_key()?,
            )?,
        ),
    };
    let leaf =
        |p: &PartySpec| LeafOptions::for_host(&p.host, &p.extra_sans, spec.key, spec.validity_days);
    let crm_cert = crm_ca.issue_with_key(&leaf(&spec.crm), next_key()?)?;
    let crm = party(&spec.crm, crm_cert, connector_ca.trust())?;
    let mut connectors = Vec::with_capacity(spec.connectors.len());
    for c in &spec.connectors {
        let issued = connector_ca.issue_with_key(&leaf(c), next_key()?)?;
        connectors.push(party(c, issued, crm_ca.trust())?);
    }
    Ok(Pki {
        crm,
        connectors,
        crm_ca,
        connector_ca,
    })
}
