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
//! - [`error`]: [`CertError`], which always names the file (and line) and says what to do.

pub mod error;
pub mod fingerprint;
pub mod handshake;
pub mod identity;
pub mod inspect;
pub mod keys;
pub mod pem;
pub mod pki;
pub mod text;
pub mod tls;

mod der;

pub use error::CertError;
pub use identity::{Identity, TrustStore};
pub use pki::{Ca, KeyAlgorithm, Layout, Party, PartySpec, Pki, PkiSpec, generate};
pub use tls::{
    KeyExchange, TlsOptions, TlsVersions, client_config, server_config, server_verifier,
};
