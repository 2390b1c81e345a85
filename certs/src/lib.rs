//! # certs: certificates and TLS for crmsim
//!
//! crmsim simulates SAP CRM and the Bucher+Suter CRMConnectorSAP talking SOAP over HTTPS with mutual
//! TLS. This crate owns everything about certificates, exactly as the connector's SSL guide describes
//! them: the two CA models ("One CA Certificate", "Separate CA Certificates"), PEM files with cert and
//! key together or split, the connector's `ssl.ini` and `CRMConnectorSAP_<name>.ini`, and the SAP
//! side's material. It generates such material, reads the customer's real files (as Windows writes
//! them), checks them (the doctor), and turns them into rustls configurations.
//!
//! Modules:
//! - [`identity`]: [`Identity`] (chain + key) and [`TrustStore`] (CA certificates).
//! - [`tls`]: rustls server/client configs requiring client certificates; versions, key exchange, resumption.
//! - [`pki`]: generation of the guide's models (rcgen), and deliberately bad material for tests.
//! - [`handshake`]: an in-memory TLS handshake driver (tests, doctor, benches).
//! - [`pem`]: loading PEM/DER certificates and keys, with precise reports of what is wrong.
//! - [`inspect`]: a flat summary of a certificate ([`inspect::CertInfo`]).
//! - [`keys`]: key families and key ↔ certificate matching.
//! - [`text`]: Windows text encodings (UTF-8/BOM, UTF-16, ANSI) and line endings.
//! - [`fingerprint`]: SHA-256 fingerprints as openssl and Windows show them.
//! - [`inifile`]: Windows ini files with line numbers, rewritten without losing anything.
//! - [`ssl_ini`]: the connector's `ssl.ini` (`[SSL] METHOD`, `[SSL_SERVER_CLIENT]` files) and path resolution.
//! - [`connector_ini`]: `CRMConnectorSAP_<name>.ini`'s `TpiDllParameter` (`SSL`, `SSL PROXY=ip:port`).
//! - [`folder`]: loading a connector install folder and the SAP-side folder.
//! - [`layout`]: `certs new`, the guide's four models written to disk with README and manifest.
//! - [`p12`]: PKCS#12 bundles for SAP's STRUST.
//! - [`doctor`]: `certs check`, findings with stable codes and fix hints.
//! - [`convert`]: DER ↔ PEM, PKCS#1/SEC1 → PKCS#8.
//! - [`error`]: [`CertError`], which always names the file (and line) and says what to do.

#![warn(missing_docs)]

pub mod connector_ini;
pub mod convert;
pub mod doctor;
pub mod error;
pub mod fingerprint;
pub mod folder;
pub mod handshake;
pub mod identity;
pub mod inifile;
pub mod inspect;
pub mod keys;
pub mod layout;
pub mod p12;
pub mod pem;
pub mod pki;
pub mod ssl_ini;
pub mod text;
pub mod tls;

mod der;

pub use connector_ini::TpiParameter;
pub use doctor::{CheckOptions, Finding, Report, Severity, check};
pub use error::CertError;
pub use folder::{ConnectorFolder, CrmMaterial, load_connector_folder, load_crm_folder};
pub use identity::{Identity, TrustStore};
pub use layout::{NewOptions, PemStyle, Sides, Written, write_new};
pub use pki::{Ca, KeyAlgorithm, Layout, Party, PartySpec, Pki, PkiSpec, generate};
pub use ssl_ini::SslIni;
pub use tls::{
    KeyExchange, TlsOptions, TlsVersions, client_config, server_config, server_verifier,
};
